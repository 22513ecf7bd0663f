"""The daily postcard: /config daily, one post per day across restarts, missed slots, places, zones."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.telegram_bot import TelegramAdapter
from bot.adapters.web import Playground
from bot.core.daily import SLOT_PREFIX
from bot.core.daily_schedule import DailySchedule, Zones, parse_time
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.gazetteer import Gazetteer, PlaceResolver
from generators.landmarks import Catalogue
from tests.discord_harness import running
from tests.fake_telegram import FakeBotAPI
from tests.memory_helpers import ManualClock
from tests.outputs import RecordingOutput

ADMIN = User("web", "ana", "Ana", is_admin=True)
GUEST = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP, space="playground")
DAY = 24 * 60  # minutes
TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"


class Channels:
    """An adapter's outlet as the core sees it: every channel opened gets one recording output."""

    def __init__(self) -> None:
        self.outputs: dict[str, RecordingOutput] = {}

    async def open(self, platform_id: str) -> RecordingOutput:
        return self.outputs.setdefault(platform_id, RecordingOutput())

    def posts(self, platform_id: str = "lobby") -> list[tuple[Path, str]]:
        out = self.outputs.get(platform_id)
        return out.images if out else []


class StoryWriter:
    """A chat model (the network boundary of an HTTP backend) that writes a clean story at once, or
    stalls past the story's deadline."""

    name = "story-writer"
    languages = frozenset({"en", "zh"})
    context_tokens = 2048

    def __init__(self, clock: ManualClock, *, stall: bool = False) -> None:
        self.clock = clock
        self.stall = stall
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig):
        yield "Hello!"

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        self.prompts.append(turns[0].content)
        if self.stall:
            self.clock.advance(config.timeout_s + 1)
            await asyncio.Event().wait()
        place = re.search(r"today from (.+?) in ", turns[0].content).group(1)
        return DialogueOutput(
            text=f"Today I'm at {place}! The air smells of rain and coffee. Wish you were here!"
        )

    async def aclose(self) -> None:
        return None


async def say(core, user: User, text: str) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, ROOM, text, mentions_bot=True), out)
    return out


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()  # 2026-05-01 12:00 UTC


@pytest.fixture
def start(make_app, clock: ManualClock, tmp_path: Path):
    """Starts the bot on one data dir (again and again: a restart) with a running web outlet."""

    async def go(*, connect: bool = True, dialogue=None):
        rt = await make_app(clock=clock, data_dir=tmp_path / "data", image_size=256, dialogue=dialogue)
        channels = Channels()
        if connect:
            rt.core.outlets.register("web", channels.open)
        return rt, channels

    return go


async def test_one_post_per_day_across_a_restart(start, clock: ManualClock) -> None:
    rt, channels = await start()
    reply = await say(rt.core, ADMIN, "/config daily 13:00 UTC")
    assert "every day at 13:00 (UTC)" in reply.text and "2026-05-01 13:00" in reply.text
    await rt.daily.settled()
    assert channels.posts() == []  # not before its time
    clock.set(61)
    await rt.daily.settled()
    assert len(channels.posts()) == 1
    path, caption = channels.posts()[0]
    assert path.is_file() and "Luna's daily postcard" in caption and "#AvatarAdventures" in caption
    clock.set(180)
    await rt.daily.settled()
    assert len(channels.posts()) == 1
    await rt.aclose()

    rt, channels = await start()  # restarted the same day: today's postcard is already out
    await rt.daily.settled()
    assert channels.posts() == []
    clock.set(DAY + 61)
    await rt.daily.settled()
    assert len(channels.posts()) == 1
    clock.set(DAY + 300)
    await rt.daily.settled()
    assert len(channels.posts()) == 1
    stored = await rt.core.memory.settings.prefixed("channel:web:lobby", SLOT_PREFIX)
    assert sorted(stored) == [SLOT_PREFIX + "2026-05-01", SLOT_PREFIX + "2026-05-02"]


