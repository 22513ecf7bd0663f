"""The voice feature end to end: /say, /voice on|off, spoken postcards and the 🔊 button, /config voice,
engine failures, and delivery by Telegram (fake Bot API), Discord (simcord) and the playground."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator

import pytest
import soundfile as sf
from telegram import Update

from bot.adapters.telegram_bot import TelegramAdapter
from bot.core.clock import FakeClock
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.voice.ogg import is_ogg_opus
from generators.voice.openai_http import OpenAISpeech
from generators.voice.pipeline import VoicePipeline
from tests.discord_harness import running, shown
from tests.fake_telegram import FakeBotAPI, UpdateFactory
from tests.outputs import RecordingOutput

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

ANA = User("web", "ana", "Ana")
ADMIN = User("web", "boss", "Boss", is_admin=True)
ROOM = Channel("web", "lobby", ChannelKind.GROUP)
TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"


async def say(core, user: User, text: str, channel: Channel = ROOM) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, mentions_bot=True), out)
    return out


def _seconds(audio: bytes) -> float:
    return sf.info(io.BytesIO(audio)).duration


class PlainChat:
    """A chat backend with clean English replies, so the spoken reply does not depend on what the
    tiny random model happens to write (its loops fall back to a bilingual greeting)."""

    name = "plain-replies"
    languages = frozenset({"en"})
    context_tokens = 2048
    REPLIES = (
        "The Louvre at opening time is lovely.",
        "Say hello to the river for me.",
        "Rome has the best gelato.",
    )

    def __init__(self) -> None:
        self.calls = 0

    def _next(self) -> str:
        self.calls += 1
        return self.REPLIES[(self.calls - 1) % len(self.REPLIES)]

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        yield self._next()

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        return DialogueOutput(text=self._next())

    async def aclose(self) -> None:
        return None


async def test_say_sends_a_labelled_voice_note_in_the_persona_voice(make_core) -> None:
    core = await make_core()
    out = await say(core, ANA, "/say Hello from the Eiffel Tower, travel buddy!")
    (note, caption) = out.voices[0]
    audio = note.path.read_bytes()
    assert is_ogg_opus(audio) and note.mime == "audio/ogg"
    assert 1.0 < note.duration_s < 6 and abs(_seconds(audio) - note.duration_s) < 0.05
    assert caption == t("voice_label", "en", persona="Luna") and "AI-generated" in caption
    assert note.path.parent == core.settings.avatar_data_dir / "voice"


async def test_say_in_chinese_and_its_caps_and_notes(make_core) -> None:
    core = await make_core()
    zh = await say(core, ANA, "/say 你好，旅伴！我们去长城吧。")
    assert zh.voices and zh.voices[0][0].duration_s > 1
    kanji = await say(core, ANA, "/say 東京タワーに来ました")  # the note comes in the text's language
    assert not kanji.voices and kanji.text == t("voice_unsupported_script", "zh")
    amharic = await say(core, ANA, "/say ሰላም ዓለም ሰላም ለሁሉም")
    assert not amharic.voices and amharic.text == t("voice_unsupported_script", "en")
    emoji = await say(core, ANA, "/say 🗼🗼🗼")
    assert not emoji.voices and emoji.text == t("voice_empty", "en")
    empty = await say(core, ANA, "/say")
    assert empty.text == t("say_usage", "en")


async def test_long_text_is_capped_and_the_user_is_told(make_core) -> None:
    core = await make_core(voice_max_chars=60)
    out = await say(core, ANA, "/say " + "The tower is tall. The river is wide. " * 5)
    (note, caption) = out.voices[0]
    assert caption.endswith(t("voice_truncated", "en", chars=56)) and "AI-generated" in caption
    short = await say(core, ANA, "/say The tower is tall.")
    assert "first" not in short.voices[0][1]


async def test_voice_on_makes_chat_replies_speak_and_off_stops_it(make_core) -> None:
    core = await make_core(dialogue=PlainChat())
    on = await say(core, ANA, "/voice on")
    assert on.text == t("voice_on", "en", persona="Luna")
    chat = await say(core, ANA, "Luna, what should I see in Paris?")
    assert len(chat.voices) == 1 and chat.messages[0] and chat.voices[0][1] == chat.messages[-1]
    assert (await say(core, ANA, "/voice")).text == t("voice_status", "en", state="on")
    # only for Ana, only in this channel
    other = await say(core, User("web", "ben", "Ben"), "Luna, hello!")
    elsewhere = await say(core, ANA, "Luna, hello!", Channel("web", "other", ChannelKind.GROUP))
    assert not other.voices and not elsewhere.voices
    await say(core, ANA, "/voice off")
    assert not (await say(core, ANA, "Luna, and in Rome?")).voices


async def test_an_engine_failure_gives_the_apology_and_the_text_reply_still_arrives(make_core) -> None:
    dead = VoicePipeline(OpenAISpeech("http://127.0.0.1:9/v1", timeout_s=2))
    core = await make_core(speaker=dead)
    await say(core, ANA, "/voice on")
    chat = await say(core, ANA, "Luna, what should I see in Paris?")
    assert not chat.voices
    assert len(chat.messages) == 2 and chat.messages[-1] == t("voice_failed", "en")
    assert chat.messages[0].strip() and chat.messages[0] != t("voice_failed", "en")
    assert (await say(core, ANA, "/say hello")).text == t("voice_failed", "en")


async def test_voices_switched_off_in_settings(make_core) -> None:
    core = await make_core(voice_enabled=False, image_cooldown_s=0, image_size=256)
    out = await say(core, ANA, "/say hello")
    assert out.text == t("voice_unavailable", "en", reason="VOICE_ENABLED=false") and not out.voices
    await say(core, ANA, "/avatar create short hair")
    card = await say(core, ANA, "/adventure paris seed:3")
    assert card.images and not any(b.action.startswith("speak:") for b in card.buttons[-1])


async def test_adventure_voice_speaks_the_caption_and_the_button_speaks_it_again(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=256)
    await say(core, ANA, "/avatar create long brown hair")
    out = await say(core, ANA, "/adventure paris seed:5 voice")
    assert len(out.images) == 1 and len(out.voices) == 1
    (adv,) = await core.memory.adventures.list(ANA.key)
    assert out.images[0][1].startswith(adv.caption)
    speak = next(b for row in out.buttons for b in row if b.action == f"speak:{adv.id}")
    assert speak.label == t("button_speak", "en")
    again = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), speak.action, again)
    assert len(again.voices) == 1
    first, second = out.voices[0][0].path.read_bytes(), again.voices[0][0].path.read_bytes()
    assert first == second  # the same caption in the same voice: the same bytes
    gone = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), "speak:99999", gone)
    assert gone.text == t("adventure_gone", "en")


async def test_chinese_caption_is_spoken_in_chinese(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=256)
    li = User("web", "li", "Li", locale="zh-CN")
    await say(core, li, "/avatar create 短发")
    out = await say(core, li, "/adventure 巴黎 语音")
    assert len(out.voices) == 1 and out.voices[0][1] == t("voice_label", "zh", persona="Luna")


async def test_admins_switch_voices_off_for_a_channel_in_config(make_core) -> None:
    core = await make_core()
    denied = await say(core, ANA, "/config voice off")
    assert denied.text == t("config_admin_only", "en")
    assert (await say(core, ADMIN, "/config voice off")).text == t("config_saved", "en")
    shown_config = await say(core, ADMIN, "/config")
    assert "lobby" in shown_config.text.splitlines()[-1]
    assert (await say(core, ANA, "/say hi")).text == t("voice_channel_off", "en")
    assert (await say(core, ANA, "/voice on")).text == t("voice_channel_off", "en")
    await say(core, ADMIN, "/config voice on")
    assert (await say(core, ANA, "/say hi")).voices


# --- delivery by platform -------------------------------------------------------------------------


async def test_telegram_sends_a_voice_note_through_send_voice(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api, clock=clock)
    await adapter.app.initialize()
    try:
        upd = UpdateFactory()
        await adapter.app.process_update(
            Update.de_json(upd.message("/say Hello, travel buddy!"), adapter.app.bot)
        )
    finally:
        await adapter.app.shutdown()
    (call,) = api.of("sendVoice")
    assert is_ogg_opus(call.files["voice"]) and int(call.params["duration"]) >= 1
    assert call.params["caption"] == t("voice_label", "en", persona="Luna")


async def test_discord_sends_an_audio_attachment(make_core) -> None:
    async with running(make_core) as world:
        result = await world.alice.slash(world.general, "say", text="Hello from Discord!")
        (msg,) = [m for m in shown(result) if m.attachments]
        (audio,) = msg.attachments
        assert audio.filename == "voice.ogg" and "AI-generated" in msg.content
        assert is_ogg_opus(await audio.read())


async def test_playground_shows_an_audio_player_for_say(make_app) -> None:
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from bot.adapters.web import Playground

    runtime = await make_app()
    pg = Playground(runtime.core)
    client = TestClient(TestServer(pg.app))
    await client.start_server()
    try:
        ws = await client.ws_connect("/ws?channel=lobby&name=Ann&lang=en")
        assert (await ws.receive_json())["type"] == "hello"
        await ws.send_json({"type": "say", "text": "/say Hello from the playground!", "lang": "en"})
        async with asyncio.timeout(60):
            event = await ws.receive_json()
            while not event.get("audio"):
                event = await ws.receive_json()
        assert event["role"] == "bot" and "AI-generated" in event["text"] and event["duration"] > 0.5
        res = await client.get(event["audio"])
        assert res.status == 200 and res.headers["Content-Type"] == "audio/ogg"
        assert is_ogg_opus(await res.read())
        await ws.close()
    finally:
        await client.close()
        await pg.stop()


async def test_the_terminal_writes_the_file_and_prints_its_path(make_core) -> None:
    import re
    from pathlib import Path

    from bot.adapters.console import chat_loop

    core = await make_core()
    stdin, stdout = io.StringIO("/say Hello from the terminal!\n"), io.StringIO()
    await chat_loop(core, user_name="Ana", group=False, stdin=stdin, stdout=stdout)
    m = re.search(r"\[voice saved: (\S+\.ogg) \((\d+\.\d) s\)\]\n(.+)", stdout.getvalue())
    assert m is not None, stdout.getvalue()
    assert is_ogg_opus(Path(m.group(1)).read_bytes()) and "AI-generated" in m.group(3)


async def test_forget_deletes_the_persons_voice_notes(make_core) -> None:
    core = await make_core()
    dm = Channel("web", "dm-ana", ChannelKind.DIRECT)
    mine = (await say(core, ANA, "/say Remember the Pantheon at dawn.", dm)).voices[0][0].path
    theirs = (await say(core, ADMIN, "/say Meet me at the Colosseum.")).voices[0][0].path
    assert mine.is_file() and theirs.is_file()
    await say(core, ANA, "/forget", dm)
    done = await say(core, ANA, "yes", dm)
    assert "forgotten" in done.text.lower()
    assert not mine.exists(), "/forget removes the person's voice notes"
    assert theirs.is_file(), "and only theirs"
