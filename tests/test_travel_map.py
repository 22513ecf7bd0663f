"""/map through the real core: pins in order, a channel's map, empty journals, Chinese labels, determinism,
the passport's map button and /forget; and the renderer's geometry (zoom, pins, labels)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from bot.core.clock import FakeClock
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.travel_map import date_span
from generators.images.fonts import covers, font_for
from generators.images.worldmap import INKS, PIN_R, MapStop, TravelMap, render_travel_map
from generators.landmarks import Catalogue
from tests.outputs import RecordingOutput

ANA = User("web", "ana", "Ana")
BEN = User("web", "ben", "Ben")
CARA = User("web", "cara", "Cara")
LI = User("web", "li", "Li", locale="zh-CN")
ROOM = Channel("web", "lobby", ChannelKind.GROUP, title="Lobby")
ELSEWHERE = Channel("web", "elsewhere", ChannelKind.GROUP, title="Elsewhere")
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
KYOTO = "geo:1857910"


async def say(core, user: User, text: str, channel: Channel = ROOM) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, mentions_bot=True), out)
    return out


async def trip(core, clock: FakeClock, user: User, landmark_id: str, channel: Channel = ROOM) -> None:
    """A journal entry written through the store's port, a day after the previous one."""
    clock.advance(86_400)
    await core.memory.adventures.add(
        user_key=user.key,
        channel_key=channel.key,
        landmark_id=landmark_id,
        seed=1,
        image_path=f"/nowhere/{landmark_id}.jpg",
        image_sha256="0" * 64,
        caption="",
        path_used="illustrated",
        format="1:1",
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def near(rgb: tuple[int, ...], want: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(rgb, want, strict=False))


def badge_colour(image: Image.Image, head: tuple[float, float]) -> tuple[int, ...]:
    """The colour inside a pin's badge, left of its number."""
    return image.getpixel((round(head[0] - PIN_R + 6), round(head[1])))


def expected(stops: list[MapStop], title: str, subtitle: str, lang: str, tmp: Path) -> TravelMap:
    """The renderer's own drawing of the same stops, for its pin positions and bytes."""
    return render_travel_map(stops, title=title, subtitle=subtitle, lang=lang, out_path=tmp / "expected.jpg")


async def test_map_pins_every_place_in_the_order_travelled(make_core, tmp_path: Path) -> None:
    core = await make_core(image_cooldown_s=0, image_size=512, clock=FakeClock(wall=T0))
    for place in ("paris", "rome", "tokyo", "paris"):
        assert (await say(core, ANA, f"/adventure {place} seed:1")).images
    out = await say(core, ANA, "/map")
    assert len(out.images) == 1
    path, caption = out.images[0]
    assert "3 places" in caption

    catalogue = Catalogue.load()
    recs = list(reversed(await core.memory.adventures.list(ANA.key)))
    stops = []
    for rec in recs:
        lm = catalogue.get(rec.landmark_id)
        stops.append(MapStop(lm.lat, lm.lon, lm.name("en"), rec.at))
    subtitle = f"4 trips · 3 places · {date_span(recs[0].at, recs[-1].at, 'en')}"
    drawn = expected(stops, t("map_title_me", "en", name="Ana"), subtitle, "en", tmp_path)
    assert sha(path) == drawn.sha256, "the core sends exactly the renderer's map of the journal"
    assert drawn.view == "world"  # Paris, Rome and Tokyo are not one region
    assert [(p.number, p.label) for p in drawn.pins] == [
        (1, "Eiffel Tower"),
        (2, "Colosseum"),
        (3, "Tokyo Tower"),
    ]
    x0, y0, x1, y1 = drawn.map_box
    assert all(x0 < p.x < x1 and y0 < p.y < y1 for p in drawn.pins)
    assert drawn.pins[0].x < drawn.pins[1].x < drawn.pins[2].x, "west to east: Paris, Rome, Tokyo"
    with Image.open(path) as im:
        im = im.convert("RGB")
        assert im.size == (drawn.width, drawn.height)
        assert all(near(badge_colour(im, p.head), INKS[0]) for p in drawn.pins), "a red pin on every place"
        # Off the pins, the page shows the sea or land, not pins.
        assert not near(im.getpixel((x0 + 40, (y0 + y1) // 2)), INKS[0])


async def test_map_channel_has_everyones_trips_there_and_no_other_channels(make_core) -> None:
    clock = FakeClock(wall=T0)
    core = await make_core(clock=clock)
    for user, channel in ((ANA, ROOM), (BEN, ROOM), (CARA, ELSEWHERE)):
        await say(core, user, "/help", channel)  # the bot has seen them (display names)
    await trip(core, clock, ANA, "eiffel_tower")
    await trip(core, clock, BEN, "big_ben")
    await trip(core, clock, ANA, "colosseum")
    await trip(core, clock, CARA, "sydney_opera_house", ELSEWHERE)
    await trip(core, clock, ANA, "tokyo_tower", ELSEWHERE)

    mine = await say(core, BEN, "/map")
    assert mine.images and "1 place." in mine.images[0][1]
    out = await say(core, ANA, "/map channel")
    assert len(out.images) == 1
    assert "2 travellers, 3 trips" in out.images[0][1], out.images[0][1]
    other = await say(core, CARA, "/地图 频道", ELSEWHERE)
    assert "2 位旅行者，2 次旅行" in other.images[0][1], "typed in Chinese, answered in Chinese"

    # Colours per traveller: Ana's pins in the first ink, Ben's in the second, in a zoomed European map.
    stops = [
        MapStop(48.8584, 2.2945, "Eiffel Tower", T0 + timedelta(days=1), "Ana"),
        MapStop(51.5007, -0.1246, "Big Ben", T0 + timedelta(days=2), "Ben"),
        MapStop(41.8902, 12.4922, "Colosseum", T0 + timedelta(days=3), "Ana"),
    ]
    catalogue = Catalogue.load()
    for stop, lid in zip(stops, ("eiffel_tower", "big_ben", "colosseum"), strict=True):
        lm = catalogue.get(lid)
        assert (round(lm.lat, 3), round(lm.lon, 3)) == (round(stop.lat, 3), round(stop.lon, 3))
    with Image.open(out.images[0][0]) as im:
        im = im.convert("RGB")
        drawn = render_travel_map(
            stops, title="x", subtitle="y", lang="en", out_path=Path(out.images[0][0]).with_name("x.jpg")
        )
        assert drawn.view == "region" and drawn.travellers == ("Ana", "Ben")
        inks = [badge_colour(im, p.head) for p in drawn.pins]
        assert near(inks[0], INKS[0]) and near(inks[1], INKS[1]) and near(inks[2], INKS[0]), inks


async def test_an_empty_journal_gets_a_friendly_hint(make_core) -> None:
    core = await make_core()
    out = await say(core, ANA, "/map")
    assert not out.images and "/adventure" in out.text and "map" in out.text.lower()
    out = await say(core, ANA, "/map channel")
    assert not out.images and "/adventure" in out.text and "channel" in out.text
    zh = await say(core, LI, "/地图")
    assert not zh.images and "旅行" in zh.text and "/adventure" in zh.text
    bad = await say(core, ANA, "/map everywhere")
    assert not bad.images and "everywhere" in bad.text


async def test_chinese_labels_use_a_cjk_font(make_core, tmp_path: Path) -> None:
    clock = FakeClock(wall=T0)
    core = await make_core(clock=clock)
    await say(core, LI, "/help")
    for lid in ("forbidden_city", "oriental_pearl", "great_wall"):
        await trip(core, clock, LI, lid)
    out = await say(core, LI, "/map")
    path, caption = out.images[0]
    assert "3 个地方" in caption
    catalogue = Catalogue.load()
    recs = list(reversed(await core.memory.adventures.list(LI.key)))
    stops = [
        MapStop(
            catalogue.get(r.landmark_id).lat,
            catalogue.get(r.landmark_id).lon,
            catalogue.get(r.landmark_id).name("zh"),
            r.at,
        )
        for r in recs
    ]
    subtitle = f"3 次旅行 · 3 个地方 · {date_span(recs[0].at, recs[-1].at, 'zh')}"
    drawn = expected(stops, t("map_title_me", "zh", name="Li"), subtitle, "zh", tmp_path)
    assert sha(path) == drawn.sha256
    assert [p.label for p in drawn.pins] == ["故宫", "东方明珠", "长城"]
    assert drawn.view == "region", "three places in China: zoomed in"
    for pin in drawn.pins:
        assert covers(font_for(pin.label, 19, lang="zh"), pin.label), "no tofu: a CJK font draws the label"
    with Image.open(path) as im:
        im = im.convert("L")
        labelled = [p for p in drawn.pins if p.label_box]
        assert labelled, "at least one label fits beside its pin"
        for pin in labelled:
            ink = [v for v in im.crop(pin.label_box).getdata() if v < 110]
            assert len(ink) > 20, f"the label {pin.label} is drawn"


async def test_same_trips_same_map_bytes_and_unknown_places_are_skipped(make_core) -> None:
    clock = FakeClock(wall=T0)
    core = await make_core(clock=clock)
    await say(core, ANA, "/help")
    for lid in ("statue_of_liberty", "golden_gate", "geo:0", "machu_picchu", "christ_the_redeemer"):
        await trip(core, clock, ANA, lid)  # geo:0 is a place no catalogue knows: left off the map
    a, b = await say(core, ANA, "/map me"), await say(core, ANA, "/map")
    (pa, caption), (pb, _) = a.images[0], b.images[0]
    assert pa != pb and sha(pa) == sha(pb)
    assert "4 places" in caption


async def test_a_trip_to_any_town_gets_its_pin(make_core, tmp_path: Path) -> None:
    from generators.gazetteer import Gazetteer, PlaceResolver

    clock = FakeClock(wall=T0)
    core = await make_core(clock=clock)
    await say(core, ANA, "/help")
    for lid in ("tokyo_tower", KYOTO, "eiffel_tower"):
        await trip(core, clock, ANA, lid)  # Kyoto comes from the gazetteer, not the catalogue
    out = await say(core, ANA, "/map")
    path, caption = out.images[0]
    assert "3 places" in caption

    places = PlaceResolver(Catalogue.load(), Gazetteer.default())
    recs = list(reversed(await core.memory.adventures.list(ANA.key)))
    stops = []
    for rec in recs:
        lm = places.get(rec.landmark_id)
        stops.append(MapStop(lm.lat, lm.lon, lm.name("en"), rec.at))
    subtitle = f"3 trips · 3 places · {date_span(recs[0].at, recs[-1].at, 'en')}"
    drawn = expected(stops, t("map_title_me", "en", name="Ana"), subtitle, "en", tmp_path)
    assert sha(path) == drawn.sha256, "the core sends the renderer's map, Kyoto included"
    assert [(p.number, p.label) for p in drawn.pins] == [
        (1, "Tokyo Tower"),
        (2, "Kyoto"),
        (3, "Eiffel Tower"),
    ]
    tokyo, kyoto, _ = drawn.pins
    assert kyoto.x < tokyo.x, "Kyoto is west of Tokyo"


async def test_passport_page_has_a_map_button_and_forget_deletes_the_map(make_core) -> None:
    clock = FakeClock(wall=T0)
    core = await make_core(clock=clock)
    dm = Channel("web", "dm-ana", ChannelKind.DIRECT)
    await say(core, ANA, "/help", dm)
    await trip(core, clock, ANA, "taj_mahal", dm)
    passport = await say(core, ANA, "/passport", dm)
    actions = [b.action for b in passport.buttons[-1]]
    assert actions == ["map:me"]
    pressed = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, dm, ""), actions[0], pressed)
    assert len(pressed.images) == 1
    map_path = pressed.images[0][0]
    assert map_path.is_file()
    await say(core, ANA, "/forget", dm)
    done = await say(core, ANA, "yes", dm)
    assert "forgotten" in done.text.lower()
    assert not map_path.exists(), "/forget removes the person's maps"


def test_map_scope_words_parse() -> None:
    from bot.core.registry import Registry
    from bot.core.travel_map import TravelMaps

    reg = Registry(TravelMaps(None, lambda _id: None, Path("/tmp")).commands())  # type: ignore[arg-type]
    for typed, scope in (
        ("/map", None),
        ("/map channel", "channel"),
        ("/地图 频道", "channel"),
        ("/map server", "channel"),
        ("/map me", "me"),
    ):
        command = reg.parse(typed)
        assert command is not None and command.options.get("scope") == scope, typed


# ---------------------------------------------------------------- the renderer alone
def _stops(ids: list[str], lang: str = "en") -> list[MapStop]:
    catalogue = Catalogue.load()
    return [
        MapStop(
            catalogue.get(i).lat, catalogue.get(i).lon, catalogue.get(i).name(lang), T0 + timedelta(days=n)
        )
        for n, i in enumerate(ids)
    ]


def test_clustered_trips_zoom_to_their_region_and_labels_do_not_overlap(tmp_path: Path) -> None:
    europe = ["eiffel_tower", "colosseum", "big_ben", "sagrada_familia", "brandenburg_gate", "acropolis"]
    drawn = render_travel_map(
        _stops(europe), title="Europe", subtitle="", lang="en", out_path=tmp_path / "e.png"
    )
    assert drawn.view == "region" and len(drawn.pins) == 6
    boxes = [p.label_box for p in drawn.pins if p.label_box]
    assert len(boxes) == 6, "six places in Europe all get their names"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # Zoomed in: the pins spread over the map, not squeezed into a corner of a world map.
    xs = [p.x for p in drawn.pins]
    assert max(xs) - min(xs) > (drawn.map_box[2] - drawn.map_box[0]) * 0.3
    world = render_travel_map(
        _stops(europe + ["sydney_opera_house"]),
        title="W",
        subtitle="",
        lang="en",
        out_path=tmp_path / "w.png",
    )
    assert world.view == "world"
    with Image.open(tmp_path / "e.png") as im:
        assert im.format == "PNG"


def test_thirty_stops_render_with_pin_heads_apart(tmp_path: Path) -> None:
    ids = [lm.id for lm in Catalogue.load().all()[:30]]
    drawn = render_travel_map(_stops(ids), title="All", subtitle="", lang="en", out_path=tmp_path / "a.jpg")
    assert [p.number for p in drawn.pins] == list(range(1, 31))
    heads = [p.head for p in drawn.pins]
    close = [
        (a, b)
        for i, a in enumerate(heads)
        for b in heads[i + 1 :]
        if (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 < (1.6 * PIN_R) ** 2
    ]
    assert not close, "pin heads are pushed apart so every number can be read"


def test_a_leg_across_the_pacific_leaves_by_one_edge_and_returns_by_the_other(tmp_path: Path) -> None:
    drawn = render_travel_map(
        _stops(["tokyo_tower", "golden_gate"]), title="P", subtitle="", lang="en", out_path=tmp_path / "p.png"
    )
    assert drawn.view == "world"
    route = tuple(int(c * 0.8) for c in INKS[0])
    x0, y0, x1, y1 = drawn.map_box
    tokyo, golden_gate = drawn.pins

    def dashes(left: int, right: int) -> int:
        with Image.open(drawn.path) as im:
            band = im.convert("RGB").crop((left, y0, right, int(tokyo.y) + 40))
            return sum(near(px, route, 24) for px in band.getdata())

    assert dashes(int(tokyo.x) + 20, x1) > 20, "from Tokyo east to the right edge"
    assert dashes(x0, int(golden_gate.x) - 20) > 20, "and in from the left edge to San Francisco"
    assert dashes(int(golden_gate.x) + 60, int(tokyo.x) - 60) == 0, "not back across the Atlantic and Asia"
