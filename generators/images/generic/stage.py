"""The stage a generic scene is painted on: layers back to front, the focal box, the place's colours."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from generators.images.generic.parts import Art
from generators.images.sky import mix, scale

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]
LAYER_NAMES = ("sky", "far", "mid", "near")


@dataclass
class Stage:
    """Layers (far, mid, near as transparent RGBA over the sky), the layout, and the place's look."""

    art: Art
    far: Image.Image
    mid: Image.Image
    near: Image.Image
    box: Box  # where the scene's focal group goes (from the shared layout)
    colours: dict[str, RGB]  # the place's palette: landmark, landmark_shadow, ground, accent
    season: str
    weather: str
    tropical: bool  # within the tropics: no snowy winters
    far_lit: Callable[[RGB], RGB]  # ambient light on distant scenery
    town_lit: Callable[[RGB], RGB]  # light on the town (moonlit at night, so it stays readable)
    focus: list[float] = field(default_factory=lambda: [math.inf, math.inf, -math.inf, -math.inf])

    @property
    def snowy(self) -> bool:
        """Whether snow lies on the ground and roofs."""
        return self.weather == "snow"

    @property
    def night(self) -> bool:
        """Whether it is dark (windows lit, lamps on)."""
        return self.art.night

    def to(self, layer: str) -> Art:
        """The painter, drawing on the named layer ("far", "mid" or "near") in that layer's light."""
        self.art.lit = self.far_lit if layer == "far" else self.town_lit
        return self.art.on(getattr(self, layer))

    def include(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Grow the focal box (what avatars stand beside) to cover this rectangle."""
        f = self.focus
        f[0], f[1], f[2], f[3] = min(f[0], x0), min(f[1], y0), max(f[2], x1), max(f[3], y1)

    def focal_box(self) -> tuple[int, int, int, int]:
        """The focal group's pixel box, clipped to the frame (the layout box when nothing was marked)."""
        f = self.focus if math.isfinite(self.focus[0]) else list(self.box)
        w, h = self.art.size
        return (
            max(0, int(f[0])),
            max(0, int(f[1])),
            min(w, int(math.ceil(f[2])) + 1),
            min(h, int(math.ceil(f[3])) + 1),
        )

    def ground(
        self, top: RGB, bottom: RGB, y0: float | None = None, y1: float | None = None, layer: str = "mid"
    ) -> None:
        """A vertical gradient band from `top` at y0 (the horizon by default) to `bottom` at y1 (the foot)."""
        art = self.to(layer)
        w, h = art.size
        y0 = art.horizon_y if y0 is None else int(y0)
        y1 = h if y1 is None else int(y1)
        if y1 - y0 < 1:
            return
        rows = max(2, (y1 - y0) // 4)
        t = np.linspace(0, 1, rows)[:, None]
        a, b = np.array(art.lit(top), np.float32), np.array(art.lit(bottom), np.float32)
        col = (a * (1 - t) + b * t).astype(np.uint8)
        band = Image.fromarray(col[:, None, :].repeat(2, axis=1)).resize(
            (w, y1 - y0), Image.Resampling.BILINEAR
        )
        getattr(self, layer).paste(band, (0, y0))

    def water(self, y0: float, y1: float, deep: RGB, shallow: RGB, layer: str = "mid") -> None:
        """A water band from y0 to y1 with glinting ripples, longer toward the viewer."""
        self.ground(deep, shallow, y0, y1, layer)
        art = self.to(layer)
        glint = mix(shallow, (255, 255, 255), 0.45)
        for _ in range(int(art.w / 14)):
            x = art.texture.uniform(0, art.w)
            y = art.texture.uniform(y0 + 2, max(y0 + 3, y1 - 2))
            ln = art.w * art.texture.uniform(0.01, 0.04) * (0.4 + (y - y0) / max(1.0, y1 - y0))
            art.line([(x, y), (x + ln, y)], glint, max(1, art.w // 600))

    def wall_colours(self, base: list[RGB], n: int) -> list[RGB]:
        """`n` wall colours for this place: a seeded pick from `base`, nudged toward its landmark colour."""
        rng = self.art.rng
        picks = rng.sample(base, min(n, len(base)))
        tone = self.colours["landmark"]
        return [mix(c, tone, rng.uniform(0.1, 0.3)) for c in picks]

    def paving(self, stone: RGB, cell: float, y0: float | None = None) -> None:
        """Rows of cobbles or slabs (`cell` scales their width) receding to y0 (the horizon by default)."""
        art = self.to("mid")
        hz, h, w = art.horizon_y if y0 is None else y0, art.h, art.w
        joint = art.lit(scale(stone, 0.72))
        line, rand = art.d.line, art.texture.random
        y = hz + 3.0
        row = 0
        while y < h:
            t = (y - hz) / max(1, h - hz)
            gap = (3 + t * h * 0.03) * (1 + (cell - 1) * 0.5)
            cw = w * (0.008 + 0.035 * t) * cell
            x = (row % 2) * cw / 2 - cw
            line((0, y, w, y), fill=joint, width=max(1, round(gap * 0.12 / cell)))
            width = max(1, round(gap * 0.1 / cell))
            while x < w and gap >= 5:  # nearer rows only: the far joints are too fine to see
                line((x, y, x - cw * 0.05, y + gap), fill=joint, width=width)
                x += cw * (0.85 + 0.3 * rand())
            y += gap
            row += 1
