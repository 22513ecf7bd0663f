"""How one persona sounds: an engine voice id, a server voice name, speed and pitch."""

from __future__ import annotations

from dataclasses import dataclass

MIN_FACTOR = 0.5
MAX_FACTOR = 2.0
MAX_VOICE_ID_CHARS = 40


@dataclass(frozen=True, slots=True)
class VoiceStyle:
    """A persona's voice. `id` names a voice of the embedded engine (an eSpeak NG variant such as
    "f3"); `server_voice` one on a `TTS_BASE_URL` server ("alloy"). `speed` and `pitch` are factors
    around 1.0, each kept within 0.5-2.0. Empty ids mean the engine's default voice."""

    id: str = ""
    server_voice: str = ""
    speed: float = 1.0
    pitch: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "speed", clamp_factor(self.speed))
        object.__setattr__(self, "pitch", clamp_factor(self.pitch))


def clamp_factor(value: float) -> float:
    """`value` kept within MIN_FACTOR..MAX_FACTOR and rounded to 0.01."""
    return round(min(MAX_FACTOR, max(MIN_FACTOR, float(value))), 2)
