"""The port through which the core answers: each adapter implements `ChatOutput`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


@dataclass(frozen=True, slots=True)
class PersonaIdentity:
    """Who speaks when several personas share a channel: the name, a "#rrggbb" colour, and a public
    avatar picture URL where one is configured (Discord webhooks take only a URL)."""

    name: str
    colour: str
    avatar_url: str = ""


# Emoji dots for platforms that cannot colour text (Telegram, terminals): (dot, its red, green, blue).
_DOTS = (
    ("🔴", (220, 50, 50)),
    ("🟠", (230, 126, 34)),
    ("🟡", (230, 200, 40)),
    ("🟢", (40, 170, 80)),
    ("🔵", (40, 110, 210)),
    ("🟣", (142, 68, 173)),
    ("🟤", (140, 90, 50)),
    ("⚫", (40, 40, 40)),
    ("⚪", (235, 235, 235)),
)


def colour_dot(colour: str) -> str:
    """The emoji dot nearest to a "#rrggbb" colour (a plain dot when the colour is unreadable)."""
    try:
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "•"
    if len(colour) != 7:
        return "•"
    return min(_DOTS, key=lambda d: sum((a - b) ** 2 for a, b in zip(d[1], rgb, strict=True)))[0]


@runtime_checkable
class ChatOutput(Protocol):
    """Where replies go. `max_len` is the platform's message length limit."""

    max_len: int
    min_edit_interval: float

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage: ...

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send as one persona of a channel's cast (its name and colour shown); `edit` keeps them."""
        ...

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

    async def react(self, message_id: str, emoji: str) -> None:
        """Put an emoji reaction on a message in this chat (a no-op where the platform has none)."""
        ...


# Opens a ChatOutput to a channel by its platform id, or None when it can't be reached now.
ChannelOpener = Callable[[str], Awaitable[ChatOutput | None]]


class Outlets:
    """Where the core can post unprompted (the daily postcard): each running adapter registers how to
    open an output to one of its channels, and unregisters when it stops."""

    def __init__(self) -> None:
        self._openers: dict[str, ChannelOpener] = {}
        self._listeners: list[Callable[[], None]] = []

    def on_register(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever an adapter registers (posts that waited for it may go now)."""
        self._listeners.append(listener)

    def register(self, platform: str, opener: ChannelOpener) -> None:
        """Let the core post to `platform`'s channels through `opener`."""
        self._openers[platform] = opener
        for listener in self._listeners:
            listener()

    def unregister(self, platform: str, opener: ChannelOpener | None = None) -> None:
        """Forget `platform`'s opener (only `opener`, when given: a newer adapter may have replaced it)."""
        if opener is None or self._openers.get(platform) == opener:
            self._openers.pop(platform, None)

    def running(self, platform: str) -> bool:
        """True while an adapter for `platform` is registered."""
        return platform in self._openers

    async def open(self, channel_key: str) -> ChatOutput | None:
        """An output to the channel `platform:id`, or None when its platform isn't running or refuses."""
        platform, _, platform_id = channel_key.partition(":")
        opener = self._openers.get(platform)
        if opener is None or not platform_id:
            return None
        return await opener(platform_id)
