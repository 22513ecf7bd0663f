"""Stand avatars in a scene: placement beside the landmark, ground shadows and light matching."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]

MAX_AVATARS = 4  # one line of people: the user and up to three friends
MAX_GROUP = 8  # a group trip: two staggered rows
# Avatar height as a share of the frame height, by how many stand together (a group: its front row).
HEIGHT_SHARE = {1: 0.40, 2: 0.36, 3: 0.32, 4: 0.28, 5: 0.27, 6: 0.26, 7: 0.25, 8: 0.24}
MIN_SHARE = 0.08
MAX_WIDTH_SHARE = 0.42
BACK_ROW_SCALE = 0.84  # the back row stands further away
BACK_ROW_LIFT = 0.07  # share of the frame height the back row's feet stand above the front row's, at least
HEAD_ROOM = 0.15  # share of a group avatar's height that may reach down over the landmark's base


@dataclass
class CompositeOutput:
    """The scene with avatars in it and where each avatar and its shadow went."""

    image: Image.Image
    avatar_boxes: list[Box]
    shadow_boxes: list[Box] = field(default_factory=list)
    scale: float = 0.0


def _light(light: Any) -> tuple[tuple[int, int, int], float, float, bool]:
    """(tint, brightness, direction, is_night) from any SceneLight-shaped object (or defaults)."""
    tint = tuple(int(c) for c in (getattr(light, "tint", None) or (255, 255, 255)))[:3]
    brightness = float(getattr(light, "brightness", 0.8) if light is not None else 0.8)
    direction = float(getattr(light, "direction", 0.0) if light is not None else 0.0)
    is_night = bool(getattr(light, "is_night", False))
    return tint, min(max(brightness, 0.0), 1.0), min(max(direction, -1.0), 1.0), is_night  # type: ignore[return-value]


def _trim(avatar: Image.Image) -> Image.Image | None:
    """The avatar cropped to its visible pixels, or None when fully transparent."""
    im = avatar.convert("RGBA")
    bbox = im.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    return im.crop(bbox) if bbox else None


def _intervals(span: tuple[int, int], lm: Box, width: int, margin: int, gap: int) -> list[tuple[int, int]]:
    """Horizontal ranges where something occupying rows `span` avoids the landmark box."""
    if span[1] <= lm[1] or span[0] >= lm[3]:
        return [(margin, width - margin)]
    out = [(margin, lm[0] - gap), (lm[2] + gap, width - margin)]
    return [(a, b) for a, b in out if b - a > 0]


def _zone_intervals(
    zones: list[Box], rows: tuple[int, int], allowed: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Allowed ranges clipped to free zones that contain the avatars' feet row."""
    out = []
    for z in zones:
        if not (z[1] <= rows[1] <= z[3] + 2):
            continue
        for a, b in allowed:
            lo, hi = max(a, z[0]), min(b, z[2])
            if hi > lo:
                out.append((lo, hi))
    return sorted(set(out))


def _group_fits(widths: list[int], gap: int, interval: tuple[int, int]) -> bool:
    return sum(widths) + gap * max(0, len(widths) - 1) <= interval[1] - interval[0]


def _place_group(widths: list[int], gap: int, interval: tuple[int, int], towards: float) -> list[int]:
    """x0 of each avatar, side by side in `interval`; `towards` in -1..1 shifts the group inside it."""
    total = sum(widths) + gap * max(0, len(widths) - 1)
    slack = interval[1] - interval[0] - total
    x = interval[0] + int(slack * (0.5 + 0.5 * towards * 0.6))
    xs = []
    for w in widths:
        xs.append(x)
        x += w + gap
    return xs


def _pack(
    widths: list[int], intervals: list[tuple[int, int]], gap: int, lm: Box, rng: random.Random
) -> list[int] | None:
    """x0 for each avatar (in order) inside `intervals` with no overlap, or None when they don't fit."""
    n = len(widths)
    if not intervals:
        return None
    if len(intervals) == 1:
        iv = intervals[0]
        return _place_group(widths, gap, iv, rng.uniform(-0.5, 0.5)) if _group_fits(widths, gap, iv) else None
    left, right = intervals[0], intervals[-1]
    # Split into a left group and a right group; prefer balanced splits, seeded tie-break for one avatar.
    splits = sorted(range(n + 1), key=lambda k: (abs(k - n / 2), rng.random()))
    for k in splits:
        lw, rw = widths[:k], widths[k:]
        if _group_fits(lw, gap, left) and _group_fits(rw, gap, right):
            # Groups lean towards the landmark so they read as "in front of it".
            xs = _place_group(lw, gap, left, 0.6 if left[1] <= lm[0] else 0.0) if lw else []
            xs += _place_group(rw, gap, right, -0.6 if right[0] >= lm[2] else 0.0) if rw else []
            return xs
    return None


