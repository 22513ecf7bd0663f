"""The Telegram adapter against a fake Bot API at the network boundary (PTB's own BaseRequest seam)."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from telegram import Update

from bot.adapters.telegram_bot import TelegramAdapter, TelegramOutput
from bot.core.clock import FakeClock
from bot.core.streaming import INDICATOR, StreamRelay
from tests.fake_telegram import BOT_USERNAME, FakeBotAPI, UpdateFactory

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"


@pytest.fixture
async def tg(make_core):
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api, clock=clock)
    await adapter.app.initialize()
    yield adapter, api, core
    await adapter.app.shutdown()


async def push(adapter: TelegramAdapter, data: dict) -> None:
    await adapter.app.process_update(Update.de_json(data, adapter.app.bot))


def final_texts(api: FakeBotAPI) -> list[str]:
    """What each sent message finally shows, after all edits."""
    shown: dict[int, str] = {}
    for msg_id, msg in api.messages.items():
        if "text" in msg:
            shown[msg_id] = msg["text"]
    return [shown[k] for k in sorted(shown)]


async def test_private_message_gets_a_streamed_reply_that_is_stored(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    await push(adapter, upd.message("Hello there, what should I see in Paris?"))
    sends = api.of("sendMessage")
    assert sends, "the bot answered"
    assert sends[0].params["chat_id"] == 1
    assert json.loads(json.dumps(sends[0].params["reply_parameters"]))["message_id"] == 1
    texts = final_texts(api)
    assert texts and all(t.strip() and not t.endswith(INDICATOR) for t in texts)
    rows = await core.store.recent_messages("telegram:1", 10)
    assert [r.role for r in rows] == ["user", "assistant"]
    assert rows[0].speaker == "Ana"


async def test_group_answers_only_when_addressed(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    group = -100
    await push(adapter, upd.message("hello everyone", chat_id=group))
    assert api.of("sendMessage") == []
    mention = f"@{BOT_USERNAME} hi!"
    await push(
        adapter, upd.message(mention, chat_id=group, entities=[{"type": "mention", "offset": 0, "length": 9}])
    )
    assert len(api.of("sendMessage")) == 1
    bot_msg = api.messages[max(api.messages)]
    await push(adapter, upd.message("thanks!", chat_id=group, user_id=2, name="Ben", reply_to=bot_msg))
    assert len(api.of("sendMessage")) == 2
    await push(adapter, upd.message("Luna, where next?", chat_id=group, user_id=3, name="Chen"))
    assert len(api.of("sendMessage")) == 3
    await push(adapter, upd.message("/help@luna_bot", chat_id=group))
    assert "/adventure" in api.of("sendMessage")[-1].params["text"]
    speakers = [
        r.speaker for r in await core.store.recent_messages(f"telegram:{group}", 20) if r.role == "user"
    ]
    assert speakers == ["Ana", "Ana", "Ben", "Chen"]


async def test_group_edits_are_throttled_on_the_injected_clock() -> None:
    api = FakeBotAPI()
    from telegram.ext import Application

    app = Application.builder().token(TOKEN).request(api).get_updates_request(api).build()
    await app.initialize()
    clock = FakeClock()
    out = TelegramOutput(app=app, chat_id=-100, reply_to=None, is_group=True, clock=clock)
    relay = StreamRelay(out, clock)
    edit_times: list[float] = []
    for i in range(40):
        before = len(api.of("editMessageText"))
        await relay.feed(f"token{i} ")
        if len(api.of("editMessageText")) > before:
            edit_times.append(clock.monotonic())
        clock.advance(0.5)
    await relay.finish()
    assert out.min_edit_interval >= 3.0
    gaps = [b - a for a, b in zip(edit_times, edit_times[1:], strict=False)]
    assert edit_times and all(g >= 3.0 for g in gaps)
    assert len(api.of("sendMessage")) == 1
    assert api.of("editMessageText")[-1].params["text"].endswith("token39")
    await app.shutdown()


async def test_flood_control_retry_after_keeps_the_final_text(tg) -> None:
    adapter, api, core = tg
    clock: FakeClock = core.clock
    out = TelegramOutput(app=adapter.app, chat_id=5, reply_to=None, is_group=False, clock=clock)
    api.fail_next("sendMessage", retry_after=2)
    relay = StreamRelay(out, clock)
    t0 = clock.monotonic()
    await relay.feed("Bonjour")
    assert clock.monotonic() - t0 >= 2, "waited for retry_after before resending"
    clock.advance(5)
    api.fail_next("editMessageText", retry_after=4)
    await relay.finish("Bonjour, Paris!")
    edits = api.of("editMessageText")
    assert len(edits) == 2 and edits[-1].params["text"] == "Bonjour, Paris!"


async def test_photo_caption_is_capped_and_the_rest_follows(tg, tmp_path) -> None:
    adapter, api, core = tg
    img = tmp_path / "card.jpg"
    Image.new("RGB", (64, 64), "orange").save(img)
    out = TelegramOutput(app=adapter.app, chat_id=7, reply_to=3, is_group=False, clock=core.clock)
    caption = ("A long caption sentence about the Eiffel Tower. " * 40).strip()
    await out.send_image(img, caption)
    photo = api.of("sendPhoto")[0]
    assert len(photo.params["caption"]) <= 1024
    assert photo.files["photo"][:2] == b"\xff\xd8"
    rest = api.of("sendMessage")[0].params["text"]
    assert (photo.params["caption"] + " " + rest).split() == caption.split()


async def test_forget_button_uses_an_inline_keyboard_and_callback(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    await core.store.add_fact("telegram:1", "I love croissants", "user", core.clock.now())
    await push(adapter, upd.message("/forget"))
    ask = api.of("sendMessage")[-1]
    buttons = ask.params["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["forget:yes", "forget:no"]
    bot_msg = api.messages[max(api.messages)]
    await push(adapter, upd.callback("forget:yes", bot_msg))
    assert api.of("answerCallbackQuery")
    assert await core.store.facts("telegram:1") == []
    assert "forgotten" in api.of("sendMessage")[-1].params["text"]


async def test_commands_are_published_in_english_and_chinese(tg) -> None:
    adapter, api, _ = tg
    await adapter.publish_commands()
    calls = api.of("setMyCommands")
    assert {c.params.get("language_code") for c in calls} == {None, "zh"}
    zh = next(c for c in calls if c.params.get("language_code") == "zh")
    names = [c["command"] if isinstance(c, dict) else c.command for c in zh.params["commands"]]
    assert {"adventure", "avatar", "link", "journal"} <= set(names)

