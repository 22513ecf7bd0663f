"""Avatars placed in scenes: geometry, shadows, light matching, determinism."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generators.images.composite import composite_avatars

W, H, GROUND = 640, 480, 400
LANDMARK = (250, 60, 390, GROUND)


@dataclass(frozen=True)
class Light:
    tint: tuple[int, int, int] = (255, 240, 220)
    brightness: float = 0.8
    direction: float = 0.5
    is_night: bool = False


NIGHT = Light(tint=(120, 140, 220), brightness=0.2, direction=-0.3, is_night=True)


def scene() -> Image.Image:
    im = Image.new("RGB", (W, H), (150, 190, 235))
    d = ImageDraw.Draw(im)
    d.rectangle((0, GROUND, W, H), fill=(120, 170, 100))
    d.polygon([(320, 60), (250, GROUND), (390, GROUND)], fill=(180, 60, 50))
    return im


def avatar(colour=(230, 200, 60), size=(200, 400)) -> Image.Image:
    im = Image.new("RGBA", (size[0] + 40, size[1] + 30), (0, 0, 0, 0))  # transparent padding is trimmed
    d = ImageDraw.Draw(im)
    d.ellipse((20 + size[0] * 0.25, 10, 20 + size[0] * 0.75, 10 + size[0] * 0.5), fill=colour + (255,))
    d.rectangle((20, 10 + size[0] * 0.5, 20 + size[0], 10 + size[1]), fill=colour + (255,))
    return im


def overlap(a, b) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def place(n: int, *, landmark=LANDMARK, light=Light(), zones=None, seed=1, ground=GROUND):
    return composite_avatars(
        scene(),
        [avatar() for _ in range(n)],
        landmark_box=landmark,
        ground_y=ground,
        light=light,
        free_zones=zones or [],
        seed=seed,
    )


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_geometry_for_one_to_four_avatars(n: int) -> None:
    out = place(n)
    assert out.image.size == (W, H) and len(out.avatar_boxes) == n
    for i, box in enumerate(out.avatar_boxes):
        assert 0 <= box[0] < box[2] <= W and 0 <= box[1] < box[3] <= H
        assert box[3] == GROUND  # feet on the ground line
        assert overlap(box, LANDMARK) <= 0.01 * (box[2] - box[0]) * (box[3] - box[1])
        for other in out.avatar_boxes[i + 1 :]:
            assert overlap(box, other) == 0
    heights = [b[3] - b[1] for b in out.avatar_boxes]
    if n == 1:
        assert 0.30 * H <= heights[0] <= 0.45 * H
    else:
        assert max(heights) < 0.40 * H


def test_scales_down_when_the_landmark_leaves_little_room() -> None:
    wide = (70, 40, 570, GROUND)
    out = place(3, landmark=wide)
    for box in out.avatar_boxes:
        assert overlap(box, wide) == 0 and 0 <= box[0] and box[2] <= W
    roomy = place(3)
    assert out.scale < roomy.scale


def test_landmark_filling_the_frame_pushes_avatars_below_it() -> None:
    full = (10, 20, 630, 300)
    out = place(2, landmark=full)
    for box in out.avatar_boxes:
        assert overlap(box, full) == 0 and box[3] <= H


def test_free_zones_choose_the_side() -> None:
    right_only = [(400, 200, W, H)]
    for seed in range(4):
        (box,) = place(1, zones=right_only, seed=seed).avatar_boxes
        assert box[0] >= LANDMARK[2]


def test_shadow_darkens_the_ground_under_the_feet() -> None:
    base = np.asarray(scene(), dtype=np.float32)
    out = place(1, light=Light(direction=0.0))
    img = np.asarray(out.image, dtype=np.float32)
    x0, _, x1, feet = out.avatar_boxes[0]
    below = (slice(feet + 1, feet + 5), slice(x0, x1))
    assert img[below].mean() < base[below].mean() - 10
    far = (slice(feet + 1, feet + 5), slice(0, 20))
    assert abs(img[far].mean() - base[far].mean()) < 1.0


def _avatar_mean(out) -> float:
    x0, y0, x1, y1 = out.avatar_boxes[0]
    inner = np.asarray(out.image.crop((x0 + 5, y0 + (y1 - y0) // 2, x1 - 5, y1 - 5)), dtype=np.float32)
    return float(inner.mean())


def test_night_darkens_and_tints_the_avatar() -> None:
    day, night = place(1, light=Light(tint=(255, 255, 255), brightness=0.9)), place(1, light=NIGHT)
    assert day.avatar_boxes == night.avatar_boxes
    assert _avatar_mean(night) < _avatar_mean(day) * 0.75
    x0, y0, x1, y1 = night.avatar_boxes[0]
    r, g, b = (
        np.asarray(night.image.crop((x0 + 5, (y0 + y1) // 2, x1 - 5, y1 - 5)), dtype=np.float32)
        .reshape(-1, 3)
        .mean(axis=0)
    )
    # The avatar is yellow (230, 200, 60): the blue night tint lifts blue relative to red.
    assert b / r > 60 / 230


def test_deterministic_and_handles_empty_input() -> None:
    a, b = place(3, seed=5), place(3, seed=5)
    assert a.avatar_boxes == b.avatar_boxes and a.image.tobytes() == b.image.tobytes()
    empty = composite_avatars(
        scene(),
        [Image.new("RGBA", (50, 50), (0, 0, 0, 0))],
        landmark_box=LANDMARK,
        ground_y=GROUND,
        light=None,
        free_zones=[],
        seed=1,
    )
    assert empty.avatar_boxes == [] and empty.image.tobytes() == scene().tobytes()


def test_more_than_four_avatars_keeps_four() -> None:
    out = place(6)
    assert len(out.avatar_boxes) == 4


@pytest.mark.parametrize("landmark_id", ["eiffel_tower", "great_wall", "burj_khalifa"])
def test_real_illustrated_scenes_keep_the_landmark_clear(landmark_id: str) -> None:
    from datetime import UTC, datetime

    from generators.images.illustrated import IllustratedRenderer
    from generators.landmarks.catalogue import Catalogue

    lm = Catalogue.load().get(landmark_id)
    r = IllustratedRenderer()(lm, now_utc=datetime(2026, 6, 1, 2, 0, tzinfo=UTC), seed=4, size=(512, 640))
    out = composite_avatars(
        r.image,
        [avatar(), avatar((90, 160, 220))],
        landmark_box=r.landmark_box,
        ground_y=r.ground_y,
        light=r.light,
        free_zones=r.free_zones,
        seed=4,
    )
    assert len(out.avatar_boxes) == 2 and overlap(*out.avatar_boxes) == 0
    for box in out.avatar_boxes:
        assert overlap(box, r.landmark_box) <= 0.01 * (box[2] - box[0]) * (box[3] - box[1])
        assert 0 <= box[0] and box[2] <= 512 and box[3] <= 640


def _rows(out) -> tuple[list, list]:
    """(front row, back row) boxes: the front row's feet are the lowest."""
    feet = max(b[3] for b in out.avatar_boxes)
    return [b for b in out.avatar_boxes if b[3] == feet], [b for b in out.avatar_boxes if b[3] < feet]