def _slots(count: int, intervals: list[tuple[int, int]]) -> list[tuple[float, int, int]]:
    """`count` equal slots (centre, and the interval it lies in) over the intervals, shared out by length."""
    lengths = [b - a for a, b in intervals]
    total = sum(lengths)
    if count <= 0 or total <= 0:
        return []
    raw = [count * length / total for length in lengths]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: count - sum(counts)]:
        counts[i] += 1
    out = []
    for (a, b), c in zip(intervals, counts, strict=True):
        step = (b - a) / c if c else 0.0
        out += [(a + step * (k + 0.5), a, b) for k in range(c)]
    return out


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges both lists of ranges cover."""
    out = [(max(x0, y0), min(x1, y1)) for x0, x1 in a for y0, y1 in b]
    return [(lo, hi) for lo, hi in out if hi > lo]


def _in_slots(
    sizes: list[tuple[int, int]], slots: list[tuple[float, int, int]], feet: int, gap: int
) -> list[Box] | None:
    """One row's boxes centred in its slots, inside their intervals; None when they don't fit or overlap."""
    boxes = []
    for (w, h), (centre, lo, hi) in zip(sizes, slots, strict=True):
        if w > hi - lo:
            return None
        x = int(min(max(centre - w / 2, lo), hi - w))
        boxes.append((x, feet - h, x + w, feet))
    row = sorted(boxes)
    if any(b[0] < a[2] + gap for a, b in zip(row, row[1:], strict=False)):
        return None
    return boxes


def _two_rows(
    trimmed: list[Image.Image],
    size: tuple[int, int],
    lm: Box,
    ground_y: int,
    margin: int,
    gap: int,
    bottom_room: int,
) -> tuple[list[Box], float] | None:
    """A group in two rows: the front row at the bottom, the back row smaller and higher on the ground,
    standing in the front row's gaps so every face shows; None when even small figures don't fit."""
    width, height = size
    n = len(trimmed)
    front_feet = height - bottom_room
    back_feet = min(max(ground_y, int(height * 0.35)), front_feet - int(height * BACK_ROW_LIFT))
    share = HEIGHT_SHARE[n]
    while share >= MIN_SHARE:
        rows = []
        for feet, scale in ((front_feet, 1.0), (back_feet, BACK_ROW_SCALE)):
            h = min(int(height * share * scale), feet - margin)
            if lm[3] < feet:  # a little smaller, to stand clear of the landmark's base, rather than beside it
                room = int((feet - lm[3]) / (1 - HEAD_ROOM))
                h = min(h, room) if room >= h * 0.75 else h
            rows.append((feet, h, _intervals((feet - h + int(h * HEAD_ROOM), feet), lm, width, margin, gap)))
        (f_feet, f_h, f_iv), (b_feet, b_h, b_iv) = rows
        # One staggered line where both rows have room: front, back, front, back...
        slots = _slots(n, _overlap(f_iv, b_iv))
        if len(slots) == n:
            k = len(slots[0::2])
            sizes = [
                (max(1, int(h * im.width / im.height)), h)
                for i, im in enumerate(trimmed)
                for h in [f_h if i < k else b_h]
            ]
            front = _in_slots(sizes[:k], slots[0::2], f_feet, gap)
            back = _in_slots(sizes[k:], slots[1::2], b_feet, gap)
            if front is not None and back is not None:
                return front + back, share
        share *= 0.9
    return None


def _erode(a: np.ndarray, r: int) -> np.ndarray:
    """The minimum over each (2r+1)-square, edges repeated: PIL's MinFilter, in two cheap 1-D passes."""
    k = 2 * r + 1
    p = np.pad(a, r, mode="edge")
    rows = np.min(np.lib.stride_tricks.sliding_window_view(p, k, axis=1), axis=-1)
    return np.min(np.lib.stride_tricks.sliding_window_view(rows, k, axis=0), axis=-1)


