"""Speech in a persona's voice: eSpeak NG embedded, or an OpenAI-compatible `/v1/audio/speech` server.

Only `style` is imported eagerly; the pipeline pulls numpy and soundfile when it is used."""

from generators.voice.style import VoiceStyle

__all__ = ["VoiceStyle"]
