"""The offline illustrated renderer: every landmark draws, deterministically, with honest geometry."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from generators.images.illustrated import IllustratedRenderer
from generators.images.scene import Scene
from generators.images.shapes import REGISTRY, Signature
from generators.images.sky import season_for
from generators.landmarks import Catalogue

IDS = (
    "eiffel_tower colosseum big_ben sagrada_familia brandenburg_gate acropolis saint_basils neuschwanstein "
    "santorini leaning_tower_pisa matterhorn amsterdam_canals great_wall forbidden_city oriental_pearl "
    "mount_fuji tokyo_tower taj_mahal angkor_wat petronas_towers marina_bay_sands burj_khalifa gyeongbokgung "
    "potala_palace giza_pyramids petra table_mountain kilimanjaro victoria_falls hassan_ii_mosque "
    "statue_of_liberty golden_gate grand_canyon niagara_falls cn_tower chichen_itza christ_the_redeemer "
    "machu_picchu iguazu_falls moai_easter_island sydney_opera_house uluru milford_sound hagia_sophia"
).split()
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


class AtTime:
    """A real landmark whose local time of day is pinned (everything else is the real object's)."""

    def __init__(self, landmark: Any, tod: str) -> None:
        self._lm = landmark
        self._tod = tod

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lm, name)

    def time_of_day(self, now_utc: datetime) -> str:
        return self._tod


@dataclass
class StandIn:
    """A minimal duck-typed landmark, as the renderer's contract allows."""

    id: str = "somewhere"
    lat: float = 48.0
    shapes: tuple[str, ...] = ("no_such_shape", "palms", "hills")
    palette: dict = field(default_factory=dict)
    tod: str = "day"

    def local_time(self, now_utc: datetime) -> datetime:
        return now_utc

    def time_of_day(self, now_utc: datetime) -> str:
        return self.tod


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def renderer() -> IllustratedRenderer:
    return IllustratedRenderer.from_pretrained()


def luminance(out: Scene) -> float:
    a = np.asarray(out.image, dtype=np.float32)
    return float((a @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).mean())


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def check_geometry(out: Scene, size: tuple[int, int]) -> None:
    w, h = size
    assert out.image.size == size and out.image.mode == "RGB"
    x0, y0, x1, y1 = out.landmark_box
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    assert (x1 - x0) >= 0.05 * w and (y1 - y0) >= 0.1 * h, out.landmark_box
    assert (x1 - x0) * (y1 - y0) >= 0.03 * w * h, out.landmark_box
    assert h * 0.5 < out.ground_y < h and y1 <= out.ground_y
    assert out.free_zones
    for zone in out.free_zones:
        zw, zh = zone[2] - zone[0], zone[3] - zone[1]
        assert zw >= 0.1 * w and zone[1] < out.ground_y <= zone[3]
        assert overlap(zone, out.landmark_box) <= 0.02 * zw * zh


def test_catalogue_shapes_all_have_signature_drawings(catalogue: Catalogue) -> None:
    assert set(IDS) <= set(REGISTRY)
    assert {lm.shapes[0] for lm in catalogue.all()} <= set(REGISTRY)


@pytest.mark.parametrize("landmark_id", IDS)
def test_every_landmark_renders_at_every_time_of_day(
    landmark_id: str, catalogue: Catalogue, renderer: IllustratedRenderer
) -> None:
    lm = catalogue.get(landmark_id)
    assert lm is not None
    lum = {}
    for tod in ("dawn", "day", "dusk", "night"):
        out = renderer(AtTime(lm, tod), now_utc=NOW, seed=3, size=(192, 192))
        check_geometry(out, (192, 192))
        assert out.time_of_day == tod and out.light.is_night == (tod == "night")
        assert out.renderer == "illustrated"
        lum[tod] = luminance(out)
    assert lum["night"] < lum["day"] * 0.7


def test_real_clock_path_uses_the_landmarks_local_time(
    catalogue: Catalogue, renderer: IllustratedRenderer
) -> None:
    lm = catalogue.get("sydney_opera_house")
    when = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # midday in Sydney, southern winter
    out = renderer(lm, now_utc=when, seed=1, size=(160, 160))
    assert out.time_of_day == lm.time_of_day(when) == "day"
    assert out.season == "winter"
    night = renderer(lm, now_utc=datetime(2026, 7, 1, 14, 0, tzinfo=UTC), seed=1, size=(160, 160))
    assert night.time_of_day == "night" and luminance(night) < luminance(out)


def test_same_seed_same_bytes_and_different_seeds_differ(
    catalogue: Catalogue, renderer: IllustratedRenderer
) -> None:
    for landmark_id in ("eiffel_tower", "uluru", "santorini"):
        lm = catalogue.get(landmark_id)
        a = renderer(lm, now_utc=NOW, seed=42, size=(200, 160))
        b = IllustratedRenderer()(lm, now_utc=NOW, seed=42, size=(200, 160))
        c = renderer(lm, now_utc=NOW, seed=43, size=(200, 160))
        assert a.image.tobytes() == b.image.tobytes() and a.landmark_box == b.landmark_box
        assert a.image.tobytes() != c.image.tobytes()


