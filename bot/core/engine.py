"""The platform-neutral bot: decides when to answer, routes commands and button actions, and hands
plain messages to the chat feature."""

from __future__ import annotations

import dataclasses
import errno
import logging
from dataclasses import dataclass, field

from bot.core.admin import CONFIG_NAME, channel_allowed, space_persona
from bot.core.cast import calls_by_name
from bot.core.clock import Clock
from bot.core.confirm import Confirmations
from bot.core.context import Context
from bot.core.conversation import Conversation
from bot.core.errors import UserFacingError
from bot.core.i18n import t, ui_language
from bot.core.known import KnownIdentities
from bot.core.meter import MessageMeter, NullMeter
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.output import ChatOutput, Outlets
from bot.core.ports import Memory, PersonaCatalogue
from bot.core.reactions import Reactions
from bot.core.registry import Registry
from bot.core.router import normalise_text, parse_command
from bot.settings import Settings
from generators.errors import InputError
from personas.model import Persona

log = logging.getLogger(__name__)


@dataclass
class BotCore:
    """The single entry point for adapters: `handle` a message, `handle_action` a button press.

    It is built by bot/app.py from the ports and features; it holds no feature of its own.
    """

    settings: Settings
    memory: Memory
    personas: PersonaCatalogue
    registry: Registry
    conversation: Conversation
    known: KnownIdentities
    confirmations: Confirmations
    clock: Clock
    meter: MessageMeter = field(default_factory=NullMeter)
    outlets: Outlets = field(default_factory=Outlets)  # adapters register how to post unprompted
    reactions: Reactions | None = None  # the persona's emoji on messages naming its favourites

    # ------------------------------------------------------------------ entry points
    async def handle(self, msg: IncomingMessage, out: ChatOutput) -> None:
        """Handle one incoming message; never raises (errors become a short apology)."""
        lang = ui_language(msg.text, msg.user.locale)
        watch = self.meter.watch(msg.channel.platform, out)
        out = watch.output
        try:
            await self._handle(msg, out, lang)
        except InputError as err:
            if err.key != "handled":
                await self._safe_send(out, t(err.key, lang, **err.params))
        except OSError as err:
            log.exception("failed to handle a message in %s", msg.channel.key)
            await self._safe_send(out, t("disk_full" if err.errno == errno.ENOSPC else "sorry", lang))
        except Exception:
            watch.failed()
            log.exception("failed to handle a message in %s", msg.channel.key)
            await self._safe_send(out, t("sorry", lang))
        finally:
            watch.done()

    async def handle_action(self, user: User, msg: IncomingMessage, action: str, out: ChatOutput) -> None:
        """Handle a button press (`action` as given to `Button`), e.g. `forget:yes`."""
        lang = ui_language("", user.locale)
        try:
            ctx = self._context(msg, out, lang, await self.persona_for(msg.channel))
            name, _, arg = action.partition(":")
            handler = self.registry.action(name)
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

    async def persona_for(self, channel: Channel) -> Persona:
        """The channel's persona, else the server's default, else the configured default."""
        for persona_id in (
            await self.memory.settings.channel_persona(channel.key),
            await space_persona(self.memory.settings, channel),
        ):
            found = self.personas.find(persona_id) if persona_id else None
            if found is not None:
                return found
        return self.personas.find(self.settings.default_persona) or self.personas.list()[0]

    def addressed(self, msg: IncomingMessage, persona_name: str) -> bool:
        """In a group: mentioned, replied to, or called by name. In a direct chat: always."""
        if msg.channel.kind is ChannelKind.DIRECT or msg.mentions_bot or msg.reply_to_bot:
            return True
        return calls_by_name(msg.text, persona_name)

    # ------------------------------------------------------------------ internals
    def _context(self, msg: IncomingMessage, out: ChatOutput, lang: str, persona: Persona) -> Context:
        return Context(msg=msg, out=out, lang=lang, persona=persona, confirmations=self.confirmations)

    async def _handle(self, msg: IncomingMessage, out: ChatOutput, lang: str) -> None:
        text = normalise_text(msg.text)
        length = len(msg.text)
        if text != msg.text:
            msg = dataclasses.replace(msg, text=text)
        await self.known.remember(msg)
        command = msg.command or parse_command(text)
        spec = self.registry.resolve(command.name) if command else None
        allowed = await channel_allowed(self.memory.settings, msg.channel)
        if not allowed and not (spec and spec.name == CONFIG_NAME):
            return
        persona = await self.persona_for(msg.channel)
        if length > self.settings.max_message_chars:
            # Only someone who spoke to the bot hears that their message was too long.
            if command is None and not (
                self.addressed(msg, persona.name) or await self.conversation.addresses_cast(msg, persona)
            ):
                return
            raise UserFacingError("message_too_long", length=length, limit=self.settings.max_message_chars)
        ctx = self._context(msg, out, lang, persona)

        if command is None and (answer := self.confirmations.answer(msg)) is not None:
            handler = self.registry.action(answer.action)
            if handler is not None:
                await handler(ctx, "yes" if answer.yes else "no")
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

        if self.reactions is not None:
            await self.reactions.notice(msg, out, persona)
        addressed = self.addressed(msg, persona.name)
        if not text:
            if addressed:
                raise UserFacingError("empty_message")
            return
        await self.conversation.hear(ctx, addressed)

    @staticmethod
    async def _safe_send(out: ChatOutput, text: str) -> None:
        try:
            await out.send(text)
        except Exception:
            log.exception("could not deliver an error message")
