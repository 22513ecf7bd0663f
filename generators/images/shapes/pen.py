"""A drawing pen in unit coordinates over a landmark's box, and the signature-drawing registry."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from PIL import ImageDraw

RGB = tuple[int, int, int]
Pt = tuple[float, float]

LIT_WINDOW: RGB = (255, 214, 120)
NAMED: dict[str, RGB] = {
    "white": (246, 244, 238),
    "snow": (248, 250, 255),
    "black": (30, 30, 34),
    "gold": (214, 170, 60),
    "green": (70, 130, 70),
    "copper": (110, 175, 150),
    "water": (90, 150, 200),
    "foam": (235, 245, 250),
    "rock": (120, 110, 100),
    "red": (190, 50, 40),
    "glass": (120, 160, 190),
    "wood": (120, 80, 50),
}


class Pen:
    """Draws into a pixel box with (u, v) in 0..1 (v down; v=1 is the ground line) and tracks the drawn bbox."""

    def __init__(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[float, float, float, float],
        colours: dict[str, RGB],
        lit: Callable[[RGB], RGB],
        rng: random.Random,
        *,
        is_night: bool,
        direction: float,
        bbox: list[float] | None = None,
    ) -> None:
        self.draw = draw
        self.x0, self.y0, self.x1, self.y1 = box
        self.w, self.h = self.x1 - self.x0, self.y1 - self.y0
        self.colours = colours
        self.lit = lit
        self.rng = rng
        self.is_night = is_night
        self.direction = direction
        self.bbox = bbox if bbox is not None else [1e9, 1e9, -1e9, -1e9]

    def sub(self, u0: float, v0: float, u1: float, v1: float) -> Pen:
        """A pen over a part of this box, sharing colours and the tracked bbox."""
        x0, y0 = self.pt(u0, v0)
        x1, y1 = self.pt(u1, v1)
        return Pen(
            self.draw,
            (x0, y0, x1, y1),
            self.colours,
            self.lit,
            self.rng,
            is_night=self.is_night,
            direction=self.direction,
            bbox=self.bbox,
        )

    def c(self, colour: str | RGB) -> RGB:
        """A semantic (main, shade, accent, dark, ...), named or rgb colour, lit for the scene."""
        if isinstance(colour, tuple):
            return self.lit(colour)
        if colour in self.colours:
            return self.lit(self.colours[colour])
        return self.lit(NAMED.get(colour, (128, 128, 128)))

    def face(self, side: int) -> str:
        """'main' for the face toward the sun (side -1 left, 1 right), else 'shade'."""
        return "main" if side * self.direction >= 0 else "shade"

    def pt(self, u: float, v: float) -> tuple[float, float]:
        """Unit coordinates to pixels."""
        return (self.x0 + u * self.w, self.y0 + v * self.h)

    def _track(self, xs: Iterable[float], ys: Iterable[float], pad: float = 0.0) -> None:
        xs, ys = list(xs), list(ys)
        b = self.bbox
        b[0] = min(b[0], min(xs) - pad)
        b[1] = min(b[1], min(ys) - pad)
        b[2] = max(b[2], max(xs) + pad)
        b[3] = max(b[3], max(ys) + pad)

    def poly(self, pts: Sequence[Pt], fill: str | RGB = "main") -> None:
        """A filled polygon."""
        xy = [self.pt(u, v) for u, v in pts]
        self._track((p[0] for p in xy), (p[1] for p in xy))
        self.draw.polygon(xy, fill=self.c(fill))

    def rect(self, u0: float, v0: float, u1: float, v1: float, fill: str | RGB = "main") -> None:
        """A filled rectangle."""
        (x0, y0), (x1, y1) = self.pt(u0, v0), self.pt(u1, v1)
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        self._track((x0, x1), (y0, y1))
        self.draw.rectangle((x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)), fill=self.c(fill))

    def ellipse(self, u0: float, v0: float, u1: float, v1: float, fill: str | RGB = "main") -> None:
        """A filled ellipse in the given box."""
        (x0, y0), (x1, y1) = self.pt(u0, v0), self.pt(u1, v1)
        self._track((x0, x1), (y0, y1))
        self.draw.ellipse((x0, y0, max(x0, x1), max(y0, y1)), fill=self.c(fill))

    def chord(
        self, u0: float, v0: float, u1: float, v1: float, start: float, end: float, fill: str | RGB = "main"
    ) -> None:
        """A filled chord (part of an ellipse), angles in degrees clockwise from 3 o'clock."""
        (x0, y0), (x1, y1) = self.pt(u0, v0), self.pt(u1, v1)
        self._track((x0, x1), (y0, y1))
        self.draw.chord((x0, y0, max(x0, x1), max(y0, y1)), start, end, fill=self.c(fill))

    def dome(self, u0: float, v_base: float, u1: float, height: float, fill: str | RGB = "main") -> None:
        """A half-ellipse dome standing on v_base."""
        self.chord(u0, v_base - height, u1, v_base + height, 180, 360, fill)

    def line(self, pts: Sequence[Pt], fill: str | RGB = "main", width: float = 0.01) -> None:
        """A polyline; width is a fraction of the box width (at least one pixel)."""
        xy = [self.pt(u, v) for u, v in pts]
        px = max(1, round(width * self.w))
        self._track((p[0] for p in xy), (p[1] for p in xy), px / 2)
        self.draw.line(xy, fill=self.c(fill), width=px)

    def arch_row(
        self,
        u0: float,
        u1: float,
        v_top: float,
        v_bot: float,
        n: int,
        fill: str | RGB = "dark",
        gap: float = 0.35,
    ) -> None:
        """A row of n round-topped openings between u0 and u1."""
        step = (u1 - u0) / n
        ow = step * (1 - gap)
        rad_v = ow / 2 * self.w / max(1.0, self.h)
        for i in range(n):
            a = u0 + i * step + (step - ow) / 2
            self.rect(a, v_top + rad_v, a + ow, v_bot, fill)
            self.ellipse(a, v_top, a + ow, v_top + 2 * rad_v, fill)

    def windows(
        self,
        u0: float,
        v0: float,
        u1: float,
        v1: float,
        cols: int,
        rows: int,
        lit_share: float = 0.55,
        fill: float = 0.55,
        day: str | RGB = "dark",
    ) -> None:
        """A grid of windows: dark by day; at night a seeded share glows warm (drawn unlit by the tint)."""
        cw, rh = (u1 - u0) / max(1, cols), (v1 - v0) / max(1, rows)
        for r in range(rows):
            for k in range(cols):
                a, b = u0 + k * cw + cw * (1 - fill) / 2, v0 + r * rh + rh * (1 - fill) / 2
                (x0, y0), (x1, y1) = self.pt(a, b), self.pt(a + cw * fill, b + rh * fill)
                if self.is_night and self.rng.random() < lit_share:
                    colour = LIT_WINDOW
                else:
                    colour = self.c(day)
                self.draw.rectangle((x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)), fill=colour)

    def glow(self, u0: float, v0: float, u1: float, v1: float, colour: RGB = LIT_WINDOW) -> None:
        """A light source that is only drawn at night (lamps, lit clock faces), untinted."""
        if self.is_night:
            (x0, y0), (x1, y1) = self.pt(u0, v0), self.pt(u1, v1)
            self._track((x0, x1), (y0, y1))
            self.draw.ellipse((x0, y0, max(x0, x1), max(y0, y1)), fill=colour)


def mirror(left: Sequence[Pt]) -> list[Pt]:
    """A symmetric polygon from its left half (listed top to bottom), mirrored about u=0.5."""
    return list(left) + [(1 - u, v) for u, v in reversed(left)]


@dataclass(frozen=True)
class Signature:
    """A landmark's signature drawing: its function, width/height aspect, and whether it is floodlit at night."""

    draw: Callable[[Pen], None]
    aspect: float
    floodlit: bool = True
    snowy: bool = False


REGISTRY: dict[str, Signature] = {}


def signature(shape_id: str, aspect: float, *, floodlit: bool = True, snowy: bool = False):
    """Register a signature drawing under a landmark shape id."""

    def wrap(fn: Callable[[Pen], None]) -> Callable[[Pen], None]:
        REGISTRY[shape_id] = Signature(fn, aspect, floodlit, snowy)
        return fn

    return wrap
