"""The persona value object used by the core and the generators."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from generators.voice.style import VoiceStyle


@dataclass(frozen=True, slots=True)
class LoreEntry:
    """A lorebook entry: its text is added to the prompt when a key appears in the chat."""

    keys: tuple[str, ...]
    content: str
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Reaction:
    """An emoji the persona reacts with to messages that mention one of `words` (a favourite topic)."""

    words: tuple[str, ...]
    emoji: str


@dataclass(frozen=True, slots=True)
class Persona:
    """An avatar persona: who the bot is in a channel.

    `system_prompt`, `post_history_instructions` and `lorebook` may come from an
    imported card and are untrusted: they shape the voice but never the rules.
    """

    id: str
    name: str
    tagline: str = ""
    description: str = ""
    personality: str = ""
    speaking_style: str = ""
    greeting: str = ""
    examples: tuple[tuple[str, str], ...] = ()
    languages: tuple[str, ...] = ("en",)
    appearance: str = ""
    caption_style: str = ""
    boundaries: str = ""
    catchphrases: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    hashtags: tuple[str, ...] = ()
    system_prompt: str = ""
    post_history_instructions: str = ""
    lorebook: tuple[LoreEntry, ...] = ()
    voice: VoiceStyle = VoiceStyle()
    reactions: tuple[Reaction, ...] = ()
    source: str = "builtin"
    colour: str = ""  # "#rrggbb" shown with the name where several personas share a channel

    @property
    def shown_colour(self) -> str:
        """The persona's colour: its own, else one derived from its id (the same on every run)."""
        return self.colour or default_colour(self.id)


COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
# Readable on light and dark backgrounds; a persona without a colour gets one of these by its id.
PALETTE = ("#8e44ad", "#27ae60", "#e67e22", "#2980b9", "#c0392b", "#16a085", "#d4ac0d", "#7f8c8d")


def default_colour(persona_id: str) -> str:
    """A colour from PALETTE chosen by a hash of the id (stable across runs and machines)."""
    return PALETTE[hashlib.sha256(persona_id.encode()).digest()[0] % len(PALETTE)]
