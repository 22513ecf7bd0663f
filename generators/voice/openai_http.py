"""Speech from any OpenAI-compatible `/v1/audio/speech` server (`TTS_BASE_URL`)."""

from __future__ import annotations

import json

import httpx

from generators.voice.base import EngineAudio, SpeechEngineError
from generators.voice.ogg import is_ogg_opus
from generators.voice.style import VoiceStyle

DEFAULT_VOICE = "alloy"
KNOWN_VOICES = ("alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer")


class OpenAISpeech:
    """Posts each text to `{base_url}/audio/speech` and asks for OGG/Opus (`response_format: opus`)."""

    languages: frozenset[str] | None = None  # the server decides what it reads

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str = "tts-1",
        client: httpx.Client | None = None,
        timeout_s: float = 60.0,
        voices: tuple[str, ...] = KNOWN_VOICES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self.timeout_s = timeout_s
        self._voices = voices
        self._api_key = api_key
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout_s, connect=10.0))

    def __repr__(self) -> str:  # never show the key
        return f"OpenAISpeech(base_url={self.base_url!r}, model={self.model!r})"

    def voices(self) -> tuple[str, ...]:
        """Voice names a persona's `voice.server_voice` may use (the OpenAI set; servers add their own)."""
        return self._voices

    def reads(self, language: str, ch: str) -> bool:
        """The server reads whatever it is sent."""
        return True

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def synthesize(self, text: str, language: str, style: VoiceStyle) -> EngineAudio:
        """Ask the server for `text` spoken; the encoded reply is returned as it came."""
        url = f"{self.base_url}/audio/speech"
        payload = {
            "model": self.model,
            "input": text,
            "voice": style.server_voice or DEFAULT_VOICE,
            "response_format": "opus",
            "speed": style.speed,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            resp = self._client.post(url, json=payload, headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            reason = self._redact(f"{type(exc).__name__}: {exc}")
            raise SpeechEngineError(f"cannot reach speech server {url}: {reason}") from exc
        if resp.status_code >= 400:
            raise SpeechEngineError(
                f"speech server {url} answered {resp.status_code}: {self._redact(_error_message(resp.text))}"
            )
        if not resp.content:
            raise SpeechEngineError(f"speech server {url} sent no audio")
        rate = 48000 if is_ogg_opus(resp.content) else 0
        return EngineAudio(sample_rate=rate, encoded=resp.content)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


def _error_message(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:300] or "(empty body)"
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        return str(err.get("message") or err)[:300]
    return str(err)[:300]