def _check_group(out, n: int, landmark, size) -> None:
    w, h = size
    assert len(out.avatar_boxes) == n
    front, back = _rows(out)
    assert len(front) == (n + 1) // 2 and len(back) == n // 2, "two rows, the front one as full as the back"
    for box in out.avatar_boxes:
        bw, bh = box[2] - box[0], box[3] - box[1]
        assert 0 <= box[0] < box[2] <= w and 0 <= box[1] < box[3] <= h
        assert box[3] >= landmark[3], "everyone stands on the ground, none in the air"
        assert overlap(box, landmark) <= 0.16 * bw * bh, "nobody covers the landmark much"
    for row in (front, back):
        for i, box in enumerate(row):
            assert all(overlap(box, other) == 0 for other in row[i + 1 :]), "a row stands side by side"
    assert min(b[3] - b[1] for b in front) > max(b[3] - b[1] for b in back), "the back row is further away"
    for box in back:  # every face shows: the top of a back-row figure is not hidden by the front row
        head = (box[0], box[1], box[2], box[1] + (box[3] - box[1]) // 4)
        hidden = sum(overlap(head, f) for f in front)
        assert hidden <= 0.25 * (head[2] - head[0]) * (head[3] - head[1])


@pytest.mark.parametrize("n", [5, 6, 7, 8])
def test_a_group_of_up_to_eight_stands_in_two_staggered_rows(n: int) -> None:
    out = composite_avatars(
        scene(),
        [avatar((30 * i, 200, 60)) for i in range(n)],
        landmark_box=LANDMARK,
        ground_y=GROUND,
        light=Light(),
        free_zones=[],
        seed=1,
        max_avatars=8,
    )
    _check_group(out, n, LANDMARK, (W, H))
    assert max(b[3] - b[1] for b in out.avatar_boxes) < 0.30 * H


def test_a_group_keeps_eight_and_the_default_keeps_one_line_of_four() -> None:
    args = dict(landmark_box=LANDMARK, ground_y=GROUND, light=Light(), free_zones=[], seed=2)
    many = [avatar() for _ in range(10)]
    assert len(composite_avatars(scene(), many, max_avatars=8, **args).avatar_boxes) == 8
    four = composite_avatars(scene(), many[:4], max_avatars=8, **args)
    assert four.avatar_boxes == place(4, seed=2).avatar_boxes, "one to four stand as they always did"


@pytest.mark.parametrize(
    ("landmark_id", "size"),
    [("eiffel_tower", (512, 512)), ("great_wall", (512, 640)), ("burj_khalifa", (512, 912))],
)
def test_real_illustrated_scenes_hold_a_group_of_eight(landmark_id: str, size: tuple[int, int]) -> None:
    from datetime import UTC, datetime

    from generators.images.illustrated import IllustratedRenderer
    from generators.landmarks.catalogue import Catalogue

    lm = Catalogue.load().get(landmark_id)
    r = IllustratedRenderer()(lm, now_utc=datetime(2026, 6, 1, 2, 0, tzinfo=UTC), seed=4, size=size)
    out = composite_avatars(
        r.image,
        [avatar((30 * i, 120, 200)) for i in range(8)],
        landmark_box=r.landmark_box,
        ground_y=r.ground_y,
        light=r.light,
        free_zones=r.free_zones,
        seed=4,
        max_avatars=8,
    )
    _check_group(out, 8, r.landmark_box, size)
    assert out.scale >= 0.15, "eight still fit at a size where faces read"
