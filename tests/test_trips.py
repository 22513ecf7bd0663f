"""Group trips: /trip's boarding call, its buttons, the departure, limits and journals.

The core-level tests drive time with a FakeClock and read what a platform would show from a RecordingOutput;
the cross-platform test runs Discord (simcord) and Telegram (a fake Bot API) on one core and one store.
"""

from __future__ import annotations

import asyncio
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
    assert "off to the Eiffel Tower" in call.messages[0] or "off to Eiffel Tower" in call.messages[0]
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
    second = await say(core, BEN, "/trip rome")
    assert "already boarding here" in second.text and "Tokyo" in second.text
    assert trip_buttons(second)["join"] == buttons["join"], "the second /trip shows the open call's buttons"
    refused = await press(core, DANA, buttons["join"])
    assert "try again in" in refused.text and "Dana" not in call.messages[0]
    elsewhere = await say(core, CHEN, "/trip rome", channel=HALL)
    assert "Colosseum" in elsewhere.messages[0], "another channel has its own boarding call"
    busy = await press(core, CHEN, buttons["join"])
    assert "still on its way" in busy.text, "one trip at a time"

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
    assert "(8/8)" in call.messages[0] or "8" in call.messages[0]
    ninth = await press(core, people[-1], join)
    assert "full" in ninth.text or "already left" in ninth.text
    await app.trips.wait_departures()
    assert len(call.images) == 1
    assert "No avatar yet" in call.messages[0], "those without an avatar got a drawn one"
    for p in people[:MAX_TRAVELLERS]:
        assert await core.memory.avatars.get(p.key) is not None
        assert len(await core.memory.adventures.list(p.key)) == 1
    assert await core.memory.adventures.list(people[-1].key) == []
