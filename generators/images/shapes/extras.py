"""Generic scene extras: far layer (hills, peaks, dunes, skyline), ground, and near props (palms, river...)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from generators.images.shapes.pen import LIT_WINDOW
from generators.images.sky import hex_rgb, mix, paste_upscaled, scale

RGB = tuple[int, int, int]

_LEAF = {
    "spring": (110, 170, 80),
    "summer": (60, 130, 60),
    "autumn": (205, 120, 45),
    "winter": (150, 160, 150),
    "tropical": (45, 130, 60),
}


def _leaf(ctx: Any) -> RGB:
    """Foliage colour for the season; evergreen in the tropics."""
    return _LEAF["tropical"] if ctx.tropical else _LEAF.get(ctx.season, _LEAF["summer"])


def _ridge(w: int, base: float, amp: float, rng: Any, waves: int, step: int) -> list[tuple[float, float]]:
    """A smooth random skyline of summed sines across the width, closed down to the base."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    xs = np.arange(0, w + step, step, dtype=np.float64)
    t = xs / w * math.pi * waves
    ys = base - amp * (
        0.55
        + 0.25 * np.sin(t + phases[0])
        + 0.15 * np.sin(2.3 * t + phases[1])
        + 0.08 * np.sin(5.1 * t + phases[2])
    )
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)] + [(w, base + 2), (0, base + 2)]


def _rect(d: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float, fill: RGB) -> None:
    """A rectangle that tolerates sub-pixel or inverted extents (tiny renders)."""
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    d.rectangle((x0, y0, max(x0, x1), max(y0, y1)), fill=fill)


