"""Discord adapter (discord.py 2.x): slash commands, mention chat, buttons; all logic stays in the core."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord_commands import OptionInput, Translator, build_tree
from bot.adapters.supervisor import TokenRejected, best_effort
from bot.core.clock import Clock, SystemClock
from bot.core.engine import BotCore
from bot.core.i18n import ui_language
from bot.core.models import (
    Attachment,
    Channel,
    ChannelKind,
    Command,
    IncomingMessage,
    Mention,
    OptionValue,
    User,
)
from bot.core.output import Button, PersonaIdentity, SentMessage, VoiceNote
from bot.core.registry import CommandSpec, clean_text
from bot.core.streaming import send_split, split_text
from bot.settings import Settings
from bot.shards import shard_plan

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_TEXT = 2000
EDIT_INTERVAL = 1.0
CUSTOM_ID_PREFIX = "aa:"
DEFAULT_FILE_LIMIT = 10 * 1024 * 1024


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


def _guild_file_limit(channel: Any) -> int:
    guild = getattr(channel, "guild", None)
    return guild.filesize_limit if guild else DEFAULT_FILE_LIMIT


def fit_file(path: Path, limit: int) -> Path | bytes | None:
    """`path` if it is under `limit` bytes, else a smaller JPEG in memory, else None.

    The smaller copy is never written to disk, so /forget has no stray copies of a picture to find.
    """
    path = Path(path)
    if path.stat().st_size <= limit:
        return path
    from PIL import Image

    with Image.open(path) as im:
        image = im.convert("RGB")
    for scale in (1.0, 0.75, 0.5, 0.35, 0.25):
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        resized = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        for quality in (85, 70, 55):
            buf = io.BytesIO()
            resized.save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= limit:
                return buf.getvalue()
    return None


def _discord_file(fitted: Path | bytes, original: Path) -> discord.File:
    if isinstance(fitted, bytes):
        return discord.File(io.BytesIO(fitted), filename=Path(original).stem + ".jpg")
    return discord.File(str(fitted))


def _voice_file(note: VoiceNote) -> discord.File:
    return discord.File(str(note.path), filename="voice.ogg", description="AI-generated voice")


def _animation_file(path: Path) -> discord.File:
    return discord.File(
        str(path), filename="postcard" + Path(path).suffix.lower(), description="AI-generated animation"
    )


def _too_large_note(path: Path) -> str:
    return f"\n(the picture is too large for this server: {Path(path).stat().st_size // 1024} KB)"


def _is_expired(exc: discord.HTTPException) -> bool:
    """True when Discord says the interaction token is gone (15 minutes passed, or never acknowledged)."""
    return exc.status == 401 or exc.code in (10015, 10062, 50027)


WEBHOOK_NAME = "Avatar Adventures"


def _may_manage_webhooks(channel: Any) -> bool:
    """Whether the bot may post through a webhook here: a server text channel with Manage Webhooks."""
    guild = getattr(channel, "guild", None)
    if not isinstance(channel, discord.TextChannel) or guild is None or guild.me is None:
        return False
    return channel.permissions_for(guild.me).manage_webhooks


def persona_label(speaker: PersonaIdentity) -> str:
    """The bold name in front of a persona's message where no webhook can show it."""
    return f"**{discord.utils.escape_markdown(speaker.name)}:** "


@dataclass
class Webhooks:
    """One webhook per channel through which the personas of a cast post under their own names;
    found or made on first use, where the bot may manage webhooks."""

    _hooks: dict[int, discord.Webhook] = field(default_factory=dict)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    async def get(self, channel: Any) -> discord.Webhook | None:
        """The channel's webhook; None without Manage Webhooks (or when Discord refuses)."""
        if not _may_manage_webhooks(channel):
            return None
        if (hook := self._hooks.get(channel.id)) is not None:
            return hook
        async with self._locks.setdefault(channel.id, asyncio.Lock()):
            if (hook := self._hooks.get(channel.id)) is not None:
                return hook
            me = channel.guild.me
            try:
                ours = [
                    h
                    for h in await channel.webhooks()
                    if h.token and h.user is not None and h.user.id == me.id
                ]
                hook = ours[0] if ours else await channel.create_webhook(name=WEBHOOK_NAME)
            except discord.HTTPException:
                log.warning("no webhook in channel %s; personas are shown by name", channel.id, exc_info=True)
                return None
            self._hooks[channel.id] = hook
            return hook

    def forget(self, channel_id: int) -> None:
        """Drop a webhook Discord no longer takes (deleted, or the permission was removed)."""
        self._hooks.pop(channel_id, None)


