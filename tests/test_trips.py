"""Group trips: /trip's boarding call, its buttons, the departure, limits and journals.

The core-level tests drive time with a FakeClock and read what a platform would show from a RecordingOutput;
the cross-platform test runs Discord (simcord) and Telegram (a fake Bot API) on one core and one store.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from PIL import Image

from bot.core.clock import FakeClock
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.trips import BOARDING_S, MAX_TRAVELLERS
from tests.outputs import RecordingOutput

ROOM = Channel("web", "lobby", ChannelKind.GROUP)
HALL = Channel("web", "hall", ChannelKind.GROUP)
PEOPLE = [User("web", f"p{i}", name) for i, name in enumerate(["Ana", "Ben", "Chen", "Dana", "Eli", "Fay"])]
ANA, BEN, CHEN, DANA = PEOPLE[:4]
LI = User("web", "li", "Li", locale="zh-CN")


async def say(core, user: User, text: str, channel: Channel = ROOM) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, mentions_bot=True), out)
    return out


async def press(core, user: User, action: str, channel: Channel = ROOM) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle_action(user, IncomingMessage(user, channel, ""), action, out)
    return out


def trip_buttons(out: RecordingOutput) -> dict[str, str]:
    """The boarding call's buttons by kind: join, leave, go."""
    return {b.action.split(":")[1]: b.action for b in out.buttons[0]}


async def started(make_app, **settings: Any):
    clock = FakeClock()
    app = await make_app(clock=clock, image_size=256, image_cooldown_s=300, **settings)
    return app, app.core, clock


async def test_boarding_departs_at_sixty_seconds_and_not_before(make_app) -> None:
    app, core, clock = await started(make_app)
    call = await say(core, ANA, "/trip paris")
    assert "Eiffel Tower" in call.messages[0] and "(1/8)" in call.messages[0] and "Ana" in call.messages[0]
    buttons = trip_buttons(call)
    assert [b.label for b in call.buttons[0]] == ["Join the trip", "Leave", "Depart now"]
    joined = await press(core, BEN, buttons["join"])
    assert "Ben is on board" in joined.text and "(2/8)" in joined.text
    assert "(2/8)" in call.messages[0] and "Ana, Ben" in call.messages[0], "the boarding call is edited"
    again = await press(core, BEN, buttons["join"])
    assert "already on board" in again.text and "(2/8)" in call.messages[0], "joining twice changes nothing"

    clock.advance(BOARDING_S - 1)
    for _ in range(20):  # loop turns, no time: a deadline that had passed would fire here
        await asyncio.sleep(0)
    assert call.images == [], "still boarding at 59 s"
    late = await press(core, CHEN, buttons["join"])
    assert "(3/8)" in late.text

    clock.advance(1)
    await app.trips.wait_departures()
    assert len(call.images) == 1, "one postcard for the whole group"
    path, caption = call.images[0]
    assert "Ana, Ben & Chen" in caption and "Eiffel Tower" in caption
    assert "Ana, Ben & Chen (3/8) are off to the Eiffel Tower!" in call.messages[0]
    with Image.open(path) as im:
        assert im.size == (1080, 1080)
    after = await press(core, DANA, buttons["join"])
    assert "already left" in after.text
    for user in (ANA, BEN, CHEN):
        (rec,) = await core.memory.adventures.list(user.key)
        assert rec.landmark_id == "eiffel_tower" and rec.image_path == str(path)
        assert (
            await core.memory.usage.count_since(user.key, "adventure", clock.now() - timedelta(hours=1)) == 1
        )
    assert await core.memory.adventures.list(DANA.key) == []


async def test_one_boarding_call_per_channel_and_limits_per_person(make_app) -> None:
    app, core, clock = await started(make_app)
    await say(core, DANA, "/adventure rome")  # Dana is on cooldown now
    call = await say(core, ANA, "/trip tokyo")
    buttons = trip_buttons(call)
    assert "Where to? e.g. /trip paris" in (await say(core, BEN, "/trip")).text
    assert "Did you mean" in (await say(core, BEN, "/trip atlantis")).text
    second = await say(core, BEN, "/trip rome")
    assert "already boarding here" in second.text and "Tokyo" in second.text
    assert trip_buttons(second)["join"] == buttons["join"], "the second /trip shows the open call's buttons"
    refused = await press(core, DANA, buttons["join"])
    assert "try again in" in refused.text and "Dana" not in call.messages[0]
    elsewhere = await say(core, LI, "/trip 罗马", channel=HALL)
    assert "旅行团" in elsewhere.messages[0] and "罗马斗兽场" in elsewhere.messages[0], (
        "in the caller's language"
    )
    assert [b.label for b in elsewhere.buttons[0]] == ["加入旅行团", "下车", "立即出发"]
    busy = await press(core, LI, buttons["join"])
    assert "请一次一个" in busy.text, "one trip at a time, even in another channel"

    await press(core, BEN, buttons["join"])
    left = await press(core, BEN, buttons["leave"])
    assert "got off" in left.text and "(1/8)" in call.messages[0]
    stays = await press(core, ANA, buttons["leave"])
    assert "you stay on board" in stays.text
    await press(core, BEN, buttons["join"])
    not_yours = await press(core, BEN, buttons["go"])
    assert "Only Ana" in not_yours.text and not call.images
    go = await press(core, ANA, buttons["go"])
    assert "off to" in go.text
    await app.trips.wait_departures()
    assert len(call.images) == 1 and "Ana & Ben" in call.images[0][1]
    assert len(elsewhere.images) == 0, "the other channel's call is still boarding"
    solo = await say(core, BEN, "/adventure rome")
    assert "try again in" in solo.text, "the trip counted towards Ben's cooldown"


