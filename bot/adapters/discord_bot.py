"""Discord adapter (discord.py 2.x): slash commands, mention chat, buttons; all logic stays in the core."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.core.clock import Clock, SystemClock
from bot.core.engine import BotCore
from bot.core.models import Attachment, Channel, ChannelKind, IncomingMessage, User
from bot.core.output import Button, SentMessage
from bot.core.streaming import split_text
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_TEXT = 2000
EDIT_INTERVAL = 1.0
CUSTOM_ID_PREFIX = "aa:"
FORMAT_CHOICES = [app_commands.Choice(name=f, value=f) for f in ("1:1", "4:5", "9:16")]


def to_user(member: discord.abc.User, locale: str | None = None) -> User:
    """A Discord user or member as a core User (Manage Server makes an admin)."""
    perms = getattr(member, "guild_permissions", None)
    roles = tuple(str(r.id) for r in getattr(member, "roles", ()) if not r.is_default())
    return User(
        PLATFORM,
        str(member.id),
        member.display_name,
        locale=locale,
        is_admin=bool(perms and perms.manage_guild),
        roles=roles,
    )


def to_channel(channel: Any) -> Channel:
    """A Discord channel as a core Channel; guild channels carry their guild as the space."""
    if isinstance(channel, discord.DMChannel | discord.GroupChannel):
        return Channel(PLATFORM, str(channel.id), ChannelKind.DIRECT, "DM")
    guild = getattr(channel, "guild", None)
    return Channel(
        PLATFORM,
        str(channel.id),
        ChannelKind.GROUP,
        getattr(channel, "name", ""),
        space=str(guild.id) if guild else "",
    )


def view_for(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """Buttons as a stateless view; clicks are routed by custom_id in `on_interaction`."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(
            discord.ui.Button(
                label=b.label[:80],
                custom_id=(CUSTOM_ID_PREFIX + b.action)[:100],
                style=discord.ButtonStyle.secondary,
            )
        )
    return view


def _file_limit(channel: Any) -> int:
    guild = getattr(channel, "guild", None)
    return guild.filesize_limit if guild else 10 * 1024 * 1024


