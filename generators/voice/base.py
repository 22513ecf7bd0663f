"""The speech engine contract and what one synthesis returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from generators.errors import InputError
from generators.voice.style import VoiceStyle

OGG_OPUS_MIME = "audio/ogg"


class SpeechUnsupported(InputError):
    """Text the engine cannot speak: an unsupported language or script, or nothing speakable.

    Its key names a localised note ("voice_unsupported" with the language, "voice_unsupported_script",
    "voice_empty"); the bot never plays noise."""


class SpeechEngineError(RuntimeError):
    """The engine failed (a crashed process, an unreachable or failing server)."""


@dataclass(frozen=True, slots=True)
class EngineAudio:
    """What an engine made: PCM samples (mono float32 in -1..1), or encoded bytes it was sent."""

    sample_rate: int
    samples: np.ndarray | None = None
    encoded: bytes | None = None


@runtime_checkable
class SpeechEngine(Protocol):
    """A text-to-speech engine. `languages` is None when the engine takes any language."""

    name: str
    languages: frozenset[str] | None

    def voices(self) -> tuple[str, ...]: ...

    def reads(self, language: str, ch: str) -> bool: ...

    def synthesize(self, text: str, language: str, style: VoiceStyle) -> EngineAudio: ...


@dataclass(frozen=True, slots=True)
class SpeechOutput:
    """One spoken text: OGG/Opus bytes and what they hold."""

    audio: bytes
    duration_s: float
    sample_rate: int
    engine: str
    language: str
    voice: str
    text: str
    truncated: bool = False
    mime: str = OGG_OPUS_MIME
    seconds: float = 0.0  # wall time of the synthesis and encoding

    @property
    def bytes_per_second(self) -> float:
        """File size per second of speech."""
        return len(self.audio) / self.duration_s if self.duration_s else 0.0