@pytest.mark.parametrize("size", [(256, 320), (270, 480), (480, 270), (1024 // 4, 1024 // 4)])
def test_other_aspect_ratios_keep_the_landmark_in_frame(
    size: tuple[int, int], catalogue: Catalogue, renderer: IllustratedRenderer
) -> None:
    for landmark_id in ("burj_khalifa", "giza_pyramids", "christ_the_redeemer", "golden_gate"):
        for seed in range(3):
            out = renderer(catalogue.get(landmark_id), now_utc=NOW, seed=seed, size=size)
            check_geometry(out, size)


def test_landmark_box_matches_the_drawn_pixels(
    catalogue: Catalogue, renderer: IllustratedRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same scene with and without the landmark drawn: the changed pixels fill landmark_box edge to edge.
    real = catalogue.get("cn_tower")
    monkeypatch.setitem(REGISTRY, "blank", Signature(lambda p: None, REGISTRY["cn_tower"].aspect))
    lm = AtTime(real, "day")
    out = renderer(lm, now_utc=NOW, seed=5, size=(256, 256))
    blank = AtTime(real, "day")
    blank.shapes = ("blank", *real.shapes[1:])
    empty = renderer(blank, now_utc=NOW, seed=5, size=(256, 256))
    diff = np.abs(np.asarray(out.image, np.int16) - np.asarray(empty.image, np.int16)).sum(axis=-1) > 60
    x0, y0, x1, y1 = out.landmark_box
    inside = diff[y0:y1, x0:x1]
    assert inside.any()
    ys, xs = np.nonzero(inside)
    assert ys.min() <= 3 and xs.min() <= 3 and xs.max() >= (x1 - x0) - 4 and ys.max() >= (y1 - y0) - 4
    outside = diff.copy()
    outside[y0:y1, x0:x1] = False
    assert not outside.any()


def test_unknown_shape_falls_back_to_a_generic_drawing_with_a_warning(
    renderer: IllustratedRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="generators.images.illustrated"):
        out = renderer(StandIn(), now_utc=NOW, seed=1, size=(200, 200))
    check_geometry(out, (200, 200))
    assert any("no_such_shape" in r.getMessage() for r in caplog.records)
    bare = renderer(
        StandIn(shapes=(), palette={"landmark": "not-a-colour"}), now_utc=NOW, seed=1, size=(64, 64)
    )
    assert bare.image.size == (64, 64)


def test_seasons_follow_hemisphere_and_weather_stays_plausible(
    catalogue: Catalogue, renderer: IllustratedRenderer
) -> None:
    july = datetime(2026, 7, 10, 12)
    assert season_for(july, 48.8) == "summer"
    assert season_for(july, -33.9) == "winter"
    assert season_for(july, 3.1) == "summer" and season_for(july, -13.2) == "winter"
    assert (
        season_for(datetime(2026, 10, 1), 51.5) == "autumn"
        and season_for(datetime(2026, 10, 1), -41) == "spring"
    )
    tropical = AtTime(catalogue.get("petronas_towers"), "day")
    alpine = AtTime(catalogue.get("matterhorn"), "day")
    seen_tropical = {renderer(tropical, now_utc=NOW, seed=s, size=(32, 32)).weather for s in range(40)}
    seen_alpine = {renderer(alpine, now_utc=NOW, seed=s, size=(32, 32)).weather for s in range(40)}
    assert "snow" not in seen_tropical and {"clear", "clouds"} <= seen_tropical
    assert "snow" in seen_alpine


def test_light_follows_time_of_day(catalogue: Catalogue, renderer: IllustratedRenderer) -> None:
    lm = catalogue.get("taj_mahal")
    dawn = renderer(AtTime(lm, "dawn"), now_utc=NOW, seed=2, size=(64, 64)).light
    dusk = renderer(AtTime(lm, "dusk"), now_utc=NOW, seed=2, size=(64, 64)).light
    night = renderer(AtTime(lm, "night"), now_utc=NOW, seed=2, size=(64, 64)).light
    assert dawn.direction < 0 < dusk.direction
    assert night.is_night and not dawn.is_night and night.brightness < dusk.brightness


def test_styles_and_supersampling(catalogue: Catalogue, renderer: IllustratedRenderer) -> None:
    lm = catalogue.get("acropolis")
    base = renderer(lm, now_utc=NOW, seed=9, size=(128, 128))
    noir = renderer(lm, now_utc=NOW, seed=9, size=(128, 128), style="noir")
    odd = renderer(lm, now_utc=NOW, seed=9, size=(128, 128), style="no-such-style")
    arr = np.asarray(noir.image, np.int16)
    assert (arr[..., 0] == arr[..., 1]).all() and not (
        np.asarray(base.image)[..., 0] == np.asarray(base.image)[..., 1]
    ).all()
    assert odd.image.tobytes() == base.image.tobytes()
    smooth = IllustratedRenderer(supersample=2)(lm, now_utc=NOW, seed=9, size=(128, 128))
    assert smooth.image.size == (128, 128)
    check_geometry(smooth, (128, 128))
    assert abs(smooth.landmark_box[0] - base.landmark_box[0]) <= 2


def test_too_small_or_too_large_sizes_are_refused(renderer: IllustratedRenderer) -> None:
    with pytest.raises(ValueError, match="too small"):
        renderer(StandIn(), now_utc=NOW, seed=1, size=(8, 8))
    with pytest.raises(ValueError, match="too large"):
        IllustratedRenderer(supersample=4)(StandIn(), now_utc=NOW, seed=1, size=(2048, 2048))


def test_tiny_and_odd_sizes_never_crash(catalogue: Catalogue, renderer: IllustratedRenderer) -> None:
    for lm in catalogue.all():
        for size, tod in (((16, 16), "night"), ((17, 29), "day"), ((41, 23), "dusk")):
            out = renderer(AtTime(lm, tod), now_utc=NOW, seed=len(lm.id), size=size)
            assert out.image.size == size
            x0, y0, x1, y1 = out.landmark_box
            assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