def _match_light(
    avatar: Image.Image, tint: tuple[int, int, int], brightness: float, direction: float, night: bool
) -> Image.Image:
    """Tint and darken the avatar towards the scene light and add a subtle rim on the lit side."""
    arr = np.asarray(avatar, dtype=np.float32)
    rgb, alpha = arr[..., :3], arr[..., 3:4]
    mult = 1.0 + (np.array(tint, dtype=np.float32) / 255.0 - 1.0) * 0.35
    level = 0.62 + 0.42 * brightness
    if night:
        level *= 0.72
        mult = mult * np.array([0.9, 0.95, 1.08], dtype=np.float32)
    rgb = rgb * mult * min(level, 1.04)
    # Rim light: the alpha edge, stronger on the side the light comes from.
    h, w = alpha.shape[:2]
    r = max(1, min(w, h) // 70)
    a = np.asarray(avatar.getchannel("A"))
    edge = (a.astype(np.float32) - _erode(a, r).astype(np.float32))[..., None] / 255.0
    ramp = np.clip(direction * (np.linspace(-1.0, 1.0, w, dtype=np.float32)), 0.0, 1.0)[None, :, None]
    rim = edge * ramp * (0.18 if night else 0.35)
    rgb = rgb * (1 - rim) + np.array(tint, dtype=np.float32) * rim * 1.1
    out = np.concatenate([np.clip(rgb, 0, 255), alpha], axis=-1).astype(np.uint8)
    return Image.fromarray(out, "RGBA")


def _shadow_box(box: Box, direction: float, size: tuple[int, int]) -> Box:
    x0, _, x1, feet = box
    w = x1 - x0
    ew = int(w * (0.8 + 0.3 * abs(direction)))
    eh = max(4, int(w * 0.16))
    cx = (x0 + x1) // 2 - int(direction * w * 0.25)  # the shadow falls away from the light
    sx0 = max(0, cx - ew // 2)
    sx1 = min(size[0] - 1, cx + ew // 2)
    return (sx0, max(0, feet - eh // 2), sx1, min(size[1] - 1, feet + eh // 2))


@dataclass
class AvatarPlacement:
    """Where avatars stand in a scene, their light-matched sprites and their ground shadows."""

    size: tuple[int, int]
    boxes: list[Box]
    sprites: list[Image.Image]  # RGBA, each at its box's size
    shadow_boxes: list[Box] = field(default_factory=list)
    shadow_mask: Image.Image | None = None  # L, the blurred shadows' strength
    night: bool = False
    scale: float = 0.0

    def shaded(self, scene: Image.Image) -> Image.Image:
        """The scene (RGB) with the avatars' shadows on the ground, without the avatars."""
        base = scene.convert("RGB")
        if self.shadow_mask is None:
            return base.copy()
        shade = Image.new("RGB", base.size, (18, 16, 28) if self.night else (30, 26, 20))
        return Image.composite(shade, base, self.shadow_mask)

    def draw(self, scene: Image.Image) -> CompositeOutput:
        """The scene with the shadows and the avatars stood in it."""
        out = self.shaded(scene)
        if not self.sprites:
            return CompositeOutput(out, [])
        out = out.convert("RGBA")
        # The back row first, so the front row stands in front of it.
        for sprite, box in sorted(zip(self.sprites, self.boxes, strict=True), key=lambda pair: pair[1][3]):
            out.alpha_composite(sprite, (box[0], box[1]))
        return CompositeOutput(out.convert("RGB"), list(self.boxes), list(self.shadow_boxes), self.scale)


def place_avatars(
    size: tuple[int, int],
    avatars: list[Image.Image],
    *,
    landmark_box: Box,
    ground_y: int,
    light: Any,
    free_zones: list[Box] | None,
    seed: int,
    max_avatars: int = MAX_AVATARS,
) -> AvatarPlacement:
    """Where the avatars stand beside the landmark, light-matched, with their shadows.

    Up to four stand in one line; up to `max_avatars` (at most eight, a group trip) in two staggered rows.
    """
    width, height = size
    limit = max(1, min(max_avatars, MAX_GROUP))
    trimmed = [t for t in (_trim(a) for a in avatars[:limit]) if t is not None]
    if not trimmed:
        return AvatarPlacement(size, [], [])
    if len(avatars) > limit:
        log.info("only the first %d of %d avatars are placed", limit, len(avatars))
    rng = random.Random(f"composite:{seed}:{len(trimmed)}")
    tint, brightness, direction, night = _light(light)
    lm = tuple(int(v) for v in landmark_box)
    margin, gap = max(2, width // 50), max(2, width // 60)
    bottom_room = max(4, height // 30)
    feet_options = [min(max(int(ground_y), int(height * 0.35)), height - bottom_room), height - bottom_room]

    n = len(trimmed)
    share = HEIGHT_SHARE[n]
    placement: tuple[list[Box], float] | None = None
    if n > MAX_AVATARS:
        placement = _two_rows(trimmed, size, lm, int(ground_y), margin, gap, bottom_room)
        share = 0.0  # a group that does not fit in two rows goes straight to the bottom edge
    while share >= MIN_SHARE and placement is None:
        for feet in dict.fromkeys(feet_options):
            sizes = []
            for im in trimmed:
                h = min(int(height * share), feet - margin)
                w = max(1, int(h * im.width / im.height))
                if w > width * MAX_WIDTH_SHARE / max(1, n / 2):
                    w = int(width * MAX_WIDTH_SHARE / max(1, n / 2))
                    h = max(1, int(w * im.height / im.width))
                sizes.append((w, h))
            top = feet - max(h for _, h in sizes)
            allowed = _intervals((top, feet), lm, width, margin, gap)
            tries = [_zone_intervals(free_zones or [], (top, feet), allowed), allowed]
            for intervals in tries:
                xs = _pack([w for w, _ in sizes], intervals, gap, lm, rng) if intervals else None
                if xs is not None:
                    boxes = [(x, feet - h, x + w, feet) for x, (w, h) in zip(xs, sizes, strict=True)]
                    placement = (boxes, share)
                    break
            if placement:
                break
        share *= 0.9
    if placement is None:
        # Nothing fits beside the landmark even at the smallest size: a tiny row along the bottom edge.
        log.warning("no room beside the landmark for %d avatars; placing them small at the bottom", n)
        feet = height - bottom_room
        h = max(8, int(height * MIN_SHARE))
        sizes = [(max(1, int(h * im.width / im.height)), h) for im in trimmed]
        xs = _place_group([w for w, _ in sizes], gap, (margin, width - margin), 0.0)
        placement = ([(x, feet - h, x + w, feet) for x, (w, h) in zip(xs, sizes, strict=True)], MIN_SHARE)
    boxes, used_share = placement

    shadows = [_shadow_box(b, direction, size) for b in boxes]
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    strength = int((70 if night else 150) * (0.55 + 0.45 * brightness))
    for sb in shadows:
        draw.ellipse(sb, fill=strength)
    blur = max(1.5, (shadows[0][3] - shadows[0][1]) * 0.25)
    # Blur only the strip holding the shadows; a full-frame blur costs more than the rest together.
    pad = int(blur * 3) + 2
    strip = (
        max(0, min(b[0] for b in shadows) - pad),
        max(0, min(b[1] for b in shadows) - pad),
        min(width, max(b[2] for b in shadows) + pad),
        min(height, max(b[3] for b in shadows) + pad),
    )
    mask.paste(mask.crop(strip).filter(ImageFilter.GaussianBlur(blur)), strip[:2])
    sprites = [
        _match_light(
            im.resize((b[2] - b[0], b[3] - b[1]), Image.Resampling.LANCZOS),
            tint,
            brightness,
            direction,
            night,
        )
        for im, b in zip(trimmed, boxes, strict=True)
    ]
    return AvatarPlacement(size, boxes, sprites, shadows, mask, night, used_share)


def composite_avatars(
    scene: Image.Image,
    avatars: list[Image.Image],
    *,
    landmark_box: Box,
    ground_y: int,
    light: Any,
    free_zones: list[Box] | None,
    seed: int,
    max_avatars: int = MAX_AVATARS,
) -> CompositeOutput:
    """Stand the avatars on the ground beside the landmark, with shadows and matched light."""
    placement = place_avatars(
        scene.size,
        avatars,
        landmark_box=landmark_box,
        ground_y=ground_y,
        light=light,
        free_zones=free_zones,
        seed=seed,
        max_avatars=max_avatars,
    )
    return placement.draw(scene)
