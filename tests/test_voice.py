"""Voices: real eSpeak NG synthesis to OGG/Opus, text checks, and the OpenAI-compatible speech path."""

from __future__ import annotations

import asyncio
import io
import json
import shutil

import numpy as np
import pytest
import soundfile as sf
from aiohttp import web
from aiohttp.test_utils import TestServer

from generators.voice.base import SpeechEngineError, SpeechUnsupported
from generators.voice.ogg import decode, encode_opus, is_ogg_opus, set_serial
from generators.voice.openai_http import OpenAISpeech
from generators.voice.pipeline import VoiceOptions, VoicePipeline
from generators.voice.style import VoiceStyle
from generators.voice.text import cap, clean

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

CAPTION_EN = "Hello from the Eiffel Tower! The iron lady sparkles every hour, travel buddy."
CAPTION_ZH = "你好，旅伴！我在埃菲尔铁塔，今晚它每个整点都会闪闪发光。"


@pytest.fixture(scope="module")
def espeak() -> VoicePipeline:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    return VoicePipeline.from_options(VoiceOptions())


def _ogg_info(audio: bytes) -> sf._SoundFileInfo:
    return sf.info(io.BytesIO(audio))


@needs_espeak
@pytest.mark.parametrize(("text", "language"), [(CAPTION_EN, "en"), (CAPTION_ZH, "zh")])
def test_real_synthesis_gives_decodable_ogg_opus_of_the_expected_length(
    espeak: VoicePipeline, text: str, language: str
) -> None:
    out = espeak(text, style=VoiceStyle(id="f3"))
    assert out.language == language and out.engine == "espeak-ng" and out.voice == "f3"
    assert is_ogg_opus(out.audio) and out.mime == "audio/ogg"
    info = _ogg_info(out.audio)
    assert (info.format, info.subtype, info.channels, info.samplerate) == ("OGG", "OPUS", 1, 48000)
    samples, rate = decode(out.audio)
    assert rate == 48000 and abs(len(samples) / rate - out.duration_s) < 0.05
    # About 2.5-4 words a second in English, 3-6 syllables a second in Chinese.
    assert 2.5 < out.duration_s < 12
    assert float(np.sqrt(np.mean(samples**2))) > 0.01  # speech, not silence
    assert 1_000 < out.bytes_per_second < 8_000  # about 33 kbit/s


@needs_espeak
def test_same_text_same_bytes_and_the_seed_sets_the_stream(espeak: VoicePipeline) -> None:
    a = espeak(CAPTION_EN, seed=7)
    assert espeak(CAPTION_EN, seed=7).audio == a.audio
    other = espeak(CAPTION_EN, seed=8).audio
    assert other != a.audio and len(other) == len(a.audio)


@needs_espeak
def test_speed_and_pitch_change_the_sound(espeak: VoicePipeline) -> None:
    base = espeak(CAPTION_EN)
    fast = espeak(CAPTION_EN, style=VoiceStyle(speed=1.5))
    slow = espeak(CAPTION_EN, style=VoiceStyle(speed=0.7))
    assert slow.duration_s > base.duration_s * 1.2 > fast.duration_s * 1.2
    high, _ = decode(espeak(CAPTION_EN, style=VoiceStyle(pitch=1.8)).audio)
    low, _ = decode(espeak(CAPTION_EN, style=VoiceStyle(pitch=0.6)).audio)
    assert _pitch_hz(high) > _pitch_hz(low) * 1.3


def _pitch_hz(samples: np.ndarray, rate: int = 48000) -> float:
    """Median fundamental frequency of voiced 40 ms frames, by autocorrelation (60-400 Hz)."""
    frame = int(0.04 * rate)
    found = []
    for start in range(0, len(samples) - frame, frame):
        x = samples[start : start + frame]
        if np.sqrt(np.mean(x**2)) < 0.05:
            continue
        ac = np.correlate(x, x, "full")[frame - 1 :]
        lo, hi = rate // 400, rate // 60
        lag = lo + int(np.argmax(ac[lo:hi]))
        found.append(rate / lag)
    return float(np.median(found))


@needs_espeak
def test_long_text_is_capped_at_a_sentence_and_flagged(espeak: VoicePipeline) -> None:
    short = VoicePipeline(espeak.engine, max_chars=120)
    out = short(" ".join(["The tower is tall."] * 60))
    assert out.truncated and 60 <= len(out.text) <= 120 and out.text.endswith(".")
    assert not espeak(CAPTION_EN).truncated


@needs_espeak
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("東京タワーに来ました", "voice_unsupported_script"),  # kanji: eSpeak NG would say "Chinese letter"
        ("ሰላም ዓለም ሰላም ለሁሉም", "voice_unsupported_script"),  # Ethiopic: no voice reads it
        ("🗼🗺️✈️ !!!", "voice_empty"),
        ("", "voice_empty"),
    ],
)
def test_unspeakable_text_gets_a_clear_error_not_noise(espeak: VoicePipeline, text: str, key: str) -> None:
    with pytest.raises(SpeechUnsupported) as err:
        espeak(text)
    assert err.value.key == key


@needs_espeak
def test_a_language_the_engine_lacks_is_refused(espeak: VoicePipeline) -> None:
    with pytest.raises(SpeechUnsupported) as err:
        espeak("hello", language="xx")
    assert err.value.params == {"language": "xx"}


