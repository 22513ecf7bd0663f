"""The diffusers scene path on a tiny random-weight Stable Diffusion saved to disk and loaded back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generators.images.diffusion import (
    DiffusionLoadError,
    DiffusionScenePipeline,
    estimate_landmark_box,
    estimate_light,
    round_size,
)
from tests.tiny_diffusers import StandInLandmark, save_tiny_pipeline

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return save_tiny_pipeline(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(scope="module")
def pipe(tiny_dir: Path) -> DiffusionScenePipeline:
    return DiffusionScenePipeline.from_pretrained(str(tiny_dir))


def test_loads_through_autopipeline_and_shares_weights(tiny_dir: Path, pipe: DiffusionScenePipeline) -> None:
    assert (tiny_dir / "model_index.json").is_file()
    assert type(pipe.text2img).__name__ == "StableDiffusionPipeline"
    assert type(pipe.img2img).__name__ == "StableDiffusionImg2ImgPipeline"
    assert pipe.img2img.unet is pipe.text2img.unet and pipe.img2img.vae is pipe.text2img.vae
    assert pipe.has_safety_checker is False


def _pixels(im: Image.Image) -> np.ndarray:
    return np.asarray(im, dtype=np.int16)


def test_seeded_scene_is_reproducible_and_sized(pipe: DiffusionScenePipeline) -> None:
    lm = StandInLandmark(tod="dusk")
    a = pipe(lm, now_utc=NOW, seed=7, size=(60, 44), steps=2)
    b = pipe(lm, now_utc=NOW, seed=7, size=(60, 44), steps=2)
    c = pipe(lm, now_utc=NOW, seed=8, size=(60, 44), steps=2)
    assert a.image.size == (64, 48) and a.image.mode == "RGB"
    assert np.array_equal(_pixels(a.image), _pixels(b.image))
    assert np.abs(_pixels(a.image) - _pixels(c.image)).sum() > 0
    assert a.renderer == "diffusers" and a.time_of_day == "dusk" and a.weather == "as prompted"
    assert "Eiffel Tower" in a.prompt and "dusk" in a.prompt
    x0, y0, x1, y1 = a.landmark_box
    assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= a.ground_y <= 48
    assert 0.0 <= a.light.brightness <= 1.0 and -1.0 <= a.light.direction <= 1.0
    for z in a.free_zones:
        assert z[2] <= x0 or z[0] >= x1


def test_harmonise_changes_pixels_but_keeps_size(pipe: DiffusionScenePipeline) -> None:
    src = Image.new("RGB", (70, 50), (90, 140, 200))
    ImageDraw.Draw(src).rectangle((20, 10, 40, 45), fill=(220, 60, 40))
    out = pipe.harmonise(src, seed=3, strength=0.3, steps=2, prompt="a tower at dusk")
    again = pipe.harmonise(src, seed=3, strength=0.3, steps=2, prompt="a tower at dusk")
    assert out.size == (70, 50)
    assert np.abs(_pixels(out) - _pixels(src)).mean() > 1.0
    assert np.array_equal(_pixels(out), _pixels(again))


def test_build_prompt_has_description_time_and_style(pipe: DiffusionScenePipeline) -> None:
    lm = StandInLandmark(description="Tokyo Tower, a red and white lattice tower.")
    night, neg = pipe.build_prompt(lm, time_of_day="night", style="watercolor", caption_style="pirate")
    day, _ = pipe.build_prompt(lm, time_of_day="day", style=None, caption_style="")
    assert "Tokyo Tower, a red and white lattice tower" in night
    assert "night" in night and "night" not in day and "daylight" in day
    assert "watercolor" in night and "watercolor" not in day
    assert "pirate" in night
    assert "watermark" in neg and "text" in neg


def test_load_failure_raises_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(DiffusionLoadError) as info:
        DiffusionScenePipeline.from_pretrained(str(missing))
    assert str(missing) in str(info.value) and info.value.reason
    assert "did not load" in str(info.value) and info.value.reason == "no such directory"
    (tmp_path / "empty").mkdir()
    with pytest.raises(DiffusionLoadError, match="model_index.json"):
        DiffusionScenePipeline.from_pretrained(str(tmp_path / "empty"))


def test_load_failure_inside_diffusers_is_wrapped(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_index.json").write_text(
        '{"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]}'
    )
    with pytest.raises(DiffusionLoadError) as info:
        DiffusionScenePipeline.from_pretrained(str(broken))
    assert info.value.reason and info.value.model == str(broken)


def test_round_size_uses_the_vae_multiple() -> None:
    assert round_size((1000, 1777), 8) == (1000, 1776)
    assert round_size(3, 8) == (8, 8)


def test_estimates_from_pixels() -> None:
    img = Image.new("RGB", (128, 128), (40, 50, 110))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 100, 128, 128), fill=(30, 60, 30))
    d.polygon([(80, 15), (64, 100), (96, 100)], fill=(250, 230, 120))
    box = estimate_landmark_box(img, 100)
    assert box[0] <= 70 and box[2] >= 90 and box[3] == 100
    dark = estimate_light(img, "night")
    bright = estimate_light(Image.new("RGB", (64, 64), (250, 240, 220)), "day")
    assert dark.is_night and not bright.is_night and bright.brightness > dark.brightness
    lit_right = Image.new("RGB", (64, 64), (20, 20, 20))
    ImageDraw.Draw(lit_right).rectangle((40, 0, 64, 64), fill=(250, 250, 250))
    assert estimate_light(lit_right, "day").direction > 0.3


def test_generic_place_prompt_names_place_scenery_season_and_local_hour(pipe: DiffusionScenePipeline) -> None:
    from tests.generic_places import CITIES, at_local, city

    rows = {row[1]: row for row in CITIES}
    kyoto, queenstown, zermatt, male = (city(rows[n]) for n in ("Kyoto", "Queenstown", "Zermatt", "Malé"))
    night, neg = pipe.build_prompt(kyoto, time_of_day="night", style=None, now_utc=at_local(kyoto, 1, 23, 30))
    assert night.startswith("a view of Kyoto, Japan, Asia, at night")
    assert (
        "late at night local time, in winter, bare trees" in night and "historic old town, cobbled" in night
    )
    assert "streets of Kyoto" not in night, "the scenery words replace the one-line description"
    assert neg and "text" in neg
    # July is winter south of the equator (snow in the mountains), summer in the Alps, and no season
    # words in the tropics.
    nz, _ = pipe.build_prompt(queenstown, time_of_day="day", now_utc=at_local(queenstown, 7, 13))
    ch, _ = pipe.build_prompt(zermatt, time_of_day="day", now_utc=at_local(zermatt, 7, 13))
    mv, _ = pipe.build_prompt(male, time_of_day="dusk", now_utc=at_local(male, 7, 18, 30))
    assert "New Zealand, Oceania" in nz and "mountain village" in nz and "snow on the roofs" in nz
    assert "midday local time" in nz
    assert "in summer" in ch and "snow on the roofs" not in ch
    assert "tropical island, white sand beach" in mv and "tropical climate" in mv
    assert "winter" not in mv and "summer" not in mv and "at dusk" in mv and "evening local time" in mv
    # Without a clock the prompt still names the place and the time of day.
    plain, _ = pipe.build_prompt(zermatt, time_of_day="dawn")
    assert "Zermatt, Switzerland, Europe" in plain and "at dawn" in plain and "local time" not in plain


def test_generic_place_renders_through_the_tiny_diffusers_studio(tmp_path: Path) -> None:
    from generators.images.cartoon import CartoonAvatarGenerator
    from tests.generic_places import CITIES, at_local, city
    from tests.tiny_diffusers import tiny_studio

    bergen = city(next(row for row in CITIES if row[1] == "Bergen"))
    studio = tiny_studio(diffusers=True, size=64)
    when = at_local(bergen, 12, 16)
    scene = studio.scenes.renderer(bergen, now_utc=when, seed=3, size=(64, 64))
    assert scene.renderer == "diffusers" and "Bergen, Norway, Europe" in scene.prompt
    assert "harbour town" in scene.prompt and "in winter" in scene.prompt
    avatar = CartoonAvatarGenerator()("curly black hair", seed=2).image
    card = studio.postcard(
        bergen, [avatar], now_utc=when, seed=3, fmt="1:1", lang="en", out_path=tmp_path / "b.jpg"
    )
    again = studio.postcard(
        bergen, [avatar], now_utc=when, seed=3, fmt="1:1", lang="en", out_path=tmp_path / "c.jpg"
    )
    assert card.path_used == "diffusers" and card.path.is_file() and card.size_bytes > 1000
    assert card.sha256 == again.sha256
    assert len(card.avatar_boxes) == 1