async def test_a_missed_slot_is_posted_once_on_start_never_twice(start, clock: ManualClock) -> None:
    rt, _ = await start()
    await say(rt.core, ADMIN, "/config daily 13:00")
    await rt.aclose()  # down through two slots (May 1 and May 2, 13:00)
    clock.set(DAY + 120)
    rt, channels = await start()
    await rt.daily.settled()
    assert len(channels.posts()) == 1  # only the latest missed day
    await rt.aclose()
    rt, channels = await start()
    await rt.daily.settled()
    assert channels.posts() == []
    slots = await rt.core.memory.settings.prefixed("channel:web:lobby", SLOT_PREFIX)
    assert list(slots) == [SLOT_PREFIX + "2026-05-02"]


async def test_a_slot_waits_for_its_platform_and_is_not_claimed_meanwhile(start, clock) -> None:
    rt, _ = await start(connect=False)
    await say(rt.core, ADMIN, "/config daily 12:30 UTC")
    clock.set(40)
    await rt.daily.settled()
    assert await rt.core.memory.settings.prefixed("channel:web:lobby", SLOT_PREFIX) == {}
    channels = Channels()
    rt.core.outlets.register("web", channels.open)  # the adapter connects late
    await rt.daily.settled()
    assert len(channels.posts()) == 1


async def test_off_stops_it(start, clock: ManualClock) -> None:
    rt, channels = await start()
    await say(rt.core, ADMIN, "/config daily 13:00 UTC")
    assert "stopped" in (await say(rt.core, ADMIN, "/config daily off")).text
    assert "No daily postcard" in (await say(rt.core, GUEST, "/config daily")).text
    clock.set(DAY * 2)
    await rt.daily.settled()
    assert channels.posts() == []
    assert "no daily postcard" in (await say(rt.core, ADMIN, "/config daily off")).text


async def test_no_place_twice_within_thirty_days(start, clock: ManualClock) -> None:
    writer = StoryWriter(clock)
    rt, channels = await start(dialogue=writer)
    await say(rt.core, ADMIN, "/config daily 12:30 Asia/Tokyo")  # 03:30 UTC
    for day in range(1, 36):
        clock.set(day * DAY)
        await rt.daily.settled()
    assert len(channels.posts()) == 35
    slots = await rt.core.memory.settings.prefixed("channel:web:lobby", SLOT_PREFIX)
    places = [slots[k] for k in sorted(slots)]
    assert len(places) == 35
    for i in range(len(places)):
        window = places[i : i + 30]
        assert len(set(window)) == len(window)
    catalogue = Catalogue.load()
    for (_, caption), place in zip(channels.posts(), places, strict=True):
        assert f"Today I'm at {catalogue.get(place).name('en')}! The air smells of rain" in caption
    assert "You are Luna" in writer.prompts[0]


async def test_a_stalled_model_gives_the_template_story(start, clock: ManualClock) -> None:
    rt, channels = await start(dialogue=StoryWriter(clock, stall=True))
    out = RecordingOutput()
    await rt.core.handle(IncomingMessage(ADMIN, ROOM, "/config daily 13:00 UTC", mentions_bot=True), out)
    clock.set(61)
    await rt.daily.settled()
    assert len(channels.posts()) == 1
    _, caption = channels.posts()[0]
    place = next(iter((await rt.core.memory.settings.prefixed("channel:web:lobby", SLOT_PREFIX)).values()))
    landmark = Catalogue.load().get(place)
    assert f"Today I'm at {landmark.name('en')} in {landmark.city_name('en')}!" in caption
    history = await rt.core.memory.messages.recent(ROOM.key, 5)
    assert history[-1].role == "assistant" and history[-1].text in caption


