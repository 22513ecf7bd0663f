"""eSpeak NG (Debian's `espeak-ng`, GPL-3.0, run as its own process): small, fast, 100+ languages."""

from __future__ import annotations

import shutil
import subprocess

from generators.lang import script_language
from generators.voice.base import EngineAudio, SpeechEngineError
from generators.voice.ogg import decode
from generators.voice.style import VoiceStyle
from generators.voice.text import is_latin_letter

DEFAULT_RATE_WPM = 175  # eSpeak NG's own default words per minute
DEFAULT_PITCH = 50  # of 0-99
TIMEOUT_S = 30.0
# The bot's language codes and the eSpeak NG voice that reads each one.
LANGUAGE_VOICES: dict[str, str] = {
    "en": "en-us",
    "zh": "cmn",
    "ja": "ja",
    "ko": "ko",
    "fr": "fr-fr",
    "es": "es",
    "de": "de",
    "ru": "ru",
    "ar": "ar",
    "he": "he",
    "el": "el",
    "hi": "hi",
    "th": "th",
    "it": "it",
    "pt": "pt",
}
# Scripts a voice cannot read although they belong to its language: eSpeak NG's Japanese voice reads
# kana but spells kanji out as "Chinese letter", which is noise.
UNREADABLE: dict[str, frozenset[str]] = {"ja": frozenset({"zh"})}


class EspeakEngine:
    """Runs `espeak-ng` once per text; voice variants ("f3", "m2", "klatt") set the timbre."""

    name = "espeak-ng"

    def __init__(
        self,
        binary: str,
        *,
        language_voices: dict[str, str],
        variants: tuple[str, ...],
        version: str = "",
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.binary = binary
        self.language_voices = dict(language_voices)
        self.languages: frozenset[str] | None = frozenset(language_voices)
        self.variants = variants
        self.version = version
        self.timeout_s = timeout_s

    @classmethod
    def from_pretrained(cls, binary: str = "espeak-ng", *, timeout_s: float = TIMEOUT_S) -> EspeakEngine:
        """Find the program and ask it which languages and variants it has; SpeechEngineError if absent."""
        path = shutil.which(binary)
        if path is None:
            raise SpeechEngineError(f"{binary} is not installed (Debian: apt-get install espeak-ng)")
        version = _run([path, "--version"], timeout_s).split("Data at")[0].strip()
        installed = {line.split()[1] for line in _run([path, "--voices"], timeout_s).splitlines()[1:] if line}
        listed = _run([path, "--voices=variant"], timeout_s).split()
        # f1-f5 and m1-m8 first: the plain female and male variants a persona usually picks
        variants = sorted({w.removeprefix("!v/") for w in listed if w.startswith("!v/")}, key=_variant_order)
        voices = {code: voice for code, voice in LANGUAGE_VOICES.items() if voice in installed}
        return cls(
            path, language_voices=voices, variants=tuple(variants), version=version, timeout_s=timeout_s
        )

    def voices(self) -> tuple[str, ...]:
        """The voice variants a persona's `voice.id` may name."""
        return self.variants

    def reads(self, language: str, ch: str) -> bool:
        """Whether this engine reads letter `ch` in `language` (Latin letters always; else its own script)."""
        if is_latin_letter(ch):
            return True
        script = script_language(ch)
        return script == language and script not in UNREADABLE.get(language, frozenset())

    def command(self, language: str, style: VoiceStyle) -> list[str]:
        """The espeak-ng command line for one text read from stdin."""
        voice = self.language_voices[language]
        if style.id and style.id in self.variants:
            voice = f"{voice}+{style.id}"
        rate = round(DEFAULT_RATE_WPM * style.speed)
        pitch = min(99, max(0, round(DEFAULT_PITCH * style.pitch)))
        return [self.binary, "--stdout", "-b", "1", "-v", voice, "-s", str(rate), "-p", str(pitch)]

    def synthesize(self, text: str, language: str, style: VoiceStyle) -> EngineAudio:
        """Speak `text` (already cleaned and checked) as PCM."""
        try:
            done = subprocess.run(
                self.command(language, style),
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechEngineError(f"espeak-ng failed: {exc}") from exc
        if done.returncode != 0 or not done.stdout:
            err = done.stderr.decode("utf-8", "replace").strip()[:300]
            raise SpeechEngineError(f"espeak-ng exited with {done.returncode}: {err}")
        try:
            samples, rate = decode(done.stdout)
        except RuntimeError as exc:  # soundfile's LibsndfileError
            raise SpeechEngineError(f"espeak-ng wrote no readable WAV: {exc}") from exc
        return EngineAudio(sample_rate=rate, samples=samples)


def _variant_order(name: str) -> tuple[bool, str]:
    return (not (len(name) == 2 and name[0] in "fm" and name[1].isdigit()), name.lower())


def _run(cmd: list[str], timeout_s: float) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechEngineError(f"{cmd[0]} does not run: {exc}") from exc
    return done.stdout.decode("utf-8", "replace")
