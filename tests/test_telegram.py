"""The Telegram adapter against a fake Bot API at the network boundary (PTB's own BaseRequest seam)."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from telegram import Update

from bot.adapters.telegram_bot import TelegramAdapter, TelegramOutput
from bot.core.clock import FakeClock
from bot.core.streaming import INDICATOR, StreamRelay
from tests.fake_telegram import BOT_USERNAME, FakeBotAPI, UpdateFactory

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"


@pytest.fixture
async def make_tg(make_core):
    """Build (adapter, fake API, core) with settings overrides; apps are shut down at the end."""
    apps = []

    async def factory(**overrides):
        clock = FakeClock()
        core = await make_core(telegram_token=TOKEN, clock=clock, **overrides)
        api = FakeBotAPI()
        adapter = TelegramAdapter(core, core.settings, request=api, clock=clock)
        await adapter.app.initialize()
        apps.append(adapter.app)
        return adapter, api, core

    yield factory
    for app in apps:
        await app.shutdown()


@pytest.fixture
async def tg(make_tg):
    return await make_tg()


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
    rows = await core.memory.messages.recent("telegram:1", 10)
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
        r.speaker for r in await core.memory.messages.recent(f"telegram:{group}", 20) if r.role == "user"
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
    await core.memory.facts.add("telegram:1", "I love croissants", "user")
    await push(adapter, upd.message("/forget"))
    ask = api.of("sendMessage")[-1]
    buttons = ask.params["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["forget:yes", "forget:no"]
    bot_msg = api.messages[max(api.messages)]
    await push(adapter, upd.callback("forget:yes", bot_msg))
    assert api.of("answerCallbackQuery")
    assert await core.memory.facts.list("telegram:1") == []
    assert "forgotten" in api.of("sendMessage")[-1].params["text"]


async def test_commands_are_published_in_english_and_chinese(tg) -> None:
    adapter, api, _ = tg
    await adapter.publish_commands()
    calls = api.of("setMyCommands")
    assert {c.params.get("language_code") for c in calls} == {None, "zh"}
    zh = next(c for c in calls if c.params.get("language_code") == "zh")
    names = [c["command"] if isinstance(c, dict) else c.command for c in zh.params["commands"]]
    assert {"adventure", "avatar", "link", "journal"} <= set(names)


def png_bytes(size: int = 96) -> bytes:
    """A small real picture: a face-ish blob on a plain background."""
    img = Image.new("RGB", (size, size), (230, 230, 240))
    from PIL import ImageDraw

    draw = ImageDraw.Draw(img)
    draw.ellipse((size // 4, size // 6, 3 * size // 4, 5 * size // 6), fill=(200, 150, 120))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


async def test_config_in_a_group_asks_telegram_who_is_admin(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    group = -100
    api.member_status[(group, 1)] = "administrator"
    await push(adapter, upd.message("/config channels add", chat_id=group, user_id=2, name="Ben"))
    assert "Only members who can manage" in api.of("sendMessage")[-1].params["text"]
    await push(adapter, upd.message("hi there, how are you?", chat_id=group, user_id=2, name="Ben"))
    assert len(api.of("getChatMember")) == 1, "only admin commands ask Telegram"
    await push(adapter, upd.message(f"/config@{BOT_USERNAME} channels add -200", chat_id=group))
    assert api.of("sendMessage")[-1].params["text"] == "Saved."
    asked = [(int(c.params["chat_id"]), int(c.params["user_id"])) for c in api.of("getChatMember")]
    assert asked == [(group, 2), (group, 1)]
    # Allowed channels on Telegram are chat ids: this chat is no longer on the list, so it is ignored.
    sent = len(api.of("sendMessage"))
    mention = {"type": "mention", "offset": 0, "length": 9}
    await push(adapter, upd.message(f"@{BOT_USERNAME} hello?", chat_id=group, entities=[mention]))
    await push(adapter, upd.message("/help", chat_id=group))
    assert len(api.of("sendMessage")) == sent
    # The admin answer is cached for ~5 minutes on the injected clock, then asked again.
    await push(adapter, upd.message(f"/config channels add {group}", chat_id=group))
    assert api.of("sendMessage")[-1].params["text"] == "Saved." and len(api.of("getChatMember")) == 2
    core.clock.advance(301)
    api.member_status[(group, 1)] = "member"  # demoted meanwhile
    await push(adapter, upd.message("/config channels clear", chat_id=group))
    assert len(api.of("getChatMember")) == 3
    assert "Only members who can manage" in api.of("sendMessage")[-1].params["text"]
    await push(adapter, upd.message(f"@{BOT_USERNAME} hello again", chat_id=group, entities=[mention]))
    assert len(api.of("sendMessage")) == sent + 3, "this chat is on the list again, so it is answered"


async def test_private_chat_owner_is_admin_without_asking_telegram(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    await push(adapter, upd.message("/config persona luna"))
    assert api.of("sendMessage")[-1].params["text"] == "Saved."
    assert api.of("getChatMember") == []


async def test_photo_with_avatar_caption_becomes_the_avatar(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    api.files["ana-photo"] = png_bytes()
    await push(adapter, upd.message(None, photo_file="ana-photo", caption="/avatar"))
    assert [c.params["file_id"] for c in api.of("getFile")] == ["ana-photo"], "the largest size"
    assert [c.params["path"] for c in api.of("file")] == ["ana-photo"]
    preview = api.of("sendPhoto")
    assert len(preview) == 1 and preview[0].files["photo"][:4] == b"\x89PNG"
    avatar = await core.memory.avatars.get("telegram:1")
    assert avatar is not None and Path(avatar.path).read_bytes() == preview[0].files["photo"]


async def test_image_document_with_avatar_set_caption_works_too(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    api.files["doc-1"] = png_bytes(80)
    await push(
        adapter, upd.message(None, user_id=4, name="Dee", document_file="doc-1", caption="/avatar set")
    )
    assert len(api.of("sendPhoto")) == 1
    assert await core.memory.avatars.get("telegram:4") is not None


async def test_photo_over_the_byte_cap_is_not_downloaded(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    api.files["huge"] = png_bytes()
    too_big = core.settings.avatar_max_bytes + 1
    await push(adapter, upd.message(None, photo_file="huge", photo_size=too_big, caption="/avatar"))
    assert api.of("getFile") == [] and api.of("file") == []
    assert "too big" in api.of("sendMessage")[-1].params["text"]
    assert await core.memory.avatars.get("telegram:1") is None


async def test_photo_without_an_avatar_command_is_not_downloaded(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    api.files["holiday"] = png_bytes()
    await push(adapter, upd.message(None, photo_file="holiday", caption="look at this", chat_id=-100))
    assert api.of("getFile") == [] and api.of("sendMessage") == []


async def test_adventure_sends_a_postcard_with_buttons_and_reroll_sends_another(make_tg) -> None:
    adapter, api, core = await make_tg(image_cooldown_s=0, image_size=256)
    upd = UpdateFactory()
    await push(adapter, upd.message("/adventure paris seed:1"))
    photos = api.of("sendPhoto")
    assert len(photos) == 1, [c.params.get("text") for c in api.of("sendMessage")]
    card = photos[0]
    assert 0 < len(card.params["caption"]) <= 1024 and "Eiffel Tower" in card.params["caption"]
    assert card.files["photo"][:2] == b"\xff\xd8"
    actions = [b["callback_data"] for b in card.params["reply_markup"]["inline_keyboard"][0]]
    (adv,) = await core.memory.adventures.list("telegram:1")
    assert actions == [
        f"reroll:{adv.id}",
        f"format:{adv.id}:4:5",
        f"format:{adv.id}:9:16",
        f"motion:{adv.id}",
        f"speak:{adv.id}",
    ]
    card_msg = api.messages[max(k for k, m in api.messages.items() if "photo" in m)]
    await push(adapter, upd.callback(f"reroll:{adv.id}", card_msg))
    assert api.of("answerCallbackQuery")
    assert len(api.of("sendPhoto")) == 2
    assert api.of("sendPhoto")[1].files["photo"] != card.files["photo"]
    assert len(await core.memory.adventures.list("telegram:1")) == 2


async def test_network_error_mid_stream_keeps_the_final_text(tg) -> None:
    adapter, api, core = tg
    clock: FakeClock = core.clock
    out = TelegramOutput(app=adapter.app, chat_id=5, reply_to=None, is_group=False, clock=clock)
    relay = StreamRelay(out, clock)
    await relay.feed("Paris ")
    clock.advance(2)
    api.fail_next("editMessageText", status=502)
    await relay.feed("is lovely ")  # interim edit hits a 502: skipped, not retried
    assert len(api.of("editMessageText")) == 1
    clock.advance(2)
    await relay.feed("in June.")
    await relay.finish()
    assert final_texts(api) == ["Paris is lovely in June."]
    assert len(api.of("sendMessage")) == 1


async def test_final_edit_that_keeps_failing_arrives_as_a_new_message(tg) -> None:
    adapter, api, core = tg
    clock: FakeClock = core.clock
    out = TelegramOutput(app=adapter.app, chat_id=5, reply_to=None, is_group=False, clock=clock)
    relay = StreamRelay(out, clock)
    await relay.feed("Tokyo ")
    api.fail_next("editMessageText", status=502, times=10)
    await relay.finish("Tokyo Tower glows orange at night.")
    assert len(api.of("editMessageText")) == 4, "the final edit is retried before giving up"
    assert api.of("sendMessage")[-1].params["text"] == "Tokyo Tower glows orange at night."


async def test_webhook_mode_registers_a_secret_and_serves_real_posts(make_tg, unused_tcp_port) -> None:
    import httpx

    adapter, api, core = await make_tg(
        telegram_webhook_url="https://bot.example.org/hooks/luna",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=unused_tcp_port,
    )
    await adapter.start()
    try:
        (hook,) = api.of("setWebhook")
        assert hook.params["url"] == "https://bot.example.org/hooks/luna"
        secret = hook.params["secret_token"]
        assert len(secret) >= 32 and api.of("getUpdates") == [], "webhook mode never polls"
        update = UpdateFactory().message("Hello from the webhook!")
        url = f"http://127.0.0.1:{unused_tcp_port}/hooks/luna"
        async with httpx.AsyncClient() as http:
            forged = await http.post(url, json=update)
            assert forged.status_code == 403, "a post without Telegram's secret is refused"
            ok = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
            assert ok.status_code == 200
        for _ in range(200):
            if len(await core.memory.messages.recent("telegram:1", 10)) == 2:
                break
            await asyncio.sleep(0.05)
        rows = await core.memory.messages.recent("telegram:1", 10)
        assert [r.role for r in rows] == ["user", "assistant"] and rows[0].text == "Hello from the webhook!"
        assert len(api.of("sendMessage")) == 1, "the forged post was not processed"
    finally:
        await adapter.stop()


async def test_anonymous_group_admin_may_change_settings(tg) -> None:
    adapter, api, _core = tg
    upd = UpdateFactory()
    group = -100
    await push(adapter, upd.message("/config persona mango", chat_id=group, as_group=True))
    assert api.of("sendMessage")[-1].params["text"] == "Saved."
    assert api.of("getChatMember") == [], "posting as the group already proves admin rights"
    await push(adapter, upd.message("/config persona luna", chat_id=group, user_id=2, name="Ben"))
    assert "Only members who can manage" in api.of("sendMessage")[-1].params["text"]


async def test_a_timed_out_send_is_not_repeated_but_a_timed_out_edit_is(tg) -> None:
    from telegram.error import TimedOut

    adapter, api, core = tg
    out = TelegramOutput(app=adapter.app, chat_id=5, reply_to=None, is_group=False, clock=core.clock)
    api.fail_next("sendMessage", status=0)
    with pytest.raises(TimedOut):
        await out.send("Bonjour from Paris!")
    assert len(api.of("sendMessage")) == 1 and final_texts(api) == ["Bonjour from Paris!"], "no duplicate"
    sent = await out.send("Second message")
    api.fail_next("editMessageText", status=0)
    await out.edit(sent, "Second message, edited")
    assert len(api.of("editMessageText")) == 2
    assert final_texts(api) == ["Bonjour from Paris!", "Second message, edited"]


# ---------------------------------------------------------------------------------------------- confirmations

GROUP = -100


def bot_command(text: str) -> list[dict]:
    return [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]


async def test_group_chatter_neither_confirms_nor_cancels_a_forget(tg) -> None:
    """Issue 15: "yes" said to someone else, other chatter and a command in between leave /forget waiting."""
    adapter, api, core = tg
    upd = UpdateFactory()
    await push(
        adapter, upd.message("/remember I love croissants", chat_id=GROUP, entities=bot_command("/remember"))
    )
    await push(adapter, upd.message("/forget", chat_id=GROUP, entities=bot_command("/forget")))
    prompt = api.messages[max(api.messages)]
    assert "yes" in prompt["text"]
    said = len(api.of("sendMessage"))
    await push(adapter, upd.message("yes", chat_id=GROUP))  # to Bob, not to the bot
    await push(adapter, upd.message("ok see you at eight", chat_id=GROUP))
    assert len(api.of("sendMessage")) == said, "nothing is said about unaddressed chatter"
    await push(adapter, upd.message("/memory", chat_id=GROUP, entities=bot_command("/memory")))
    assert "croissants" in api.of("sendMessage")[-1].params["text"], "a command in between runs normally"
    await push(adapter, upd.message("yes", chat_id=GROUP, reply_to=prompt))
    assert "forgotten" in api.of("sendMessage")[-1].params["text"], "a reply to the prompt confirms"
    await push(adapter, upd.message("/memory", chat_id=GROUP, entities=bot_command("/memory")))
    assert "croissants" not in api.of("sendMessage")[-1].params["text"]


async def test_a_mention_with_the_word_confirms_and_a_direct_chat_needs_only_the_word(tg) -> None:
    adapter, api, core = tg
    upd = UpdateFactory()
    await push(
        adapter, upd.message("/remember I love croissants", chat_id=GROUP, entities=bot_command("/remember"))
    )
    await push(adapter, upd.message("/forget", chat_id=GROUP, entities=bot_command("/forget")))
    mention = [{"type": "mention", "offset": 0, "length": len("@" + BOT_USERNAME)}]
    await push(adapter, upd.message(f"@{BOT_USERNAME} yes", chat_id=GROUP, entities=mention))
    assert "forgotten" in api.of("sendMessage")[-1].params["text"]
    await push(adapter, upd.message("/remember I love maps"))
    await push(adapter, upd.message("/forget"))
    await push(adapter, upd.message("yes"))
    assert "forgotten" in api.of("sendMessage")[-1].params["text"]