@dataclass
class ChannelOutput:
    """ChatOutput that answers in a channel, replying to one message."""

    channel: Any
    reference: discord.Message | None = None
    clock: Clock = field(default_factory=SystemClock)
    max_len: int = MAX_TEXT
    min_edit_interval: float = EDIT_INTERVAL
    _messages: dict[str, discord.Message] = field(default_factory=dict)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send a message (the first one replies to the user's message)."""
        kwargs: dict[str, Any] = {"content": text[: self.max_len]}
        if view := view_for(buttons):
            kwargs["view"] = view
        if self.reference is not None and not self._messages:
            kwargs["reference"] = self.reference
            kwargs["mention_author"] = False
        msg = await self.channel.send(**kwargs)
        self._messages[str(msg.id)] = msg
        return SentMessage(id=str(msg.id))

    async def edit(self, message: SentMessage, text: str) -> None:
        """Edit a message this output sent."""
        await self._messages[message.id].edit(content=text[: self.max_len])

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a file with its caption; too-big files are reported instead."""
        size = await asyncio.to_thread(lambda: Path(path).stat().st_size)
        if size > _file_limit(self.channel):
            return await self.send(caption + f"\n(postcard too large for this server: {size // 1024} KB)")
        parts = split_text(caption, self.max_len) if caption else [""]
        kwargs: dict[str, Any] = {"content": parts[0] or None, "file": discord.File(str(path))}
        if (view := view_for(buttons)) and len(parts) == 1:
            kwargs["view"] = view
        if self.reference is not None and not self._messages:
            kwargs["reference"] = self.reference
            kwargs["mention_author"] = False
        msg = await self.channel.send(**kwargs)
        self._messages[str(msg.id)] = msg
        for i, part in enumerate(parts[1:], 1):
            await self.send(part, buttons if i == len(parts) - 1 else ())
        return SentMessage(id=str(msg.id))

    async def typing(self) -> None:
        """Show 'typing…' once."""
        try:
            await self.channel.typing()
        except discord.HTTPException:
            log.debug("typing indicator failed", exc_info=True)


@dataclass
class InteractionOutput:
    """ChatOutput for a slash command or button: deferred first, then follow-ups.

    A follow-up after the interaction token expired (15 minutes) falls back to a channel message.
    """

    interaction: discord.Interaction
    clock: Clock = field(default_factory=SystemClock)
    max_len: int = MAX_TEXT
    min_edit_interval: float = EDIT_INTERVAL
    _messages: dict[str, Any] = field(default_factory=dict)

    async def _fallback_channel(self) -> ChannelOutput:
        return ChannelOutput(self.interaction.channel, clock=self.clock)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send a follow-up message."""
        kwargs: dict[str, Any] = {"content": text[: self.max_len], "wait": True}
        if view := view_for(buttons):
            kwargs["view"] = view
        try:
            msg = await self.interaction.followup.send(**kwargs)
        except (discord.NotFound, discord.HTTPException) as exc:
            if getattr(exc, "status", 0) not in (401, 404):
                raise
            log.warning("interaction expired; answering in the channel instead")
            out = await self._fallback_channel()
            text = f"{self.interaction.user.mention} {text}"[: self.max_len]
            sent = await out.send(text, buttons)
            self._messages[sent.id] = out._messages[sent.id]
            return sent
        self._messages[str(msg.id)] = msg
        return SentMessage(id=str(msg.id))

    async def edit(self, message: SentMessage, text: str) -> None:
        """Edit a follow-up (or its channel fallback)."""
        await self._messages[message.id].edit(content=text[: self.max_len])

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send the postcard as a follow-up file, under the guild's upload limit."""
        size = await asyncio.to_thread(lambda: Path(path).stat().st_size)
        channel = self.interaction.channel
        if size > _file_limit(channel):
            return await self.send(caption + f"\n(postcard too large for this server: {size // 1024} KB)")
        parts = split_text(caption, self.max_len) if caption else [""]
        kwargs: dict[str, Any] = {"content": parts[0] or "", "file": discord.File(str(path)), "wait": True}
        if (view := view_for(buttons)) and len(parts) == 1:
            kwargs["view"] = view
        try:
            msg = await self.interaction.followup.send(**kwargs)
        except (discord.NotFound, discord.HTTPException) as exc:
            if getattr(exc, "status", 0) not in (401, 404):
                raise
            log.warning("interaction expired; sending the postcard in the channel instead")
            out = await self._fallback_channel()
            return await out.send_image(path, f"{self.interaction.user.mention} {caption}", buttons)
        self._messages[str(msg.id)] = msg
        for i, part in enumerate(parts[1:], 1):
            await self.send(part, buttons if i == len(parts) - 1 else ())
        return SentMessage(id=str(msg.id))

    async def typing(self) -> None:
        """The deferred 'thinking…' state already shows activity."""


def _base_class(settings: Settings) -> type[discord.Client]:
    return discord.AutoShardedClient if settings.discord_shards.strip().lower() == "auto" else discord.Client


def make_client(core: BotCore, settings: Settings, *, clock: Clock | None = None) -> discord.Client:
    """Build the Discord client (sharded when DISCORD_SHARDS=auto) wired to the core."""
    base = _base_class(settings)
    intents = discord.Intents.default()
    intents.message_content = True  # privileged: enable it in the developer portal (see README)

    class AvatarDiscordBot(base):  # type: ignore[misc, valid-type]
        """The bot client: translates events and slash commands into core messages."""

        def __init__(self) -> None:
            super().__init__(
                intents=intents, allowed_mentions=discord.AllowedMentions(everyone=False, roles=False)
            )
            self.core = core
            self.settings = settings
            self.clock = clock or core.clock
            self.tree = app_commands.CommandTree(self)
            _register_commands(self)

        async def setup_hook(self) -> None:
            guild_ids = [g.strip() for g in settings.discord_guild_ids.split(",") if g.strip().isdigit()]
            for gid in guild_ids:
                guild = discord.Object(id=int(gid))
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            if not guild_ids:
                await self.tree.sync()
            log.info(
                "discord: slash commands synced (%s)",
                "guilds " + ",".join(guild_ids) if guild_ids else "global",
            )

        async def on_ready(self) -> None:
            log.info("discord: connected as %s to %d servers", self.user, len(self.guilds))

        async def on_resumed(self) -> None:
            log.info("discord: session resumed after a reconnect")

        async def on_disconnect(self) -> None:
            log.info("discord: disconnected; discord.py will reconnect")

        async def on_message(self, message: discord.Message) -> None:
            if message.author.bot or self.user is None:
                return
            incoming = await self.to_incoming(message)
            await self.core.handle(
                incoming, ChannelOutput(message.channel, reference=message, clock=self.clock)
            )

        async def to_incoming(self, message: discord.Message) -> IncomingMessage:
            """Translate a channel message into the core's IncomingMessage."""
            me = self.user
            ref = message.reference.resolved if message.reference else None
            reply_to_bot = isinstance(ref, discord.Message) and me is not None and ref.author.id == me.id
            text = message.content
            if me is not None:
                text = text.replace(f"<@{me.id}>", "").replace(f"<@!{me.id}>", "").strip() or text
            attachments: tuple[Attachment, ...] = ()
            if message.attachments and text.lower().startswith("/avatar"):
                attachments = (await self.read_attachment(message.attachments[0]),)
            return IncomingMessage(
                user=to_user(message.author),
                channel=to_channel(message.channel),
                text=text,
                message_id=str(message.id),
                attachments=attachments,
                mentions_bot=me is not None and me in message.mentions,
                reply_to_bot=reply_to_bot,
                mentioned_users=tuple(to_user(u) for u in message.mentions if me is None or u.id != me.id),
                sent_at=message.created_at,
            )

        async def read_attachment(self, att: discord.Attachment) -> Attachment:
            """Download an attachment unless it is over the avatar byte cap (the core rejects it)."""
            if att.size > self.settings.avatar_max_bytes:
                return Attachment(att.filename, att.content_type, att.size, b"")
            data = await att.read()
            return Attachment(att.filename, att.content_type, len(data), data)

        async def run_command(
            self,
            interaction: discord.Interaction,
            text: str,
            *,
            attachment: discord.Attachment | None = None,
            mentioned: tuple[discord.abc.User, ...] = (),
            ephemeral: bool = False,
        ) -> None:
            """Defer within Discord's 3 s window, then let the core answer through follow-ups."""
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
            attachments = (await self.read_attachment(attachment),) if attachment else ()
            incoming = IncomingMessage(
                user=to_user(interaction.user, str(interaction.locale)),
                channel=to_channel(interaction.channel),
                text=text,
                message_id=str(interaction.id),
                attachments=attachments,
                mentions_bot=True,
                mentioned_users=tuple(to_user(u) for u in mentioned),
            )
            await self.core.handle(incoming, InteractionOutput(interaction, clock=self.clock))

        async def on_interaction(self, interaction: discord.Interaction) -> None:
            if interaction.type is not discord.InteractionType.component:
                return
            custom_id = (interaction.data or {}).get("custom_id", "")
            if not custom_id.startswith(CUSTOM_ID_PREFIX):
                return
            await interaction.response.defer(thinking=True)
            user = to_user(interaction.user, str(interaction.locale))
            msg = IncomingMessage(
                user=user, channel=to_channel(interaction.channel), text="", message_id=str(interaction.id)
            )
            await self.core.handle_action(
                user,
                msg,
                custom_id[len(CUSTOM_ID_PREFIX) :],
                InteractionOutput(interaction, clock=self.clock),
            )

    return AvatarDiscordBot()


def _register_commands(bot: Any) -> None:
    tree: app_commands.CommandTree = bot.tree

    @tree.command(name="adventure", description="Send your avatar to a world landmark")
    @app_commands.describe(
        place="A landmark or city, in any language",
        seed="Reproduce an image exactly",
        format="Postcard shape",
        style="A style word, e.g. watercolor",
        friend="Bring a friend",
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    async def adventure(
        interaction: discord.Interaction,
        place: str,
        seed: app_commands.Range[int, 0, 2**32 - 1] | None = None,
        format: app_commands.Choice[str] | None = None,
        style: str | None = None,
        friend: discord.Member | None = None,
    ) -> None:
        text = f"/adventure {place}"
        if seed is not None:
            text += f" seed:{seed}"
        if format is not None:
            text += f" format:{format.value}"
        if style:
            text += f" style:{style.split()[0][:24]}"
        if friend is not None:
            text += f" with @{friend.display_name}"
        await bot.run_command(interaction, text, mentioned=(friend,) if friend else ())

    @adventure.autocomplete("place")
    async def place_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        adv = getattr(bot.core, "adventures", None)
        if adv is None:
            return []
        items = adv.catalogue.autocomplete(current, str(interaction.locale), limit=25)
        return [app_commands.Choice(name=label[:100], value=value) for label, value in items]

    avatar = app_commands.Group(name="avatar", description="Your avatar")

    @avatar.command(name="set", description="Upload a picture as your avatar")
    async def avatar_set(interaction: discord.Interaction, image: discord.Attachment) -> None:
        await bot.run_command(interaction, "/avatar set", attachment=image)

    @avatar.command(name="create", description="Draw a cartoon avatar, e.g. long brown hair, glasses")
    async def avatar_create(interaction: discord.Interaction, description: str = "") -> None:
        await bot.run_command(interaction, f"/avatar create {description}".strip())

    @avatar.command(name="show", description="Show your avatar")
    async def avatar_show(interaction: discord.Interaction) -> None:
        await bot.run_command(interaction, "/avatar show")

    @avatar.command(name="delete", description="Delete your avatar")
    async def avatar_delete(interaction: discord.Interaction) -> None:
        await bot.run_command(interaction, "/avatar delete", ephemeral=True)

    tree.add_command(avatar)

    simple = {
        "help": "What I can do",
        "memory": "What I remember about you",
        "forget": "Wipe everything I know about you",
        "journal": "Your travel journal",
        "passport": "Your passport page",
    }
    for name, description in simple.items():
        _add_simple(tree, bot, name, description)

    @tree.command(name="persona", description="Show or change this channel's persona")
    async def persona(interaction: discord.Interaction, persona_id: str | None = None) -> None:
        await bot.run_command(interaction, f"/persona {persona_id or ''}".strip())

    @persona.autocomplete("persona_id")
    async def persona_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        cur = current.lower()
        return [
            app_commands.Choice(name=f"{p.name} ({p.id})"[:100], value=p.id)
            for p in bot.core.personas.list()
            if cur in p.id.lower() or cur in p.name.lower()
        ][:25]

    @tree.command(name="remember", description="Tell me something to remember")
    async def remember(interaction: discord.Interaction, text: app_commands.Range[str, 1, 500]) -> None:
        await bot.run_command(interaction, f"/remember {text}", ephemeral=True)

    @tree.command(name="link", description="Join your Discord and Telegram identities")
    async def link(interaction: discord.Interaction, code: str | None = None) -> None:
        await bot.run_command(interaction, f"/link {code or ''}".strip(), ephemeral=True)

    @tree.command(name="landmarks", description="Places I can take you")
    async def landmarks(interaction: discord.Interaction, where: str | None = None) -> None:
        await bot.run_command(interaction, f"/landmarks {where or ''}".strip())

    config = app_commands.Group(
        name="config",
        description="Server settings (Manage Server only)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @config.command(name="show", description="Show this server's settings")
    async def config_show(interaction: discord.Interaction) -> None:
        await bot.run_command(interaction, "/config", ephemeral=True)

    @config.command(name="persona", description="Default persona for this server")
    async def config_persona(interaction: discord.Interaction, persona_id: str) -> None:
        await bot.run_command(interaction, f"/config persona {persona_id}", ephemeral=True)

    @config.command(name="channels", description="Limit the bot to some channels")
    @app_commands.choices(action=[app_commands.Choice(name=a, value=a) for a in ("add", "remove", "clear")])
    async def config_channels(
        interaction: discord.Interaction,
        action: app_commands.Choice[str],
        channel: discord.TextChannel | None = None,
    ) -> None:
        target = f" {channel.id}" if channel else ""
        await bot.run_command(interaction, f"/config channels {action.value}{target}", ephemeral=True)

    @config.command(name="image-roles", description="Limit image commands to some roles")
    @app_commands.choices(action=[app_commands.Choice(name=a, value=a) for a in ("add", "remove", "clear")])
    async def config_roles(
        interaction: discord.Interaction, action: app_commands.Choice[str], role: discord.Role | None = None
    ) -> None:
        target = f" {role.id}" if role else ""
        await bot.run_command(interaction, f"/config image-roles {action.value}{target}", ephemeral=True)

    tree.add_command(config)


def _add_simple(tree: app_commands.CommandTree, bot: Any, name: str, description: str) -> None:
    async def callback(interaction: discord.Interaction) -> None:
        await bot.run_command(interaction, f"/{name}", ephemeral=name == "forget")

    tree.add_command(app_commands.Command(name=name, description=description, callback=callback))


class DiscordAdapter:
    """Starts and stops the Discord client next to the other adapters."""

    def __init__(self, core: BotCore, settings: Settings) -> None:
        self.settings = settings
        self.client = make_client(core, settings)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Log in (a bad token is reported clearly) and connect in the background."""
        assert self.settings.discord_token is not None
        try:
            await self.client.login(self.settings.discord_token.get_secret_value())
        except discord.LoginFailure as exc:
            raise RuntimeError(
                "Discord rejected DISCORD_TOKEN (improper token); check it in the developer portal"
            ) from exc
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")

    async def stop(self) -> None:
        """Close the connection cleanly."""
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
