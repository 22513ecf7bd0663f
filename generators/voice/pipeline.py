"""The voice pipeline: clean and check the text, speak it, encode OGG/Opus. One call, one output."""

from __future__ import annotations

import time
from dataclasses import dataclass

from generators.voice.base import EngineAudio, SpeechEngine, SpeechEngineError, SpeechOutput
from generators.voice.ogg import decode, duration, encode_opus, is_ogg_opus
from generators.voice.style import VoiceStyle
from generators.voice.text import prepare

DEFAULT_MAX_CHARS = 600


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    """Plain settings for `VoicePipeline.from_options` (the bot fills them from its own settings)."""

    base_url: str | None = None  # an OpenAI-compatible server; unset means the embedded eSpeak NG
    api_key: str | None = None
    model: str = "tts-1"
    espeak_binary: str = "espeak-ng"
    max_chars: int = DEFAULT_MAX_CHARS
    timeout_s: float = 60.0


class VoicePipeline:
    """Speaks text in a persona's voice. Built from a ready engine; `from_options` is the loader."""

    def __init__(self, engine: SpeechEngine, *, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.engine = engine
        self.max_chars = max_chars

    @classmethod
    def from_options(cls, options: VoiceOptions) -> VoicePipeline:
        """The server engine when `base_url` is set, else eSpeak NG; SpeechEngineError if neither runs."""
        engine: SpeechEngine
        if options.base_url:
            from generators.voice.openai_http import OpenAISpeech

            engine = OpenAISpeech(
                options.base_url, api_key=options.api_key, model=options.model, timeout_s=options.timeout_s
            )
        else:
            from generators.voice.espeak import EspeakEngine

            engine = EspeakEngine.from_pretrained(options.espeak_binary, timeout_s=options.timeout_s)
        return cls(engine, max_chars=options.max_chars)

    from_pretrained = from_options

    @property
    def name(self) -> str:
        """The engine's name, shown to users and in `doctor`."""
        return self.engine.name

    def __call__(
        self, text: str, *, style: VoiceStyle | None = None, language: str | None = None, seed: int = 0
    ) -> SpeechOutput:
        """Speak `text` (language detected unless given). Same inputs and seed, same bytes.

        SpeechUnsupported when the text cannot be spoken; SpeechEngineError when the engine fails."""
        started = time.perf_counter()
        style = style or VoiceStyle()
        ready = prepare(
            text,
            language=language,
            languages=self.engine.languages,
            reads=self.engine.reads,
            max_chars=self.max_chars,
        )
        made = self.engine.synthesize(ready.text, ready.language, style)
        audio, rate = self._ogg_opus(made, seed)
        return SpeechOutput(
            audio=audio,
            duration_s=duration(audio),
            sample_rate=rate,
            engine=self.engine.name,
            language=ready.language,
            voice=style.server_voice if made.encoded is not None else style.id,
            text=ready.text,
            truncated=ready.truncated,
            seconds=time.perf_counter() - started,
        )

    @staticmethod
    def _ogg_opus(made: EngineAudio, seed: int) -> tuple[bytes, int]:
        if made.encoded is not None and is_ogg_opus(made.encoded):
            return made.encoded, 48000
        if made.encoded is not None:
            try:
                samples, rate = decode(made.encoded)
            except RuntimeError as exc:
                raise SpeechEngineError(f"the speech server sent audio that can't be read: {exc}") from exc
        elif made.samples is not None:
            samples, rate = made.samples, made.sample_rate
        else:
            raise SpeechEngineError("the engine returned no audio")
        if samples.size == 0:
            raise SpeechEngineError("the engine returned empty audio")
        return encode_opus(samples, rate, serial=seed), 48000


def describe_voice(options: VoiceOptions) -> str:
    """For `avatar-bot doctor`: the engine, its voices and its languages, or why there is none."""
    try:
        pipe = VoicePipeline.from_options(options)
    except SpeechEngineError as exc:
        return f"off ({exc})"
    engine = pipe.engine
    langs = "any the server reads" if engine.languages is None else ", ".join(sorted(engine.languages))
    voices = engine.voices()
    shown = ", ".join(voices[:12]) + (f" and {len(voices) - 12} more" if len(voices) > 12 else "")
    version = getattr(engine, "version", "")
    return (
        f"{engine.name}{f' ({version})' if version else ''}; OGG/Opus voice notes, "
        f"at most {pipe.max_chars} characters\n  languages: {langs}\n  voices: {shown}"
    )
