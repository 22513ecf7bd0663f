"""The platform-neutral bot: decides when to answer, routes commands and chats."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.admin import channel_allowed
from bot.core.chat import ChatService
from bot.core.clock import Clock, SystemClock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.facts import extract_facts
from bot.core.i18n import t, ui_language
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.output import ChatOutput
from bot.core.ports import Memory
from bot.core.router import Router, normalise_text, parse_command
from bot.settings import Settings
from generators.dialogue.base import DialogueBackend
from generators.errors import InputError

log = logging.getLogger(__name__)

CONFIRM_WORDS = {"yes", "y", "是", "是的", "确认", "好", "はい", "oui", "sí", "si", "ja", "да"}
CONFIRM_TTL_S = 120.0

ActionHandler = Callable[[Context, str], Awaitable[None]]


@dataclass(slots=True)
class Pending:
    """An action waiting for the user's confirmation in a channel."""

    action: str
    expires_at: float


@dataclass
class BotCore:
    """Wires settings, store, personas and models; `handle` is the single entry point for adapters."""

    settings: Settings
    memory: Memory
    personas: object  # personas.registry.PersonaRegistry
    dialogue: DialogueBackend
    clock: Clock = field(default_factory=SystemClock)
    router: Router = field(default_factory=Router)
    _pending: dict[tuple[str, str], Pending] = field(default_factory=dict)
    _known: set[str] = field(default_factory=set)
    _actions: dict[str, ActionHandler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from bot.core import admin, commands, identity

        self.chat = ChatService(self.settings, self.dialogue, self.clock)
        commands.register(self)
        identity.register(self)
        admin.register(self)

    # ------------------------------------------------------------------ entry points
    async def handle(self, msg: IncomingMessage, out: ChatOutput) -> None:
        """Handle one incoming message; never raises (errors become a short apology)."""
        lang = ui_language(msg.text, msg.user.locale)
        try:
            await self._handle(msg, out, lang)
        except InputError as err:
            if err.key != "handled":
                await self._safe_send(out, t(err.key, lang, **err.params))
        except Exception:
            log.exception("failed to handle a message in %s", msg.channel.key)
            await self._safe_send(out, t("sorry", lang))

    async def handle_action(self, user: User, msg: IncomingMessage, action: str, out: ChatOutput) -> None:
        """Handle a button press (`action` as given to `Button`), e.g. `forget:yes`."""
        lang = ui_language("", user.locale)
        try:
            persona = await self.persona_for(msg.channel)
            ctx = Context(msg=msg, out=out, lang=lang, core=self, persona=persona)
            name, _, arg = action.partition(":")
            handler = self._actions.get(name)
            if handler is None:
                raise UserFacingError("sorry")
            # A button answers any text confirmation waiting for the same action.
            pending = self._pending.get((user.key, msg.channel.key))
            if pending is not None and pending.action == name:
                del self._pending[(user.key, msg.channel.key)]
            await handler(ctx, arg)
        except InputError as err:
            if err.key != "handled":
                await self._safe_send(out, t(err.key, lang, **err.params))
        except Exception:
            log.exception("failed to handle action %s", action)
            await self._safe_send(out, t("sorry", lang))

    # ------------------------------------------------------------------ internals
    def forget_identity(self, user_key: str) -> None:
        """Drop what the core caches about a user (after /forget), so a later message re-registers them."""
        self._known.discard(user_key)
        self._pending = {k: v for k, v in self._pending.items() if k[0] != user_key}

    def add_action(self, name: str, handler: ActionHandler) -> None:
        """Register a button/confirmation action handler `handler(ctx, arg)`."""
        self._actions[name] = handler

    async def persona_for(self, channel: Channel):
        """The channel's persona, else the server's default, else the configured default."""
        from bot.core.admin import space_persona

        for persona_id in (
            await self.memory.settings.channel_persona(channel.key),
            await space_persona(self, channel),
        ):
            found = self.personas.find(persona_id) if persona_id else None
            if found is not None:
                return found
        return self.personas.find(self.settings.default_persona) or self.personas.list()[0]

    async def _remember_identity(self, msg: IncomingMessage) -> None:
        if msg.user.key not in self._known:
            await self.memory.users.upsert_user(msg.user)
            self._known.add(msg.user.key)
        if msg.channel.key not in self._known:
            owner = msg.user.key if msg.channel.kind is ChannelKind.DIRECT else None
            await self.memory.users.upsert_channel(msg.channel, owner)
            self._known.add(msg.channel.key)
        if len(self._known) > 100_000:
            self._known.clear()

    async def _handle(self, msg: IncomingMessage, out: ChatOutput, lang: str) -> None:
        text = normalise_text(msg.text)
        if len(msg.text) > self.settings.max_message_chars:
            raise UserFacingError(
                "message_too_long", length=len(msg.text), limit=self.settings.max_message_chars
            )
        if text != msg.text:
            msg = dataclasses.replace(msg, text=text)
        await self._remember_identity(msg)
        command = parse_command(text)
        if not await channel_allowed(self, msg.channel) and not (command and command.name == "config"):
            return
        persona = await self.persona_for(msg.channel)
        ctx = Context(msg=msg, out=out, lang=lang, core=self, persona=persona)

        pending_key = (msg.user.key, msg.channel.key)
        pending = self._pending.pop(pending_key, None)
        if pending and pending.expires_at >= self.clock.monotonic():
            await self.confirm(ctx, pending.action, text.strip().lower().rstrip("!.。！") in CONFIRM_WORDS)
            return

        if command is not None:
            ctx.command = command
            route = self.router.resolve(command.name)
            if route is None:
                hint = self.router.suggest(command.name)
                raise UserFacingError(
                    "unknown_command",
                    name=command.name[:40],
                    hint=t("did_you_mean", lang, name=hint) if hint else "",
                )
            await route.handler(ctx)
            return

        if not text:
            if self.addressed(msg, persona.name):
                raise UserFacingError("empty_message")
            return
        stored_id = await self.memory.messages.add(
            msg.channel.key, msg.user.key, msg.user.display_name, "user", text
        )
        if not self.addressed(msg, persona.name):
            return
        for fact in extract_facts(text):
            await self.memory.facts.add(msg.user.key, fact, "auto")
        await self.chat.respond(ctx, stored_id)

    def addressed(self, msg: IncomingMessage, persona_name: str) -> bool:
        """In a group: mentioned, replied to, or called by name. In a direct chat: always."""
        if msg.channel.kind is ChannelKind.DIRECT or msg.mentions_bot or msg.reply_to_bot:
            return True
        first = persona_name.split()[0] if persona_name.split() else persona_name
        names = {persona_name, first}
        return any(_name_pattern(n).search(msg.text) for n in names if n)

    def ask_confirmation(self, ctx: Context, action: str) -> None:
        """Remember that the user's next message in this channel confirms or cancels `action`."""
        self._pending[(ctx.user_key, ctx.channel_key)] = Pending(
            action, self.clock.monotonic() + CONFIRM_TTL_S
        )
        if len(self._pending) > 10_000:
            now = self.clock.monotonic()
            self._pending = {k: v for k, v in self._pending.items() if v.expires_at >= now}

    async def confirm(self, ctx: Context, action: str, yes: bool) -> None:
        """Run or cancel a confirmed action."""
        self._pending.pop((ctx.user_key, ctx.channel_key), None)
        handler = self._actions.get(action)
        if handler is None:
            return
        await handler(ctx, "yes" if yes else "no")

    @staticmethod
    async def _safe_send(out: ChatOutput, text: str) -> None:
        try:
            await out.send(text)
        except Exception:
            log.exception("could not deliver an error message")


@functools.lru_cache(maxsize=256)
def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