def draw_far(ctx: Any) -> None:
    """Hazy distant scenery named by the landmark's extras."""
    w, h = ctx.layout.size
    hz = ctx.layout.horizon_y
    ground = hex_rgb(ctx.palette["ground"])
    haze = ctx.horizon_rgb
    d: ImageDraw.ImageDraw = ctx.draw
    step = max(4, w // 64)
    if "snow_peaks" in ctx.extras:
        rock = ctx.lit(mix((110, 110, 125), haze, 0.45))
        snow = ctx.lit(mix((245, 248, 255), haze, 0.25))
        x = -w * 0.1
        while x < w * 1.1:
            pw = w * ctx.rng.uniform(0.14, 0.28)
            ph = h * ctx.rng.uniform(0.12, 0.24)
            top = (x + pw / 2, hz - ph)
            d.polygon([(x, hz + 1), top, (x + pw, hz + 1)], fill=rock)
            c = 0.32
            d.polygon(
                [
                    top,
                    (top[0] - pw / 2 * c, hz - ph * (1 - c)),
                    (top[0] - pw * 0.08, hz - ph * (1 - c * 0.7)),
                    (top[0] + pw * 0.05, hz - ph * (1 - c * 1.1)),
                    (top[0] + pw / 2 * c, hz - ph * (1 - c)),
                ],
                fill=snow,
            )
            x += pw * ctx.rng.uniform(0.45, 0.7)
    if "hills" in ctx.extras or not ctx.extras & {"snow_peaks", "desert_dunes", "city_skyline", "sea"}:
        amp = h * (0.1 if "hills" in ctx.extras else 0.04)
        d.polygon(_ridge(w, hz + 1, amp, ctx.rng, 3, step), fill=ctx.lit(mix(ground, haze, 0.6)))
        d.polygon(_ridge(w, hz + 1, amp * 0.55, ctx.rng, 5, step), fill=ctx.lit(mix(ground, haze, 0.35)))
    if "desert_dunes" in ctx.extras:
        sand = mix(ground, (230, 200, 140), 0.3)
        d.polygon(_ridge(w, hz + 1, h * 0.05, ctx.rng, 2, step), fill=ctx.lit(mix(sand, haze, 0.45)))
    if "city_skyline" in ctx.extras:
        _skyline(ctx, d, w, h, hz, haze)
    if "trees" in ctx.extras or "cherry_blossoms" in ctx.extras:
        leaf = (235, 170, 195) if "cherry_blossoms" in ctx.extras else _leaf(ctx)
        colour = ctx.lit(mix(leaf, haze, 0.3))
        x = 0.0
        while x < w:
            r = h * ctx.rng.uniform(0.012, 0.022)
            d.ellipse((x - r, hz - 2.2 * r, x + r, hz + 1), fill=colour)
            x += r * ctx.rng.uniform(1.2, 2.4)


def _skyline(ctx: Any, d: ImageDraw.ImageDraw, w: int, h: int, hz: int, haze: RGB) -> None:
    """A row of hazy towers with lit windows at night."""
    colour = ctx.lit(mix((95, 105, 125), haze, 0.62))
    win = ctx.lit(mix((70, 80, 100), haze, 0.5))
    x = 0.0
    night = ctx.light.is_night
    while x < w:
        bw = w * ctx.rng.uniform(0.025, 0.06)
        bh = h * ctx.rng.uniform(0.025, 0.09) * (1.4 if ctx.rng.random() < 0.15 else 1.0)
        _rect(d, x, hz - bh, x + bw - 1, hz + 1, colour)
        if night or bw > w * 0.04:
            gap = max(3.0, w / 170)
            yy = hz - bh + gap
            while yy < hz - gap:
                xx = x + gap * 0.7
                while xx < x + bw - gap:
                    if not night or ctx.rng.random() < 0.45:
                        d.rectangle(
                            (xx, yy, xx + gap * 0.45, yy + gap * 0.5), fill=LIT_WINDOW if night else win
                        )
                    xx += gap
                yy += gap * 1.3
        x += bw + w * ctx.rng.uniform(0.0, 0.012)


def draw_ground(ctx: Any) -> None:
    """The ground plane from the horizon down (sea in front when named), with light texture."""
    w, h = ctx.layout.size
    hz = ctx.layout.horizon_y
    ground = hex_rgb(ctx.palette["ground"])
    if ctx.weather == "snow" or (ctx.season == "winter" and "snow_peaks" in ctx.extras):
        ground = mix(ground, (240, 244, 250), 0.6)
    top = ctx.lit(mix(ground, ctx.horizon_rgb, 0.25))
    bottom = ctx.lit(scale(ground, 0.78))
    rows = max(2, (h - hz) // 4)
    t = np.linspace(0, 1, rows)[:, None]
    col = (np.array(top) * (1 - t) + np.array(bottom) * t).astype(np.uint8)
    band = Image.fromarray(col[:, None, :].repeat(2, axis=1)).resize((w, h - hz), Image.Resampling.BILINEAR)
    ctx.img.paste(band, (0, hz))
    d: ImageDraw.ImageDraw = ctx.draw
    if "sea" in ctx.extras:
        water = mix((60, 120, 175), ctx.horizon_rgb, 0.35)
        shore = hz + int((h - hz) * 0.42)
        _rect(d, 0, hz, w, shore, ctx.lit(water))
        for _ in range(int(w / 18)):
            x = ctx.rng.uniform(0, w)
            y = ctx.rng.uniform(hz + 2, shore - 2)
            ln = w * ctx.rng.uniform(0.01, 0.04) * (0.4 + (y - hz) / (shore - hz + 1))
            d.line((x, y, x + ln, y), fill=ctx.lit(mix(water, (240, 245, 250), 0.45)), width=max(1, w // 600))
        d.rectangle((0, shore, w, shore + max(2, h // 150)), fill=ctx.lit(mix(ground, (235, 220, 180), 0.5)))
    tuft = ctx.lit(scale(ground, 0.66))
    for _ in range(int(w / 9)):
        x = ctx.rng.uniform(0, w)
        y = hz + (h - hz) * ctx.rng.uniform(0.45, 1.0) ** 0.7
        ln = (y - hz) / (h - hz) * h * 0.012
        d.line((x, y, x + ln * 0.3, y - ln), fill=tuft, width=max(1, w // 500))


def draw_near(ctx: Any) -> None:
    """Foreground props at the frame edges (never over the landmark), river and waterfall mist."""
    w, h = ctx.layout.size
    lb = ctx.landmark_box
    if "waterfall_mist" in ctx.extras:
        _mist(ctx, lb)
    if "river" in ctx.extras:
        _river(ctx, w, h)
    if "canal_houses" in ctx.extras:
        _canal_houses(ctx, w, h)
    props = []
    if "palms" in ctx.extras:
        props.append("palm")
    if "trees" in ctx.extras or "cherry_blossoms" in ctx.extras:
        props.append("blossom" if "cherry_blossoms" in ctx.extras else "tree")
    for side, x in ((-1, w * 0.05), (1, w * 0.95)):
        if not props or ctx.rng.random() < 0.25:
            continue
        kind = ctx.rng.choice(props)
        height = h * ctx.rng.uniform(0.24, 0.32)
        reach = height * (0.45 if kind == "palm" else 0.3)
        if x - reach < lb[2] and x + reach > lb[0]:
            continue  # the landmark reaches this edge; keep it clear
        y = ctx.layout.ground_y + h * 0.05
        if kind == "palm":
            _palm(ctx, x, y, height, -side)
        else:
            _tree(ctx, x, y, height, kind == "blossom")


def _mist(ctx: Any, lb: tuple[int, int, int, int]) -> None:
    w, h = ctx.layout.size
    q = 4
    colour = ctx.lit((245, 248, 252))
    layer = Image.new("RGBA", (w // q, h // q), (*colour, 0))
    d = ImageDraw.Draw(layer)
    bw = (lb[2] - lb[0]) / q
    for _ in range(14):
        cx = lb[0] / q + ctx.rng.uniform(0.1, 0.9) * bw
        cy = (lb[1] + (lb[3] - lb[1]) * ctx.rng.uniform(0.55, 1.0)) / q
        r = bw * ctx.rng.uniform(0.08, 0.18)
        d.ellipse((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=(*colour, 120))
    paste_upscaled(ctx.img, layer.filter(ImageFilter.GaussianBlur(2.5)))


def _river(ctx: Any, w: int, h: int) -> None:
    hz = ctx.layout.horizon_y
    water = ctx.lit(mix((70, 130, 185), ctx.horizon_rgb, 0.4))
    cx = w * ctx.rng.uniform(0.4, 0.6)
    left, right = [], []
    n = 12
    for i in range(n + 1):
        t = i / n
        y = hz + (h - hz) * t
        half = w * (0.02 + 0.2 * t * t)
        x = cx + math.sin(t * 3.2 + 1) * w * 0.08 * t
        left.append((x - half, y))
        right.append((x + half, y))
    ctx.draw.polygon(left + right[::-1], fill=water)
    glint = ctx.lit(mix((70, 130, 185), (255, 255, 255), 0.5))
    for (x0, y0), (x1, _) in zip(left[2:], right[2:], strict=True):
        ctx.draw.line(
            (x0 + (x1 - x0) * 0.3, y0, x0 + (x1 - x0) * 0.5, y0), fill=glint, width=max(1, w // 400)
        )


def _canal_houses(ctx: Any, w: int, h: int) -> None:
    hz = ctx.layout.horizon_y
    lb = ctx.landmark_box
    colours = [(150, 70, 50), (90, 60, 45), (170, 120, 80), (60, 70, 80), (120, 40, 40)]
    for start, end in ((0.0, lb[0] - w * 0.01), (lb[2] + w * 0.01, float(w))):
        x = start
        while x < end - w * 0.04:
            hw = w * ctx.rng.uniform(0.04, 0.06)
            hh = h * ctx.rng.uniform(0.1, 0.16)
            top = hz - hh
            col = ctx.lit(ctx.rng.choice(colours))
            _rect(ctx.draw, x, top, x + hw - 1, hz, col)
            ctx.draw.polygon([(x, top), (x + hw / 2, top - hw * 0.55), (x + hw - 1, top)], fill=col)
            for r in range(4):
                for k in range(2):
                    wx = x + hw * (0.18 + 0.42 * k)
                    wy = top + hh * (0.1 + 0.22 * r)
                    lit = ctx.light.is_night and ctx.rng.random() < 0.6
                    fill = LIT_WINDOW if lit else ctx.lit((235, 235, 230))
                    _rect(ctx.draw, wx, wy, wx + hw * 0.22, wy + hh * 0.12, fill)
            x += hw + 1


def palm_fronds(tx: float, ty: float, length: float, width: float) -> list[list[tuple[float, float]]]:
    """Eight drooping fronds from a palm's crown at (tx, ty), spread from right to left, as polygons."""
    fronds = []
    for k in range(8):
        a = math.pi * (-0.05 + 1.1 * k / 7)
        c, s = math.cos(a), math.sin(a)
        upper, lower = [], []
        for i in range(7):
            t = i / 6
            px = tx + c * length * t
            py = ty - s * length * 0.45 * t + length * 0.55 * t * t
            half = length * width * math.sin(math.pi * min(1.0, t * 1.1))
            upper.append((px - s * half * 0.3, py - half))
            lower.append((px + s * half * 0.3, py + half))
        fronds.append(upper + lower[::-1])
    return fronds


def _palm(ctx: Any, x: float, y: float, height: float, lean: int) -> None:
    trunk = ctx.lit((110, 80, 55))
    leaf = ctx.lit((40, 110, 55))
    dark = ctx.lit((30, 85, 45))
    pts = [(x + lean * height * 0.2 * (i / 8) ** 2, y - height * i / 8) for i in range(9)]
    ctx.draw.line(pts, fill=trunk, width=max(2, int(height * 0.045)))
    tx, ty = pts[-1]
    ln = height * 0.4
    for k, frond in enumerate(palm_fronds(tx, ty, ln, 0.07)):
        ctx.draw.polygon(frond, fill=leaf if k % 2 else dark)
    ctx.draw.ellipse((tx - ln * 0.06, ty - ln * 0.02, tx + ln * 0.06, ty + ln * 0.1), fill=trunk)


def _tree(ctx: Any, x: float, y: float, height: float, blossom: bool) -> None:
    trunk = ctx.lit((90, 65, 45))
    ctx.draw.line((x, y, x, y - height * 0.55), fill=trunk, width=max(2, int(height * 0.06)))
    if ctx.season == "winter" and not blossom and not ctx.tropical:
        for k in (-1, 1):
            ctx.draw.line((x, y - height * 0.4, x + k * height * 0.2, y - height * 0.75), fill=trunk, width=2)
        return
    leaf = (240, 175, 200) if blossom else _leaf(ctx)
    for _ in range(7):
        r = height * ctx.rng.uniform(0.14, 0.22)
        cx = x + ctx.rng.uniform(-0.22, 0.22) * height
        cy = y - height * ctx.rng.uniform(0.55, 0.85)
        c = ctx.lit(scale(leaf, ctx.rng.uniform(0.85, 1.05)))
        ctx.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=c)