async def test_a_full_trip_leaves_at_once_and_a_ninth_is_refused(make_app) -> None:
    app, core, clock = await started(make_app)
    people = [User("web", f"g{i}", f"Guest{i}") for i in range(MAX_TRAVELLERS + 1)]
    call = await say(core, people[0], "/trip sydney")
    join = trip_buttons(call)["join"]
    for p in people[1:MAX_TRAVELLERS]:
        await press(core, p, join)
    ninth = await press(core, people[-1], join)
    assert "the trip to the Sydney Opera House is full (8 travellers)" in ninth.text
    await app.trips.wait_departures()
    assert len(call.images) == 1
    assert "(8/8)" in call.messages[0] and "Guest7" in call.messages[0], "all eight left together"
    assert "No avatar yet" in call.messages[0], "those without an avatar got a drawn one"
    for p in people[:MAX_TRAVELLERS]:
        assert await core.memory.avatars.get(p.key) is not None
        assert len(await core.memory.adventures.list(p.key)) == 1
    assert await core.memory.adventures.list(people[-1].key) == []


async def test_a_linked_person_boards_once_from_either_account(make_app) -> None:
    app, core, clock = await started(make_app)
    ana_tg, ana_dc = User("telegram", "1", "Ana"), User("discord", "2", "Ana D")
    for user in (ana_tg, ana_dc):
        await core.memory.users.upsert_user(user)
    await core.memory.users.create_link_code(ana_dc.key, "LINK2345", timedelta(hours=1))
    await core.memory.users.redeem_link_code("LINK2345", ana_tg.key)
    call = await say(core, BEN, "/trip rome")
    join = trip_buttons(call)["join"]
    await press(core, ana_tg, join)
    twice = await press(core, ana_dc, join)
    assert "already on board" in twice.text and "(2/8)" in call.messages[0], "one person, one seat"
    await press(core, BEN, trip_buttons(call)["go"])
    await app.trips.wait_departures()
    assert len(call.images) == 1
    since = clock.now() - timedelta(hours=1)
    for key in (ana_tg.key, ana_dc.key):
        assert len(await core.memory.adventures.list(key)) == 1, "one journal entry for the person"
        assert await core.memory.usage.count_since(key, "adventure", since) == 1, "counted once"


# ------------------------------------------------------------ both platforms, one store

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"
GROUP_CHAT = -100


class Telegram:
    """People in a Telegram group and private chats, through PTB and the fake Bot API."""

    def __init__(self, core: Any) -> None:
        from bot.adapters.telegram_bot import TelegramAdapter
        from tests.fake_telegram import FakeBotAPI, UpdateFactory

        self.api = FakeBotAPI()
        self.adapter = TelegramAdapter(core, core.settings, request=self.api, clock=core.clock)
        self.upd = UpdateFactory()

    async def push(self, data: dict) -> None:
        from telegram import Update

        await self.adapter.app.process_update(Update.de_json(data, self.adapter.app.bot))

    async def command(self, text: str, *, user_id: int, name: str, chat_id: int = GROUP_CHAT) -> str:
        """Send a command; returns what the bot said."""
        start = len(self.api.calls)
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        await self.push(
            self.upd.message(text, user_id=user_id, name=name, chat_id=chat_id, entities=[entity])
        )
        return "\n".join(
            c.params.get("text", "") for c in self.api.calls[start:] if c.method == "sendMessage"
        )

    def last_with_buttons(self) -> tuple[dict, list[str]]:
        """The newest message the bot sent with buttons, and their callback data."""
        call = next(c for c in reversed(self.api.of("sendMessage")) if c.params.get("reply_markup"))
        markup = call.params["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        message = next(
            m for m in reversed(self.api.messages.values()) if m.get("text") == call.params["text"]
        )
        return message, [b["callback_data"] for row in markup["inline_keyboard"] for b in row]

    async def press(self, data: str, message: dict, *, user_id: int, name: str) -> str:
        start = len(self.api.calls)
        await self.push(self.upd.callback(data, message, user_id=user_id, name=name))
        return "\n".join(
            c.params.get("text", "") for c in self.api.calls[start:] if c.method == "sendMessage"
        )

    def board_text(self, message: dict) -> str:
        return self.api.messages[message["message_id"]]["text"]


