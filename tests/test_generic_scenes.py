"""Drawn scenes for places without a signature drawing (shapes == ("generic", KIND)) on the real renderer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from generators.images.cartoon import CartoonAvatarGenerator
from generators.images.generic import KINDS, kind_of
from generators.images.illustrated import IllustratedRenderer
from generators.images.postcard import make_postcard
from generators.images.scenes import SceneMaker
from generators.images.shapes.pen import LIT_WINDOW
from tests.generic_places import CITIES, at_local, city, generic_place

SIZE = (192, 192)
TIMES = ("dawn", "day", "dusk", "night")


class AtTime:
    """A real place whose local time of day is pinned (everything else is the real record's)."""

    def __init__(self, place: Any, tod: str) -> None:
        self._place = place
        self._tod = tod

    def __getattr__(self, name: str) -> Any:
        return getattr(self._place, name)

    def time_of_day(self, now_utc: datetime) -> str:
        return self._tod


def _arr(im) -> np.ndarray:
    return np.asarray(im.convert("RGB"), dtype=np.int16)


def _clear_seed(place: Any, when: datetime, tod: str) -> int:
    """The first seed whose weather is clear (stars and shadows are easiest to see)."""
    r = IllustratedRenderer()
    for seed in range(40):
        if r(AtTime(place, tod), now_utc=when, seed=seed, size=(32, 32)).weather == "clear":
            return seed
    raise AssertionError("no clear-weather seed in 40")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_at_every_time_of_day_with_layers_and_room(kind: str) -> None:
    place = generic_place(kind, geonameid=100 + KINDS.index(kind))
    when = at_local(place, 6, 12)
    for tod in TIMES:
        scene = IllustratedRenderer()(AtTime(place, tod), now_utc=when, seed=3, size=SIZE)
        assert scene.image.size == SIZE and scene.time_of_day == tod and scene.renderer == "illustrated"
        assert list(scene.depth) == ["sky", "far", "mid", "near"]
        assert all(layer.size == SIZE for layer in scene.depth.values())
        x0, y0, x1, y1 = scene.landmark_box
        assert 0 <= x0 < x1 <= SIZE[0] and 0 <= y0 < y1 <= SIZE[1]
        assert y1 - y0 > SIZE[1] * 0.08, "the focal group has height"
        assert scene.free_zones, "room beside the focal group for the avatars"
        assert scene.landmark_box[3] <= scene.ground_y + SIZE[1] * 0.12
        # The mid layer (town, ground) covers the lower frame; the sky shows above the buildings.
        alpha = np.asarray(scene.depth["mid"].getchannel("A"))
        assert alpha[scene.ground_y :].min() == 255
        assert (alpha[: SIZE[1] // 10] > 0).mean() < 0.2


def test_an_unknown_kind_draws_an_old_town_and_drawn_landmarks_have_no_layers() -> None:
    assert kind_of(("generic", "moon_base")) == "old_town"
    assert kind_of(("generic",)) == "old_town"
    assert kind_of(("eiffel_tower",)) is None and kind_of(()) is None
    odd = generic_place("moon_base", geonameid=77)
    town = generic_place("old_town", geonameid=77)
    when = at_local(town, 3, 12)
    a = IllustratedRenderer()(odd, now_utc=when, seed=1, size=SIZE)
    b = IllustratedRenderer()(town, now_utc=when, seed=1, size=SIZE)
    assert np.array_equal(_arr(a.image), _arr(b.image))

    from generators.landmarks import Catalogue

    drawn = IllustratedRenderer()(Catalogue.load().get("eiffel_tower"), now_utc=when, seed=1, size=SIZE)
    assert drawn.depth == {}


@pytest.mark.parametrize("kind", KINDS)
def test_same_place_and_seed_give_the_same_bytes_and_other_places_differ(kind: str) -> None:
    r = IllustratedRenderer()
    places = [generic_place(kind, geonameid=1000 + k, name=f"Town{k}") for k in range(3)]
    when = at_local(places[0], 6, 12)
    shots = [r(AtTime(p, "day"), now_utc=when, seed=5, size=SIZE) for p in places]
    again = r(AtTime(places[0], "day"), now_utc=when, seed=5, size=SIZE)
    assert np.array_equal(_arr(shots[0].image), _arr(again.image))
    # Compare the town layers (the sky depends on the scene seed, which is the same here).
    mids = [_arr(s.depth["mid"]) for s in shots]
    for i in range(3):
        for j in range(i + 1, 3):
            diff = np.abs(mids[i] - mids[j]).mean()
            assert diff > 6, f"{kind}: places {i} and {j} look alike (mean diff {diff:.1f})"


@pytest.mark.parametrize("kind", ["old_town", "harbour", "desert_city", "mountain_village", "megacity"])
def test_night_lights_windows_and_day_does_not(kind: str) -> None:
    place = generic_place(kind, geonameid=300 + KINDS.index(kind))
    when = at_local(place, 6, 12)
    lit = {}
    for tod in ("day", "night"):
        scene = IllustratedRenderer()(AtTime(place, tod), now_utc=when, seed=2, size=(384, 384))
        rgb = np.asarray(scene.depth["mid"].convert("RGB"))
        lit[tod] = int(np.all(rgb == LIT_WINDOW, axis=-1).sum())
    assert lit["day"] == 0
    assert lit["night"] > 150, f"{kind}: only {lit['night']} lit window pixels at night"


@pytest.mark.parametrize("kind", KINDS)
def test_stars_at_night_and_a_bright_sky_by_day(kind: str) -> None:
    place = generic_place(kind, geonameid=400 + KINDS.index(kind))
    when = at_local(place, 6, 12)
    seed = _clear_seed(place, when, "night")
    night = IllustratedRenderer()(AtTime(place, "night"), now_utc=when, seed=seed, size=(384, 384))
    day = IllustratedRenderer()(AtTime(place, "day"), now_utc=when, seed=seed, size=(384, 384))
    top = slice(0, 384 // 4)
    n_luma = _arr(night.depth["sky"])[top].mean(axis=-1)
    d_luma = _arr(day.depth["sky"])[top].mean(axis=-1)
    assert np.median(n_luma) < 50 < np.median(d_luma)
    stars = (n_luma > np.median(n_luma) + 60).sum()
    assert stars > 20, f"{kind}: {stars} star pixels"
    # The scene as a whole is darker at night, but the lit town keeps it from going black.
    assert _arr(night.image).mean() < _arr(day.image).mean() * 0.7


def test_avatar_stands_on_the_ground_beside_the_focal_group(tmp_path: Path) -> None:
    avatar = CartoonAvatarGenerator()("short red hair, green jacket", seed=4).image
    maker = SceneMaker(IllustratedRenderer(), size=256)
    for kind in KINDS:
        place = generic_place(kind, geonameid=500 + KINDS.index(kind), name=f"{kind} town")
        when = at_local(place, 6, 21)
        scene = maker.renderer(place, now_utc=when, seed=9, size=(256, 256))
        card = maker(
            place, [avatar], now_utc=when, seed=9, fmt="1:1", lang="en", out_path=tmp_path / f"{kind}.jpg"
        )
        (box,) = card.avatar_boxes
        assert card.landmark_box == scene.landmark_box
        assert abs(box[3] - scene.ground_y) <= 256 * 0.05 or box[3] >= scene.ground_y, kind
        assert box[3] > scene.landmark_box[3] - 2, f"{kind}: feet below the town's base line"
        lb = scene.landmark_box
        beside = box[2] <= lb[0] or box[0] >= lb[2] or box[1] >= lb[3]
        assert beside, f"{kind}: avatar {box} covers the focal group {lb}"
        assert box[3] - box[1] >= 256 * 0.2, f"{kind}: avatar shrunk to {box}"


def test_postcard_names_the_real_place_and_its_country(tmp_path: Path) -> None:
    kyoto = city(CITIES[0])
    when = at_local(kyoto, 4, 10)
    scene = IllustratedRenderer()(kyoto, now_utc=when, seed=1, size=(512, 512))
    card = make_postcard(
        scene.image,
        landmark=kyoto,
        fmt="1:1",
        when_local=kyoto.local_time(when),
        lang="en",
        path_used="illustrated",
        out_path=tmp_path / "kyoto.jpg",
    )
    assert card.texts[0] == "京都"
    assert "Kyoto" in card.texts[1] and "Japan" in card.texts[2]


def test_forty_cities_render_and_each_differs_from_its_neighbour() -> None:
    r = IllustratedRenderer()
    prev = None
    tods = set()
    for k, row in enumerate(CITIES):
        place = city(row)
        scene = r(
            place, now_utc=at_local(place, 1 + 6 * (k % 2), (7, 12, 17, 22)[k % 4]), seed=k, size=(96, 96)
        )
        tods.add(scene.time_of_day)
        img = _arr(scene.image)
        if prev is not None:
            assert np.abs(img - prev).mean() > 8, row[1]
        prev = img
    assert tods >= {"day", "night"}


def test_supersampled_scene_keeps_layers_at_output_size() -> None:
    place = generic_place("harbour", geonameid=42)
    scene = IllustratedRenderer(supersample=2)(place, now_utc=at_local(place, 6, 12), seed=1, size=(96, 96))
    assert scene.image.size == (96, 96)
    assert {layer.size for layer in scene.depth.values()} == {(96, 96)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_place_keeps_its_layout_at_every_hour(kind: str) -> None:
    place = generic_place(kind, geonameid=600 + KINDS.index(kind))
    when = at_local(place, 6, 12)
    alpha = {}
    for tod in TIMES:
        scene = IllustratedRenderer()(AtTime(place, tod), now_utc=when, seed=8, size=SIZE)
        alpha[tod] = np.asarray(scene.depth["mid"].getchannel("A")) > 0
    assert np.array_equal(alpha["day"], alpha["dawn"]) and np.array_equal(alpha["day"], alpha["dusk"])
    # At night only lamps, glows and beams add to the outline.
    assert (alpha["day"] != alpha["night"]).mean() < 0.05


@pytest.mark.parametrize("kind", KINDS)
def test_tall_postcards_keep_room_for_avatars_and_finishing_styles_apply(kind: str) -> None:
    place = generic_place(kind, geonameid=800 + KINDS.index(kind))
    when = at_local(place, 6, 12)
    size = (144, 256)
    plain = IllustratedRenderer()(place, now_utc=when, seed=4, size=size)
    noir = IllustratedRenderer()(place, now_utc=when, seed=4, size=size, style="noir")
    assert plain.image.size == noir.image.size == size and plain.free_zones
    x0, y0, x1, y1 = plain.landmark_box
    assert x1 - x0 < size[0] * 0.75, "beside the focal group there is room to stand"
    assert y1 <= plain.ground_y
    rgb = _arr(noir.image)
    assert np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
    assert not np.array_equal(_arr(plain.image)[..., 0], _arr(plain.image)[..., 2])


@pytest.mark.parametrize("kind", KINDS)
def test_a_place_looks_the_same_at_every_size(kind: str) -> None:
    place = generic_place(kind, geonameid=900 + KINDS.index(kind))
    when = at_local(place, 6, 12)
    small = IllustratedRenderer()(place, now_utc=when, seed=2, size=(256, 256))
    large = IllustratedRenderer()(place, now_utc=when, seed=2, size=(512, 512))
    down = large.depth["mid"].resize((256, 256), Image.Resampling.BOX)
    a = np.asarray(small.depth["mid"].getchannel("A")) > 127
    b = np.asarray(down.getchannel("A")) > 127
    assert (a != b).mean() < 0.03, f"{kind}: the town's outline changed with the size"
