"""The persona value object used by the core and the generators."""

from __future__ import annotations

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
