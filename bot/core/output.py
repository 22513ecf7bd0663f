"""The port through which the core answers: each adapter implements `ChatOutput`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Button:
    """An action button under a message (reroll, format, confirm)."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A handle to a message the bot sent, so it can be edited."""

    id: str
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class VoiceNote:
    """A spoken message on disk: OGG/Opus (what Telegram's voice notes take), and its length."""

    path: Path
    duration_s: float
    mime: str = "audio/ogg"


@runtime_checkable
class ChatOutput(Protocol):
    """Where replies go. `max_len` is the platform's message length limit."""

    max_len: int
    min_edit_interval: float

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage: ...

    async def edit(self, message: SentMessage, text: str) -> None: ...

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage: ...

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage: ...

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """A short silent loop: an H.264 MP4, or an animated WebP/GIF (the suffix says which)."""
        ...

    async def typing(self) -> None: ...