def test_symbols_links_and_markup_are_not_read_out() -> None:
    assert clean("**Wow** 🗼 see https://x.example/a?b #tag ~fun~") == "Wow see tag fun"
    assert cap("One two. Three four five six", 12) == ("One two.", True)
    assert cap("Short one.", 100) == ("Short one.", False)


@needs_espeak
def test_a_few_stray_letters_of_another_script_are_dropped(espeak: VoicePipeline) -> None:
    out = espeak("Greetings from the great pyramid of Giza, my friend! ሰላም")
    assert "ሰ" not in out.text and out.text.startswith("Greetings")


def test_a_missing_program_is_an_engine_error() -> None:
    with pytest.raises(SpeechEngineError, match="not installed"):
        VoicePipeline.from_options(VoiceOptions(espeak_binary="no-such-espeak-binary"))


def test_serial_rewrite_keeps_the_stream_valid() -> None:
    tone = np.sin(np.linspace(0, 2 * np.pi * 440, 24000)).astype(np.float32) * 0.3
    ogg = encode_opus(tone, 24000, serial=1)
    again = set_serial(ogg, 99)
    assert again != ogg and set_serial(again, 1) == ogg
    samples, rate = decode(again)
    assert rate == 48000 and abs(len(samples) / rate - 1.0) < 0.03


# --- the OpenAI-compatible server path ----------------------------------------------------------


def _wav(seconds: float, rate: int = 24000) -> bytes:
    buf = io.BytesIO()
    tone = np.sin(np.linspace(0, 2 * np.pi * 220 * seconds, int(rate * seconds))).astype(np.float32) * 0.3
    sf.write(buf, tone, rate, format="WAV")
    return buf.getvalue()


async def _server(handler) -> TestServer:
    app = web.Application()
    app.router.add_post("/v1/audio/speech", handler)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    return srv


async def test_openai_speech_server_gets_the_request_and_its_ogg_passes_through() -> None:
    seen: list[tuple[dict, str]] = []
    ogg = encode_opus(np.zeros(48000, np.float32) + 0.01, 48000)

    async def speech(request: web.Request) -> web.Response:
        seen.append((await request.json(), request.headers.get("Authorization", "")))
        return web.Response(body=ogg, content_type="audio/ogg")

    srv = await _server(speech)
    base_url = str(srv.make_url("/v1"))
    try:
        pipe = VoicePipeline.from_options(
            VoiceOptions(base_url=base_url, api_key="sk-secret", model="kokoro")
        )
        out = await asyncio.to_thread(pipe, CAPTION_ZH, style=VoiceStyle(server_voice="nova", speed=1.2))
        pipe.engine.close()
    finally:
        await srv.close()
    body, auth = seen[0]
    assert body == {
        "model": "kokoro",
        "input": CAPTION_ZH,
        "voice": "nova",
        "response_format": "opus",
        "speed": 1.2,
    }
    assert auth == "Bearer sk-secret"
    assert out.audio == ogg and out.language == "zh" and out.voice == "nova"
    assert abs(out.duration_s - 1.0) < 0.05 and out.engine == f"kokoro @ {base_url}"


async def test_a_server_that_sends_wav_is_encoded_to_ogg_opus() -> None:
    async def speech(request: web.Request) -> web.Response:
        return web.Response(body=_wav(1.5), content_type="audio/wav")

    srv = await _server(speech)
    try:
        pipe = VoicePipeline(OpenAISpeech(str(srv.make_url("/v1"))))
        out = await asyncio.to_thread(pipe, CAPTION_EN)
    finally:
        await srv.close()
    assert is_ogg_opus(out.audio) and abs(out.duration_s - 1.5) < 0.05


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            500,
            json.dumps({"error": {"message": "model sk-secret not loaded"}}),
            "answered 500: model \\*\\*\\* not",
        ),
        (200, "", "sent no audio"),
        (200, "not audio at all", "can't be read"),
    ],
)
async def test_server_failures_are_engine_errors_without_the_key(
    status: int, body: str, expected: str
) -> None:
    async def speech(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body.encode())

    srv = await _server(speech)
    try:
        pipe = VoicePipeline(OpenAISpeech(str(srv.make_url("/v1")), api_key="sk-secret"))
        with pytest.raises(SpeechEngineError, match=expected) as err:
            await asyncio.to_thread(pipe, CAPTION_EN)
    finally:
        await srv.close()
    assert "sk-secret" not in str(err.value) and "sk-secret" not in repr(pipe.engine)


def test_an_unreachable_server_is_an_engine_error() -> None:
    pipe = VoicePipeline(OpenAISpeech("http://127.0.0.1:9/v1", timeout_s=2))
    with pytest.raises(SpeechEngineError, match="cannot reach"):
        pipe(CAPTION_EN)


@needs_espeak
def test_doctor_shows_engine_voices_and_languages() -> None:
    from bot.doctor import report
    from bot.settings import Settings

    text = report(Settings(_env_file=None))
    voice = text[text.index("voice ") :]
    assert "espeak-ng" in voice and "en," in voice and "zh" in voice and "f1, f2" in voice
    assert "off (VOICE_ENABLED=false)" in report(Settings(_env_file=None, voice_enabled=False))
    served = report(Settings(_env_file=None, tts_base_url="http://127.0.0.1:9/v1", tts_api_key="sk-x"))
    assert "tts-1 @ http://127.0.0.1:9/v1" in served and "alloy" in served and "sk-x" not in served
