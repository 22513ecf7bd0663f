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
from bot.core.confirm import Confirmations
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.facts import extract_facts
from bot.core.i18n import t, ui_language
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.output import ChatOutput
from bot.core.ports import Memory
from bot.core.registry import Registry
from bot.core.router import normalise_text, parse_command
from bot.settings import Settings
from generators.dialogue.base import DialogueBackend
from generators.errors import InputError

log = logging.getLogger(__name__)

ActionHandler = Callable[[Context, str], Awaitable[None]]


@dataclass
class BotCore:
    """Wires settings, store, personas and models; `handle` is the single entry point for adapters."""

    settings: Settings
    memory: Memory
    personas: object  # personas.registry.PersonaRegistry
    dialogue: DialogueBackend
    clock: Clock = field(default_factory=SystemClock)
    registry: Registry = field(default_factory=Registry)
    _known: set[str] = field(default_factory=set)
    _actions: dict[str, ActionHandler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from bot.core import admin, commands, identity

        self.chat = ChatService(self.settings, self.dialogue, self.clock)
        self.confirmations = Confirmations(self.clock)
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
            self.confirmations.close(user.key, msg.channel.key, name)
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
        self.confirmations.forget_user(user_key)

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
        command = msg.command or parse_command(text)
        spec = self.registry.resolve(command.name) if command else None
        if not await channel_allowed(self, msg.channel) and not (spec and spec.name == "config"):
            return
        persona = await self.persona_for(msg.channel)
        ctx = Context(msg=msg, out=out, lang=lang, core=self, persona=persona)

        if command is None and (answer := self.confirmations.answer(msg)) is not None:
            await self.confirm(ctx, answer.action, answer.yes)
            return

        if command is not None:
            if spec is None or spec.handler is None:
                hint = self.registry.suggest(command.name)
                raise UserFacingError(
                    "unknown_command",
                    name=command.name[:40],
                    hint=t("did_you_mean", lang, name=hint) if hint else "",
                )
            if msg.command is None:  # typed text: parsed once, here, into typed option values
                command = self.registry.parse_options(
                    spec, command.args, mentioned=msg.mentioned_users, attachments=msg.attachments
                )
            ctx.command = command
            await spec.handler(ctx)
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

    async def confirm(self, ctx: Context, action: str, yes: bool) -> None:
        """Run or cancel a confirmed action."""
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