async def test_only_admins_change_it_and_bad_input_is_explained(start) -> None:
    rt, _ = await start()
    assert "Only members who can manage" in (await say(rt.core, GUEST, "/config daily 09:00")).text
    assert await rt.daily.get(ROOM.key) is None
    assert "not a time of day" in (await say(rt.core, ADMIN, "/config daily 25:00")).text
    assert (
        "don't know the time zone “Mars/Olympus”"
        in (await say(rt.core, ADMIN, "/config daily 09:00 Mars/Olympus")).text
    )
    assert "不是有效的时间" in (await say(rt.core, ADMIN, "/config daily 早上 东京")).text
    assert await rt.daily.get(ROOM.key) is None
    reply = await say(rt.core, ADMIN, "/config daily 9:30 new york")
    assert "America/New_York" in reply.text
    assert "America/New_York" in (await say(rt.core, GUEST, "/config daily")).text
    # The server's zone becomes the default for the next channel without one.
    other = Channel("web", "travel", ChannelKind.GROUP, space="playground")
    out = RecordingOutput()
    await rt.core.handle(IncomingMessage(ADMIN, other, "/config daily 08:00", mentions_bot=True), out)
    assert "America/New_York" in out.text


def test_times_and_zones_people_type() -> None:
    assert parse_time("09:05") == (9, 5) and parse_time("9pm") == (21, 0) and parse_time("21h15") == (21, 15)
    assert parse_time("12am") == (0, 0) and parse_time("9") is None and parse_time("24:00") is None
    zones = Zones(PlaceResolver(Catalogue.load()))
    assert zones.resolve("europe/paris") == "Europe/Paris"
    assert zones.resolve("UTC+8") == "UTC+08:00" and zones.resolve("GMT-5:30") == "UTC-05:30"
    assert zones.resolve("utc") == "UTC" and zones.resolve("UTC+0") == "UTC"
    assert zones.resolve("Tokyo") == "Asia/Tokyo" and zones.resolve("巴黎") == "Europe/Paris"
    assert zones.resolve("UTC+15") is None and zones.resolve("Atlantis") is None


def test_any_town_the_gazetteer_knows_names_its_zone() -> None:
    zones = Zones(PlaceResolver(Catalogue.load(), Gazetteer.default()))
    assert zones.resolve("São Paulo") == "America/Sao_Paulo" and zones.resolve("Zürich") == "Europe/Zurich"
    assert zones.resolve("Kyoto") == "Asia/Tokyo" and zones.resolve("北京时间") == "Asia/Shanghai"
    assert zones.resolve("Atlantis") is None


def test_slots_follow_the_local_clock_through_daylight_saving() -> None:
    from datetime import UTC, datetime

    sched = DailySchedule(ROOM, 9, 0, "Europe/Paris", "en", datetime(2026, 3, 1, tzinfo=UTC))
    before = sched.next(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # March 28, winter: UTC+1
    after = sched.next(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))  # March 29, summer from 02:00: UTC+2
    assert (before.hour, after.hour) == (8, 7)
    assert sched.latest(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))[0].isoformat() == "2026-03-29"


async def test_daily_postcard_on_discord(make_app) -> None:
    built = []

    async def make_core(**overrides):
        built.append(await make_app(**overrides))
        return built[-1].core

    async with running(make_core, image_size=256) as world:
        await world.admin.send(world.general, "/config daily 13:00 UTC")
        assert "every day at 13:00 (UTC)" in world.bot_messages(world.general)[-1].content
        await world.alice.send(world.general, "/config daily 14:00 UTC")
        assert "Only members who can manage" in world.bot_messages(world.general)[-1].content
        count = len(world.bot_messages(world.general))
        daily = built[0].daily
        now = world.core.clock.now()
        slot = now.replace(hour=13, minute=0, second=0, microsecond=0)
        if slot <= now:
            slot += timedelta(days=1)
        # The scheduler's own timer runs on the real clock here (it started before the simulation),
        # so each pass is run by hand after moving simcord's virtual time.
        await world.env.advance_time((slot - now).total_seconds() - 60)
        assert await daily.run_due() == 0
        await world.env.advance_time(120)
        assert await daily.run_due() == 1
        posts = world.bot_messages(world.general)[count:]
        assert len(posts) == 1 and posts[0].attachments
        assert posts[0].attachments[0].filename.endswith(".jpg") and "daily postcard" in posts[0].content
        await world.env.advance_time(3 * 3600)
        assert await daily.run_due() == 0
        assert len(world.bot_messages(world.general)) == count + 1


