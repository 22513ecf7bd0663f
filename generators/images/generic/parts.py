"""Drawing parts for generic places: a layer painter, ridges and peaks, houses, roofs, towers, domes."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from generators.images.shapes.pen import LIT_WINDOW
from generators.images.sky import mix, scale

RGB = tuple[int, int, int]
Pt = tuple[float, float]


@dataclass
class Art:
    """Paints in pixels on one layer: lit colours, the place's seeded choices, night lights untinted."""

    layer: Image.Image
    lit: Callable[[RGB], RGB]
    rng: random.Random  # the place's own generator: layout, sizes, colours
    night: bool
    size: tuple[int, int]
    horizon_y: int
    ground_y: int
    haze: RGB
    direction: float = 0.5  # sun side: faces toward it are lit, the others shaded

    def __post_init__(self) -> None:
        self.d = ImageDraw.Draw(self.layer)
        # Night-only choices (which windows glow) draw from their own stream, so the town's layout
        # is the same at every hour.
        self.lights = random.Random(self.rng.getrandbits(32))
        # Texture (ripples, glints, cobbles) has as many strokes as the frame has room for: its own
        # stream too, so the town is the same at every size.
        self.texture = random.Random(self.rng.getrandbits(32))

    @property
    def w(self) -> int:
        """Layer width in pixels."""
        return self.size[0]

    @property
    def h(self) -> int:
        """Layer height in pixels."""
        return self.size[1]

    @property
    def unit(self) -> int:
        """The frame's shorter side: buildings sized by it keep their proportions in tall formats."""
        return min(self.size)

    def on(self, layer: Image.Image) -> Art:
        """Switch drawing to another layer of the same size."""
        self.layer = layer
        self.d = ImageDraw.Draw(layer)
        return self

    def rect(self, x0: float, y0: float, x1: float, y1: float, c: RGB, *, raw: bool = False) -> None:
        """A filled rectangle (tolerates inverted or sub-pixel extents); `raw` skips the scene light."""
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        self.d.rectangle((x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)), fill=c if raw else self.lit(c))

    def poly(self, pts: Sequence[Pt], c: RGB, *, raw: bool = False) -> None:
        """A filled polygon."""
        self.d.polygon(list(pts), fill=c if raw else self.lit(c))

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, c: RGB, *, raw: bool = False) -> None:
        """A filled ellipse."""
        self.d.ellipse((x0, y0, max(x0, x1), max(y0, y1)), fill=c if raw else self.lit(c))

    def line(self, pts: Sequence[Pt], c: RGB, width: float, *, raw: bool = False) -> None:
        """A polyline at least one pixel wide."""
        self.d.line(list(pts), fill=c if raw else self.lit(c), width=max(1, round(width)))

    def hazed(self, c: RGB, amount: float) -> RGB:
        """A colour faded toward the horizon haze (aerial perspective)."""
        return mix(c, self.haze, amount)

    def windows(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        cols: int,
        rows: int,
        *,
        lit_share: float = 0.55,
        day: RGB = (60, 60, 70),
        fill: float = 0.5,
        arched: bool = False,
    ) -> None:
        """A window grid: dark panes by day; at night a seeded share glows warm."""
        if cols <= 0 or rows <= 0 or x1 - x0 < 2 or y1 - y0 < 2:
            return
        cw, rh = (x1 - x0) / cols, (y1 - y0) / rows
        ww, wh = max(1.0, cw * fill), max(1.0, rh * fill)
        for r in range(rows):
            for k in range(cols):
                a = x0 + k * cw + (cw - ww) / 2
                b = y0 + r * rh + (rh - wh) / 2
                on = self.night and self.lights.random() < lit_share
                colour = LIT_WINDOW if on else self.lit(day)
                if arched and ww >= 4 and wh > ww:
                    self.d.rectangle((a, b + ww / 2, a + ww - 1, b + wh - 1), fill=colour)
                    self.d.ellipse((a, b, a + ww - 1, b + ww), fill=colour)
                else:
                    self.d.rectangle((a, b, max(a, a + ww - 1), max(b, b + wh - 1)), fill=colour)

    def glow(self, x: float, y: float, r: float, colour: RGB = LIT_WINDOW) -> None:
        """A lamp or light seen at night (a soft halo and a bright core); nothing by day."""
        if not self.night:
            return
        halo = mix(colour, self.lit((40, 40, 60)), 0.55)
        self.d.ellipse((x - r * 2.2, y - r * 2.2, x + r * 2.2, y + r * 2.2), fill=halo)
        self.d.ellipse((x - r, y - r, x + r, y + r), fill=colour)

    def beam(self, apex: Pt, reach: float, top: float, bottom: float, colour: RGB = (255, 238, 170)) -> None:
        """A light beam from `apex` to x = apex + `reach`, spanning `top`..`bottom` there: translucent,
        brightest near the lamp (blended over what the layer holds, not painted over it)."""
        if not self.night:
            return
        x, y = apex
        glow = Image.new("RGBA", self.layer.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(glow)
        for share, alpha in ((1.0, 34), (0.7, 30), (0.45, 34)):
            far = x + reach * share
            d.polygon(
                [(x, y), (far, y + (top - y) * share), (far, y + (bottom - y) * share)], fill=(*colour, alpha)
            )
        self.layer.alpha_composite(glow)


def hills(art: Art, base: float, amp: float, waves: float, colour: RGB, step: int = 8) -> None:
    """A smooth random ridge across the layer, filled down to `base`."""
    ph = [art.rng.uniform(0, 2 * math.pi) for _ in range(3)]
    pts = []
    for x in range(0, art.w + step, step):
        t = x / art.w * math.pi * waves
        y = base - amp * (0.55 + 0.25 * math.sin(t + ph[0]) + 0.15 * math.sin(2.3 * t + ph[1]))
        pts.append((float(x), y - amp * 0.08 * math.sin(5.1 * t + ph[2])))
    art.poly([*pts, (art.w, base + 2), (0, base + 2)], colour)


def peaks(art: Art, base: float, height: float, rock: RGB, snow: RGB | None, count: int) -> None:
    """A row of mountain peaks with snow caps (if `snow`), spread across the width."""
    x = -art.w * 0.1
    step = art.w * 1.2 / max(1, count)
    for _ in range(count):
        pw = step * art.rng.uniform(1.2, 1.9)
        ph = height * art.rng.uniform(0.55, 1.0)
        top = (x + pw * art.rng.uniform(0.4, 0.6), base - ph)
        art.poly([(x, base + 1), top, (x + pw, base + 1)], rock)
        shade = scale(rock, 0.82)
        art.poly([top, (x + pw, base + 1), (top[0] + pw * 0.1, base + 1)], shade)
        if snow is not None:
            c = art.rng.uniform(0.25, 0.4)
            lx = top[0] - (top[0] - x) * c
            rx = top[0] + (x + pw - top[0]) * c
            y = top[1] + ph * c
            art.poly(
                [top, (lx, y), (lx + (top[0] - lx) * 0.4, y - ph * 0.06), (top[0], y + ph * 0.03), (rx, y)],
                snow,
            )
        x += step * art.rng.uniform(0.7, 1.1)


def roof(art: Art, x: float, top: float, w: float, style: str, colour: RGB, pitch: float) -> float:
    """A roof over a wall whose top edge is at `top`; returns the highest y it reached."""
    overhang = w * 0.06
    rise = w * pitch
    if style == "gable":
        art.poly([(x - overhang, top + 1), (x + w / 2, top - rise), (x + w + overhang, top + 1)], colour)
        return top - rise
    if style == "stepped":
        steps = 4
        pts = [(x, top + 1)]
        for i in range(steps):
            sx = x + w / 2 * i / steps
            sy = top - rise * i / steps
            pts += [(sx, sy - rise / steps), (sx + w / 2 / steps, sy - rise / steps)]
        right = [(x + w - (px - x), py) for px, py in reversed(pts)]
        art.poly(pts + right, colour)
        return top - rise
    if style == "hip":
        art.poly(
            [(x - overhang, top + 1), (x + w * 0.28, top - rise * 0.6), (x + w * 0.72, top - rise * 0.6)]
            + [(x + w + overhang, top + 1)],
            colour,
        )
        return top - rise * 0.6
    if style == "mansard":
        art.poly(
            [
                (x - overhang * 0.5, top + 1),
                (x + w * 0.08, top - rise * 0.5),
                (x + w * 0.92, top - rise * 0.5),
            ]
            + [(x + w + overhang * 0.5, top + 1)],
            colour,
        )
        art.rect(x + w * 0.3, top - rise * 0.42, x + w * 0.42, top - rise * 0.12, (60, 60, 70))
        return top - rise * 0.5
    art.rect(x - overhang * 0.3, top - max(2, w * 0.05), x + w + overhang * 0.3, top + 1, scale(colour, 0.9))
    return top - max(2, w * 0.05)


def house(
    art: Art,
    x: float,
    base: float,
    w: float,
    h: float,
    wall: RGB,
    roof_colour: RGB,
    style: str,
    *,
    pitch: float = 0.45,
    lit_share: float = 0.5,
    floors: int | None = None,
    door: bool = True,
    windows: bool = True,
) -> float:
    """A house: wall with windows (unless not `windows`), a roof of `style`, a door; returns its top y."""
    top = base - h
    art.rect(x, top, x + w, base + 1, wall)
    shade_w = w * 0.14
    side = x + w - shade_w if art.direction >= 0 else x
    art.rect(side, top, side + shade_w, base + 1, scale(wall, 0.85))
    peak = roof(art, x, top, w, style, roof_colour, pitch)
    if not windows:
        return peak
    if floors is None:
        floors = max(1, min(6, round(h / max(6.0, w * 0.45))))
    cols = max(1, min(5, round(w / max(5.0, h / floors * 1.1))))
    bottom = base - (h / (floors + 1) if door and floors > 1 else 0)
    art.windows(x + w * 0.08, top + h * 0.08, x + w * 0.92, bottom, cols, floors - (1 if door and floors > 1 else 0) or 1,
                lit_share=lit_share, day=scale(wall, 0.45), fill=0.5)  # fmt: skip
    if door and h > 12:
        dw = max(2.0, w * 0.18)
        art.rect(
            x + w / 2 - dw / 2,
            base - h / (floors + 1) * 0.8,
            x + w / 2 + dw / 2,
            base + 1,
            scale(roof_colour, 0.6),
        )
    return peak


def tower(
    art: Art,
    cx: float,
    base: float,
    w: float,
    h: float,
    wall: RGB,
    cap: RGB,
    top_style: str,
    *,
    clock: bool = True,
) -> float:
    """A church or clock tower with a spire, pyramid, onion or dome cap; returns its highest y."""
    x0, x1 = cx - w / 2, cx + w / 2
    top = base - h
    art.rect(x0, top, x1, base + 1, wall)
    art.rect(x1 - w * 0.18 if art.direction >= 0 else x0, top, (x1 if art.direction >= 0 else x0 + w * 0.18), base + 1,
             scale(wall, 0.85))  # fmt: skip
    art.rect(x0 - w * 0.06, top, x1 + w * 0.06, top + w * 0.12, scale(wall, 0.9))
    art.windows(x0 + w * 0.25, top + h * 0.35, x1 - w * 0.25, base - h * 0.1, 1, 3, lit_share=0.3,
                day=scale(wall, 0.4), fill=0.45, arched=True)  # fmt: skip
    if clock:
        r = w * 0.3
        cy = top + h * 0.16
        face = (245, 240, 225)
        if art.night:
            art.ellipse(cx - r, cy - r, cx + r, cy + r, (255, 236, 170), raw=True)
        else:
            art.ellipse(cx - r, cy - r, cx + r, cy + r, face)
        hand = art.lit((40, 40, 45))
        art.d.line((cx, cy, cx, cy - r * 0.7), fill=hand, width=max(1, round(r * 0.15)))
        art.d.line((cx, cy, cx + r * 0.5, cy + r * 0.2), fill=hand, width=max(1, round(r * 0.15)))
    if top_style == "spire":
        art.poly([(x0 - w * 0.04, top), (cx, top - h * 0.55), (x1 + w * 0.04, top)], cap)
        peak = top - h * 0.55
    elif top_style == "onion":
        r = w * 0.55
        art.ellipse(cx - r, top - r * 1.6, cx + r, top + r * 0.2, cap)
        art.poly([(cx - r * 0.35, top - r * 1.3), (cx, top - r * 2.4), (cx + r * 0.35, top - r * 1.3)], cap)
        peak = top - r * 2.4
    elif top_style == "dome":
        r = w * 0.5
        art.d.chord((cx - r, top - r, cx + r, top + r), 180, 360, fill=art.lit(cap))
        peak = top - r
    else:  # pyramid
        art.poly([(x0 - w * 0.08, top), (cx, top - h * 0.28), (x1 + w * 0.08, top)], cap)
        peak = top - h * 0.28
    art.line([(cx, peak), (cx, peak - h * 0.06)], (60, 60, 60), max(1, w * 0.05))
    return peak - h * 0.06


def dome(art: Art, cx: float, base: float, r: float, colour: RGB, drum: RGB | None = None) -> float:
    """A dome on a short drum with a finial; returns its highest y."""
    if drum is not None:
        art.rect(cx - r * 0.9, base - r * 0.35, cx + r * 0.9, base + 1, drum)
        base -= r * 0.35
    art.d.chord((cx - r, base - r * 1.1, cx + r, base + r * 1.1), 180, 360, fill=art.lit(colour))
    art.d.chord((cx - r * 0.55, base - r * 1.05, cx + r * 0.15, base + r * 0.5), 180, 270,
                fill=art.lit(mix(colour, (255, 255, 255), 0.25)))  # fmt: skip
    art.line([(cx, base - r * 1.1), (cx, base - r * 1.45)], (200, 170, 80), max(1, r * 0.08))
    return base - r * 1.45


def minaret(art: Art, cx: float, base: float, w: float, h: float, wall: RGB, cap: RGB) -> float:
    """A slender minaret with two balconies and a pointed cap; returns its highest y."""
    art.rect(cx - w / 2, base - h, cx + w / 2, base + 1, wall)
    for f in (0.55, 0.82):
        art.rect(cx - w * 0.85, base - h * f - w * 0.25, cx + w * 0.85, base - h * f, scale(wall, 0.8))
    art.poly([(cx - w * 0.6, base - h), (cx, base - h - w * 2.2), (cx + w * 0.6, base - h)], cap)
    art.glow(cx, base - h * 0.85, w * 0.25)
    return base - h - w * 2.2