async def link_ana(tg: Telegram, world: Any) -> None:
    """Ana links her Telegram account (user 1) with Discord's alice through the real /link flow."""
    import re

    said = await tg.command("/link", user_id=1, name="Ana", chat_id=1)
    code = re.search(r"\b([A-Z2-9]{8})\b", said).group(1)
    await world.alice.send_dm(f"/link {code}")
    await world.env.settle()
    await tg.command("/link", user_id=1, name="Ana", chat_id=1)
    prompt, actions = tg.last_with_buttons()
    assert "link:yes" in actions
    done = await tg.press("link:yes", prompt, user_id=1, name="Ana")
    assert "Linked!" in done


async def test_eight_travellers_across_discord_and_telegram_on_one_store(make_app) -> None:
    from bot.adapters.discord_bot import CUSTOM_ID_PREFIX
    from tests.discord_harness import running, shown

    made: dict[str, Any] = {}

    async def make_core(**kw: Any) -> Any:
        made["app"] = await make_app(**kw)
        return made["app"].core

    async with running(make_core, telegram_token=TOKEN, image_cooldown_s=600, image_size=256) as world:
        app, core = made["app"], world.core
        tg = Telegram(core)
        await tg.adapter.app.initialize()
        try:
            await link_ana(tg, world)
            alice = f"discord:{world.alice.id}"
            assert sorted(await core.memory.users.linked_keys("telegram:1")) == sorted([alice, "telegram:1"])

            # Telegram: Ana calls the trip, seven more board, the ninth finds it full.
            said = await tg.command("/trip paris", user_id=1, name="Ana")
            assert "Eiffel Tower" in said and "(1/8)" in said
            board, actions = tg.last_with_buttons()
            join = next(a for a in actions if a.startswith("trip:join:"))
            for uid in range(2, 9):
                answer = await tg.press(join, board, user_id=uid, name=f"Tg{uid}")
                assert f"Tg{uid} is on board" in answer and f"({uid}/8)" in answer
            ninth = await tg.press(join, board, user_id=9, name="Tg9")
            assert "the trip to the Eiffel Tower is full (8 travellers)" in ninth
            await app.trips.wait_departures()
            (photo,) = tg.api.of("sendPhoto")
            caption = photo.params["caption"]
            assert "Ana, Tg2, Tg3, Tg4, Tg5, Tg6, Tg7 & Tg8" in caption and "Eiffel Tower" in caption
            edits = [c.params["text"] for c in tg.api.of("editMessageText")]
            assert any("(8/8)" in e for e in edits) and "off to" in tg.board_text(board)
            since = core.clock.now() - timedelta(hours=1)
            for uid in range(1, 9):
                (trip,) = await core.memory.adventures.list(f"telegram:{uid}")
                assert trip.landmark_id == "eiffel_tower"
                assert await core.memory.usage.count_since(f"telegram:{uid}", "adventure", since) == 1
            assert await core.memory.adventures.list("telegram:9") == []
            # Ana's Discord account is the same person: the trip is in its journal once, counted once.
            assert [t.landmark_id for t in await core.memory.adventures.list(alice)] == ["eiffel_tower"]
            assert await core.memory.usage.count_since(alice, "adventure", since) == 1

            # Discord: bob calls a trip; alice (Ana, just back from Paris) is on cooldown; carol boards.
            bob = world.guild.add_member(world.env.create_user("bob"))
            carol = world.guild.add_member(world.env.create_user("carol"))
            result = await bob.slash(world.general, "trip", place="tokyo")
            (call,) = [m for m in shown(result) if m.components]
            assert "Tokyo" in call.content and "(1/8)" in call.content
            ids = [c["custom_id"] for row in call.components for c in row["components"]]
            join_dc = next(i for i in ids if i.startswith(CUSTOM_ID_PREFIX + "trip:join:"))
            refused = await world.alice.click(call, custom_id=join_dc)
            assert "try again in" in " ".join(m.content for m in shown(refused))
            boarded = await carol.click(call, custom_id=join_dc)
            assert "carol is on board" in " ".join(m.content for m in shown(boarded))
            assert "(2/8)" in call.content and "alice" not in call.content

            def postcards() -> list:
                return [m for m in world.bot_messages(world.general) if m.attachments]

            await world.env.advance_time(BOARDING_S - 1)
            await app.trips.wait_departures()
            assert postcards() == [], "still boarding after 59 s"
            await world.env.advance_time(1)
            await app.trips.wait_departures()
            await world.env.settle()
            (card,) = postcards()
            assert "bob & carol" in card.content and "Tokyo" in card.content
            for member in (bob, carol):
                (trip,) = await core.memory.adventures.list(f"discord:{member.id}")
                assert trip.landmark_id == "tokyo_tower"
            assert len(await core.memory.adventures.list(alice)) == 1, "alice did not travel twice"
        finally:
            await tg.adapter.app.shutdown()