async def test_daily_postcard_reaches_the_playground_tabs(start, clock: ManualClock) -> None:
    rt, _ = await start(connect=False)
    pg = Playground(rt.core)
    client = TestClient(TestServer(pg.app))
    await client.start_server()
    try:
        ws = await client.ws_connect("/ws?channel=lobby&name=Ana&lang=en")
        assert (await ws.receive_json())["type"] == "hello"
        await ws.send_json({"type": "say", "text": "/config daily 13:00 UTC"})
        assert (await ws.receive_json())["role"] == "user"
        assert "every day at 13:00" in (await ws.receive_json())["text"]
        clock.set(61)
        await rt.daily.settled()
        postcard = await ws.receive_json()
        assert postcard["role"] == "bot" and postcard["author"] == "Luna"
        assert postcard["image"].startswith("/media/") and "daily postcard" in postcard["text"]
        assert (await client.get(postcard["image"])).status == 200
        await ws.close()
    finally:
        await client.close()
    assert not rt.core.outlets.running("web")


async def test_two_bots_on_one_store_post_once(make_app, clock: ManualClock, tmp_path: Path) -> None:
    first = await make_app(clock=clock, data_dir=tmp_path / "data", image_size=256)
    second = await make_app(clock=clock, data_dir=tmp_path / "data", image_size=256)
    outlets = Channels(), Channels()
    first.core.outlets.register("web", outlets[0].open)
    second.core.outlets.register("web", outlets[1].open)
    await say(first.core, ADMIN, "/config daily 13:00 UTC")
    for day in range(3):
        clock.set(day * DAY + 61)
        await asyncio.gather(first.daily.run_due(), second.daily.run_due())
        await asyncio.gather(first.daily.settled(), second.daily.settled())
        assert len(outlets[0].posts()) + len(outlets[1].posts()) == day + 1


async def test_daily_postcard_in_a_telegram_group(make_app, clock: ManualClock) -> None:
    rt = await make_app(clock=clock, image_size=256, telegram_token=TOKEN)
    api = FakeBotAPI()
    adapter = TelegramAdapter(rt.core, rt.core.settings, request=api, clock=clock)
    await adapter.app.initialize()
    try:
        group = Channel("telegram", "-100", ChannelKind.GROUP, title="Trip")
        out = RecordingOutput()
        admin = User("telegram", "1", "Ana", is_admin=True, locale="zh-CN")
        await rt.core.handle(
            IncomingMessage(admin, group, "/config daily 21:30 上海", mentions_bot=True), out
        )
        assert "每天 21:30（Asia/Shanghai）" in out.text and "2026-05-01 21:30" in out.text
        assert await adapter.open_chat("not-a-chat") is None
        rt.core.outlets.register("telegram", adapter.open_chat)  # what start() does once polling
        clock.set(90)  # 13:30 UTC = 21:30 in Shanghai
        await rt.daily.settled()
        photos = api.of("sendPhoto")
        assert len(photos) == 1 and photos[0].params["chat_id"] == -100
        assert "的每日明信片" in photos[0].params["caption"]
        adapter.core.outlets.unregister("telegram", adapter.open_chat)
        assert not rt.core.outlets.running("telegram")
    finally:
        await adapter.app.shutdown()


async def test_pictures_older_than_the_keep_window_are_pruned_when_it_posts(start, clock, tmp_path) -> None:
    rt, channels = await start()
    stem = hashlib.sha256(b"channel:web:lobby").hexdigest()[:16]  # the channel's file stem
    pictures = tmp_path / "data" / "daily"
    pictures.mkdir(parents=True, exist_ok=True)
    old, recent = pictures / f"{stem}-2026-03-01.jpg", pictures / f"{stem}-2026-04-20.jpg"
    other = pictures / "0123456789abcdef-2026-03-01.jpg"  # another channel's, pruned on its own post
    for path in (old, recent, other):
        path.write_bytes(b"jpg")
    await say(rt.core, ADMIN, "/config daily 13:00 UTC")
    clock.set(61)
    await rt.daily.settled()
    assert len(channels.posts()) == 1
    assert not old.exists() and recent.exists() and other.exists()
