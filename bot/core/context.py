"""The per-message context handed to command and button handlers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.confirm import Confirmations
from bot.core.i18n import t
from bot.core.models import Command, IncomingMessage
from bot.core.output import Button, ChatOutput, SentMessage
from bot.core.streaming import split_text
from personas.model import Persona


@dataclass(slots=True)
class Context:
    """One message's view: what was said, where to answer, the UI language, the channel's persona,
    the structured command (if any) and the confirmations port. Features hold their own ports."""

    msg: IncomingMessage
    out: ChatOutput
    lang: str
    persona: Persona
    confirmations: Confirmations
    command: Command | None = None

    @property
    def user_key(self) -> str:
        """The speaker's store key."""
        return self.msg.user.key

    @property
    def channel_key(self) -> str:
        """The channel's store key."""
        return self.msg.channel.key

    def text(self, key: str, **params: object) -> str:
        """A localised bot text in this context's language."""
        return t(key, self.lang, **params)

    async def reply(self, key: str, buttons: tuple[Button, ...] = (), **params: object) -> SentMessage:
        """Send a localised bot text."""
        return await self.send(self.text(key, **params), buttons)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send raw text, split at the platform limit; buttons go on the last part."""
        parts = split_text(text, self.out.max_len)
        sent: SentMessage | None = None
        for i, part in enumerate(parts):
            sent = await self.out.send(part, buttons if i == len(parts) - 1 else ())
        assert sent is not None
        return sent

    async def ask_confirmation(
        self, action: str, key: str, buttons: tuple[Button, ...], **params: object
    ) -> None:
        """Send a confirmation prompt with its buttons; the speaker's unmistakable text answer also counts."""
        prompt = await self.reply(key, buttons, **params)
        self.confirmations.ask(self.msg, action, prompt)
