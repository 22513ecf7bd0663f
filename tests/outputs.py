"""A ChatOutput that records what a platform would display (the core's port, not a mock of the core)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.core.clock import FakeClock
from bot.core.output import Button, PersonaIdentity, SentMessage, VoiceNote


@dataclass
class RecordingOutput:
    """Keeps every message's latest text, images and buttons."""

    max_len: int = 2000
    min_edit_interval: float = 1.0
    clock: FakeClock | None = None
    messages: list[str] = field(default_factory=list)
    images: list[tuple[Path, str]] = field(default_factory=list)
    voices: list[tuple[VoiceNote, str]] = field(default_factory=list)
    animations: list[tuple[Path, str]] = field(default_factory=list)
    buttons: list[tuple[Button, ...]] = field(default_factory=list)
    log: list[tuple[str, float, int]] = field(default_factory=list)
    speakers: dict[int, PersonaIdentity] = field(default_factory=dict)  # message index -> persona shown
    reactions: list[tuple[str, str]] = field(default_factory=list)
    fail_edits: int = 0
    typing_calls: int = 0

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        assert len(text) <= self.max_len
        self.messages.append(text)
        self.buttons.append(buttons)
        self.log.append(("send", self.clock.monotonic() if self.clock else 0, len(self.messages) - 1))
        return SentMessage(id=str(len(self.messages) - 1))

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        sent = await self.send(text, buttons)
        self.speakers[int(sent.id)] = speaker
        return sent

    async def edit(self, message: SentMessage, text: str) -> None:
        assert len(text) <= self.max_len
        if self.fail_edits:
            self.fail_edits -= 1
            raise ConnectionError("network down")
        self.messages[int(message.id)] = text
        self.log.append(("edit", self.clock.monotonic() if self.clock else 0, int(message.id)))

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        self.images.append((Path(path), caption))
        return await self.send(caption, buttons)

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        self.voices.append((note, caption))
        return await self.send(caption, buttons)

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        self.animations.append((Path(path), caption))
        return await self.send(caption, buttons)

    async def typing(self) -> None:
        self.typing_calls += 1

    async def react(self, message_id: str, emoji: str) -> None:
        self.reactions.append((message_id, emoji))

    @property
    def text(self) -> str:
        """Everything shown, joined."""
        return "\n".join(self.messages)