@dataclass
class ChannelOutput:
    """ChatOutput that answers in a channel, replying to one message.

    `mention` (e.g. `<@123> `) is put in front of the first message when it fits, so a user whose
    interaction expired still gets pinged.
    """

    channel: Any
    reference: discord.Message | None = None
    clock: Clock = field(default_factory=SystemClock)
    max_len: int = MAX_TEXT
    min_edit_interval: float = EDIT_INTERVAL
    mention: str = ""
    webhooks: Webhooks | None = None
    _messages: dict[str, discord.Message] = field(default_factory=dict)
    _prefixes: dict[str, str] = field(default_factory=dict)
    _hooked: dict[str, discord.Webhook] = field(default_factory=dict)  # persona messages -> their webhook

    def _common(self, buttons: tuple[Button, ...]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if view := view_for(buttons):
            kwargs["view"] = view
        if self.reference is not None and not self._messages:
            # The user may have deleted their message meanwhile: reply if it still exists, else just send.
            kwargs["reference"] = self.reference.to_reference(fail_if_not_exists=False)
            kwargs["mention_author"] = False
        return kwargs

    def _prefix(self, text: str) -> str:
        if self.mention and not self._messages and len(self.mention) + len(text) <= self.max_len:
            return self.mention
        return ""

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send a message (the first one replies to the user's message)."""
        return await self._post(text, buttons)

    async def _post(self, text: str, buttons: tuple[Button, ...], label: str = "") -> SentMessage:
        prefix = self._prefix(label + text) + label
        kwargs = self._common(buttons)
        msg = await self.channel.send(content=(prefix + text)[: self.max_len], **kwargs)
        self._messages[str(msg.id)] = msg
        self._prefixes[str(msg.id)] = prefix
        return SentMessage(id=str(msg.id))

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Post as a persona through the channel's webhook (its name and avatar); without Manage
        Webhooks, or when Discord refuses, a normal message with the name in bold in front."""
        hook = await self.webhooks.get(self.channel) if self.webhooks is not None and not buttons else None
        if hook is not None:
            extra: dict[str, Any] = {"avatar_url": speaker.avatar_url} if speaker.avatar_url else {}
            try:
                msg = await hook.send(
                    content=text[: self.max_len],
                    username=speaker.name[:80],
                    wait=True,
                    allowed_mentions=discord.AllowedMentions(everyone=False, roles=False),
                    **extra,
                )
            except discord.HTTPException as exc:
                log.warning("webhook post failed (%s); showing the persona by name", exc.status)
                if isinstance(exc, discord.Forbidden | discord.NotFound) and self.webhooks is not None:
                    self.webhooks.forget(self.channel.id)
            else:
                self._hooked[str(msg.id)] = hook
                return SentMessage(id=str(msg.id))
        return await self._post(text, buttons, persona_label(speaker))

    async def edit(self, message: SentMessage, text: str) -> None:
        """Edit a message this output sent (a persona's through its webhook)."""
        if (hook := self._hooked.get(message.id)) is not None:
            await hook.edit_message(int(message.id), content=text[: self.max_len])
            return
        prefix = self._prefixes.get(message.id, "")
        if len(prefix) + len(text) > self.max_len:
            prefix = ""
        await self._messages[message.id].edit(content=(prefix + text)[: self.max_len])

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a file with its caption, shrunk under the server's upload limit if needed."""
        fitted = await asyncio.to_thread(fit_file, Path(path), _guild_file_limit(self.channel))
        if fitted is None:
            return await send_split(self, caption + _too_large_note(path), buttons)
        return await self._send_file(_discord_file(fitted, path), caption, buttons)

    async def _send_file(self, file: discord.File, caption: str, buttons: tuple[Button, ...]) -> SentMessage:
        """An attachment with the caption's first part; the rest follows as text, buttons under the last."""
        parts = split_text(caption, self.max_len) if caption else [""]
        prefix = self._prefix(parts[0])
        kwargs = self._common(buttons if len(parts) == 1 else ())
        msg = await self.channel.send(content=(prefix + parts[0]) or None, file=file, **kwargs)
        self._messages[str(msg.id)] = msg
        self._prefixes[str(msg.id)] = prefix
        for i, part in enumerate(parts[1:], 1):
            await self.send(part, buttons if i == len(parts) - 1 else ())
        return SentMessage(id=str(msg.id))

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send the voice note as an audio attachment, which Discord plays inline (discord.py 2.7 has
        no public way to send a native voice message), with its label."""
        return await self._send_file(_voice_file(note), caption, buttons)

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a motion loop as an attachment: Discord plays an MP4 inline and animates WebP or GIF."""
        if Path(path).stat().st_size > _guild_file_limit(self.channel):
            return await send_split(self, caption + _too_large_note(path), buttons)
        return await self._send_file(_animation_file(path), caption, buttons)

    async def react(self, message_id: str, emoji: str) -> None:
        """Add the emoji to a message in this channel (needs Add Reactions)."""
        if self.reference is not None and str(self.reference.id) == message_id:
            await self.reference.add_reaction(emoji)
        else:
            await self.channel.get_partial_message(int(message_id)).add_reaction(emoji)

    async def typing(self) -> None:
        """Show 'typing…' once."""
        try:
            await self.channel.typing()
        except discord.HTTPException:
            log.debug("typing indicator failed", exc_info=True)


@dataclass
class InteractionOutput:
    """ChatOutput for a slash command or button: deferred first, then follow-ups.

    Follow-ups keep the interaction's privacy (`ephemeral`). When the interaction token is gone
    (15 minutes passed, or the 3 s window was missed so `expired` is set from the start) the
    answer goes to the channel instead, mentioning the user; a private answer goes to their DMs,
    never to the channel.
    """

    interaction: discord.Interaction
    clock: Clock = field(default_factory=SystemClock)
    ephemeral: bool = False
    expired: bool = False
    max_len: int = MAX_TEXT
    min_edit_interval: float = EDIT_INTERVAL
    _messages: dict[str, Any] = field(default_factory=dict)
    _fallback: ChannelOutput | None = None
    _labels: dict[str, str] = field(default_factory=dict)

    async def _fallback_output(self) -> ChannelOutput:
        if self._fallback is None:
            user = self.interaction.user
            if self.ephemeral or self.interaction.channel is None:
                log.warning("interaction expired; answering privately in a DM instead")
                self._fallback = ChannelOutput(await user.create_dm(), clock=self.clock, max_len=self.max_len)
            else:
                log.warning("interaction expired; answering in the channel instead")
                self._fallback = ChannelOutput(
                    self.interaction.channel,
                    clock=self.clock,
                    max_len=self.max_len,
                    mention=user.mention + " ",
                )
        return self._fallback

    async def _followup(self, **kwargs: Any) -> Any | None:
        """Send a follow-up; None when the token is gone (the caller then falls back)."""
        if self.expired:
            return None
        try:
            return await self.interaction.followup.send(wait=True, ephemeral=self.ephemeral, **kwargs)
        except discord.HTTPException as exc:
            if exc.status not in (401, 404):
                raise
            self.expired = True
            return None

    def _file_limit(self) -> int:
        limit = getattr(self.interaction, "filesize_limit", None) or DEFAULT_FILE_LIMIT
        return min(limit, _guild_file_limit(self.interaction.channel))

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send a follow-up message."""
        kwargs: dict[str, Any] = {"content": text[: self.max_len]}
        if view := view_for(buttons):
            kwargs["view"] = view
        msg = await self._followup(**kwargs)
        if msg is None:
            out = await self._fallback_output()
            sent = await out.send(text, buttons)
            self._messages[sent.id] = out
            return sent
        self._messages[str(msg.id)] = msg
        return SentMessage(id=str(msg.id))

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """A follow-up with the persona's name in bold in front (interactions have no webhook identity)."""
        label = persona_label(speaker)
        sent = await self.send(label + text, buttons)
        self._labels[sent.id] = label
        return sent

    async def edit(self, message: SentMessage, text: str) -> None:
        """Edit a follow-up (or its fallback message)."""
        text = self._labels.get(message.id, "") + text
        target = self._messages[message.id]
        if isinstance(target, ChannelOutput):
            await target.edit(message, text)
            return
        try:
            await target.edit(content=text[: self.max_len])
        except discord.HTTPException as exc:
            if _is_expired(exc):
                self.expired = True  # the streamer resends the final text, which then falls back
            raise

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send the picture as a follow-up file, shrunk under the upload limit if needed."""
        if self.expired:
            out = await self._fallback_output()
            sent = await out.send_image(path, caption, buttons)
            self._messages[sent.id] = out
            return sent
        fitted = await asyncio.to_thread(fit_file, Path(path), self._file_limit())
        if fitted is None:
            return await send_split(self, caption + _too_large_note(path), buttons)
        return await self._followup_file(
            _discord_file(fitted, path), caption, buttons, lambda: self.send_image(path, caption, buttons)
        )

    async def _followup_file(
        self,
        file: discord.File,
        caption: str,
        buttons: tuple[Button, ...],
        again: Callable[[], Awaitable[SentMessage]],
    ) -> SentMessage:
        """A follow-up attachment with the caption's first part, the rest as text (buttons under the
        last); `again` sends it once more when the interaction expired meanwhile (then via the channel)."""
        parts = split_text(caption, self.max_len) if caption else [""]
        kwargs: dict[str, Any] = {"content": parts[0], "file": file}
        if (view := view_for(buttons)) and len(parts) == 1:
            kwargs["view"] = view
        msg = await self._followup(**kwargs)
        if msg is None:
            return await again()
        self._messages[str(msg.id)] = msg
        for i, part in enumerate(parts[1:], 1):
            await self.send(part, buttons if i == len(parts) - 1 else ())
        return SentMessage(id=str(msg.id))

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send the voice note as a follow-up audio attachment with its label."""
        if self.expired:
            out = await self._fallback_output()
            sent = await out.send_voice(note, caption, buttons)
            self._messages[sent.id] = out
            return sent
        return await self._followup_file(
            _voice_file(note), caption, buttons, lambda: self.send_voice(note, caption, buttons)
        )

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a motion loop as a follow-up attachment with its caption."""
        if self.expired:
            out = await self._fallback_output()
            sent = await out.send_animation(path, caption, buttons)
            self._messages[sent.id] = out
            return sent
        if Path(path).stat().st_size > self._file_limit():
            return await send_split(self, caption + _too_large_note(path), buttons)
        return await self._followup_file(
            _animation_file(path), caption, buttons, lambda: self.send_animation(path, caption, buttons)
        )

    async def typing(self) -> None:
        """The deferred 'thinking…' state already shows activity."""

    async def react(self, message_id: str, emoji: str) -> None:
        """A slash command has no message of the user's to react to."""


def suggestion_locale(interaction: discord.Interaction, typed: str) -> str:
    """The language to label suggestions in: what the user types in Chinese wins over a non-CJK client locale."""
    locale = str(interaction.locale)
    if ui_language(typed) == "zh" and not locale.lower().startswith(("zh", "ja", "ko")):
        return "zh-CN"
    return locale


async def acknowledge(interaction: discord.Interaction, *, ephemeral: bool) -> bool:
    """Defer within Discord's 3 s window; False when the window was already missed (10062)."""
    try:
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    except discord.NotFound as exc:
        if exc.code != 10062:
            raise
        log.warning("interaction %s arrived too late to acknowledge; answering outside it", interaction.id)
        return False
    return True


def shard_config(value: str) -> tuple[bool, int | None]:
    """DISCORD_SHARDS as (sharded, shard_count): "auto" lets Discord choose, a number fixes it."""
    value = value.strip().lower()
    if value == "auto":
        return True, None
    if value.isdigit() and int(value) > 0:
        return True, int(value)
    if value:
        log.warning("DISCORD_SHARDS=%r is neither 'auto' nor a positive number; not sharding", value)
    return False, None


def _mentions_me(message: discord.Message, me: discord.ClientUser) -> bool:
    """Mentioned directly, or through the bot's own managed role (a common slip in the mention picker)."""
    if any(u.id == me.id for u in message.mentions):
        return True
    return any(r.tags is not None and r.tags.bot_id == me.id for r in message.role_mentions)


def _strip_mentions_of(message: discord.Message, me: discord.ClientUser) -> str:
    text = message.content.replace(f"<@{me.id}>", "").replace(f"<@!{me.id}>", "")
    for role in message.role_mentions:
        if role.tags is not None and role.tags.bot_id == me.id:
            text = text.replace(role.mention, "")
    return text.strip()


def _may_speak(channel: Any) -> bool:
    """Whether the bot may post in this channel (always in DMs)."""
    guild = getattr(channel, "guild", None)
    if guild is None or guild.me is None:
        return True
    perms = channel.permissions_for(guild.me)
    return perms.send_messages_in_threads if isinstance(channel, discord.Thread) else perms.send_messages


CHAT_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def make_client(core: BotCore, settings: Settings, *, clock: Clock | None = None) -> discord.Client:
    """Build the Discord client wired to the core: sharded per DISCORD_SHARD_IDS/COUNT or DISCORD_SHARDS."""
    plan = shard_plan(settings)
    base: type[discord.Client] = discord.AutoShardedClient if plan.sharded else discord.Client
    extra: dict[str, Any] = {"shard_count": plan.count} if plan.count else {}
    if plan.ids is not None:
        extra["shard_ids"] = list(plan.ids)
    log.info("discord: %s", plan.describe())
    intents = discord.Intents.default()
    intents.message_content = True  # privileged: enable it in the developer portal (see README)

    class AvatarDiscordBot(base):  # type: ignore[misc, valid-type]
        """The bot client: translates events and slash commands into core messages."""

        def __init__(self) -> None:
            super().__init__(
                intents=intents,
                allowed_mentions=discord.AllowedMentions(everyone=False, roles=False),
                **extra,
            )
            self.core = core
            self.settings = settings
            self.clock = clock or core.clock
            self.tree = app_commands.CommandTree(self)
            self.sync_task: asyncio.Task | None = None
            build_tree(self.tree, core.registry, self.run_slash, self.suggest)
            self.webhooks = Webhooks()

        async def setup_hook(self) -> None:
            self.core.outlets.register(PLATFORM, self.open_channel)  # the daily postcard may post now
            await self.tree.set_translator(Translator())
            # Publishing slash commands is not needed to chat: a failure is logged and retried later.
            try:
                await self.sync_commands()
            except Exception as exc:
                log.warning("discord: syncing slash commands failed (%s); retrying in the background", exc)
                self.sync_task = asyncio.create_task(
                    best_effort("discord: syncing slash commands", self.sync_commands, self.clock),
                    name="discord-sync-commands",
                )

        async def sync_commands(self) -> None:
            """Publish the slash commands (to DISCORD_GUILD_IDS, else globally)."""
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

        async def close(self) -> None:
            self.core.outlets.unregister(PLATFORM, self.open_channel)
            await super().close()

        async def open_channel(self, channel_id: str) -> ChannelOutput | None:
            """An output to a channel this client can see and post in (None: not here, or no right)."""
            if not channel_id.isdigit():
                return None
            channel = self.get_channel(int(channel_id))
            if channel is None:
                try:
                    channel = await self.fetch_channel(int(channel_id))
                except discord.HTTPException:
                    return None
            if not hasattr(channel, "send") or not _may_speak(channel):
                return None
            return ChannelOutput(channel, clock=self.clock)

        async def on_ready(self) -> None:
            log.info("discord: connected as %s to %d servers", self.user, len(self.guilds))

        async def on_resumed(self) -> None:
            log.info("discord: session resumed after a reconnect")

        async def on_disconnect(self) -> None:
            log.info("discord: disconnected; discord.py will reconnect")

        async def on_message(self, message: discord.Message) -> None:
            if message.author.bot or self.user is None or message.type not in CHAT_MESSAGE_TYPES:
                return
            if not _may_speak(message.channel):
                return  # no point thinking about a reply nobody can see
            incoming = await self.to_incoming(message)
            out = ChannelOutput(message.channel, reference=message, clock=self.clock, webhooks=self.webhooks)
            await self.core.handle(incoming, out)

        async def to_incoming(self, message: discord.Message) -> IncomingMessage:
            """Translate a channel message into the core's IncomingMessage."""
            me = self.user
            ref = message.reference.resolved if message.reference else None
            reply_to_bot = isinstance(ref, discord.Message) and me is not None and ref.author.id == me.id
            # A bare "@bot" becomes empty text, which the core answers with a hint.
            text = _strip_mentions_of(message, me) if me is not None else message.content
            attachments: tuple[Attachment, ...] = ()
            if message.attachments and self.core.registry.accepts_attachment(text):
                attachments = (await self.read_attachment(message.attachments[0]),)
            return IncomingMessage(
                user=to_user(message.author),
                channel=to_channel(message.channel),
                text=text,
                message_id=str(message.id),
                attachments=attachments,
                mentions_bot=me is not None and _mentions_me(message, me),
                reply_to_bot=reply_to_bot,
                reply_to_id=str(message.reference.message_id or "") if message.reference else "",
                mentioned_users=tuple(to_user(u) for u in message.mentions if me is None or u.id != me.id),
                sent_at=message.created_at,
            )

        async def read_attachment(self, att: discord.Attachment) -> Attachment:
            """Download an attachment unless it is over the avatar byte cap (the core rejects it)."""
            if att.size > self.settings.avatar_max_bytes:
                return Attachment(att.filename, att.content_type, att.size, b"")
            try:
                data = await att.read()
            except discord.HTTPException:
                log.warning("could not download an attachment", exc_info=True)
                data = b""  # the core answers that the picture was empty
            return Attachment(att.filename, att.content_type, len(data), data)

        def suggest(self, interaction: discord.Interaction, source: str, typed: str) -> list[tuple[str, str]]:
            """Autocomplete suggestions from the registry's sources, labelled in the user's language."""
            return self.core.registry.suggestions(source, typed, suggestion_locale(interaction, typed))

        async def run_slash(
            self,
            interaction: discord.Interaction,
            spec: CommandSpec,
            sub: CommandSpec | None,
            values: dict[str, OptionInput],
        ) -> None:
            """Defer within Discord's 3 s window, hand the core the typed command, answer through follow-ups."""
            target = sub or spec
            private = spec.private or target.private
            in_time = await acknowledge(interaction, ephemeral=private)
            options: dict[str, OptionValue] = {}
            attachments: list[Attachment] = []
            mentioned: list[User] = []
            for opt in target.options:
                value = values.get(opt.name)
                if value is None:
                    continue
                if isinstance(value, discord.Attachment):
                    attachments.append(await self.read_attachment(value))
                    options[opt.name] = attachments[-1]
                elif isinstance(value, discord.abc.User):
                    mentioned.append(to_user(value))
                    options[opt.name] = (Mention(value.display_name, mentioned[-1]),)
                elif isinstance(value, discord.abc.GuildChannel | discord.Role):
                    options[opt.name] = (str(value.id),)
                elif isinstance(value, str):
                    cleaned = clean_text(opt, value)
                    if cleaned is not None:
                        options[opt.name] = cleaned
                else:
                    options[opt.name] = value
            words = [f"/{spec.name}", sub.name if sub else ""]
            words += [v for v in options.values() if isinstance(v, str)]
            args = " ".join(w for w in words[2:] if w)
            command = Command(
                name=spec.name,
                args=args,
                argv=tuple(args.split()),
                sub=sub.name if sub else None,
                options=options,
            )
            incoming = IncomingMessage(
                user=to_user(interaction.user, str(interaction.locale)),
                channel=to_channel(interaction.channel),
                text=" ".join(w for w in words if w),
                message_id=str(interaction.id),
                attachments=tuple(attachments),
                mentions_bot=True,
                mentioned_users=tuple(mentioned),
                command=command,
            )
            out = InteractionOutput(interaction, clock=self.clock, ephemeral=private, expired=not in_time)
            await self.core.handle(incoming, out)

        async def on_interaction(self, interaction: discord.Interaction) -> None:
            if interaction.type is not discord.InteractionType.component:
                return
            custom_id = (interaction.data or {}).get("custom_id", "")
            if not custom_id.startswith(CUSTOM_ID_PREFIX):
                return
            # A button under a private message (e.g. /forget's confirmation) answers privately too.
            private = bool(interaction.message is not None and interaction.message.flags.ephemeral)
            in_time = await acknowledge(interaction, ephemeral=private)
            user = to_user(interaction.user, str(interaction.locale))
            msg = IncomingMessage(
                user=user, channel=to_channel(interaction.channel), text="", message_id=str(interaction.id)
            )
            await self.core.handle_action(
                user,
                msg,
                custom_id[len(CUSTOM_ID_PREFIX) :],
                InteractionOutput(interaction, clock=self.clock, ephemeral=private, expired=not in_time),
            )

    return AvatarDiscordBot()


class DiscordAdapter:
    """Starts and stops the Discord client next to the other adapters."""

    def __init__(self, core: BotCore, settings: Settings) -> None:
        self.settings = settings
        self.client = make_client(core, settings)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Log in (raises TokenRejected for a bad token, other errors for an outage) and connect in
        the background."""
        assert self.settings.discord_token is not None
        try:
            await self.client.login(self.settings.discord_token.get_secret_value())
        except discord.LoginFailure as exc:
            raise TokenRejected(
                "Discord rejected DISCORD_TOKEN (improper token); check it in the developer portal"
            ) from exc
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")

    def connected(self) -> bool:
        """True once the gateway session is ready, until it closes."""
        return self.client.is_ready() and not self.client.is_closed()

    async def stop(self) -> None:
        """Close the connection cleanly (also after a failed login)."""
        sync = getattr(self.client, "sync_task", None)
        if sync is not None:
            sync.cancel()
            await asyncio.gather(sync, return_exceptions=True)
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
