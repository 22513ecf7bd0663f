"""Reusable drawing parts shared by the continent modules: onion domes, spires, columns, arcs."""

from __future__ import annotations

import math

import numpy as np

from generators.images.shapes.pen import Pen, Pt

_ONION_T = [0.0, 0.15, 0.35, 0.55, 0.72, 0.85, 1.0]
_ONION_R = [0.7, 0.95, 1.0, 0.8, 0.4, 0.15, 0.0]


def onion(
    p: Pen, cu: float, v_base: float, width: float, height: float, fill: str, stripe: str | None
) -> None:
    """An onion dome with optional swirling stripes."""
    ts = np.linspace(0, 1, 14)
    rs = np.interp(ts, _ONION_T, _ONION_R) * width / 2
    left = [(cu - r, v_base - t * height) for t, r in zip(ts, rs, strict=True)]
    right = [(cu + r, v_base - t * height) for t, r in zip(ts, rs, strict=True)]
    p.poly(left + right[::-1], fill)
    if stripe:
        for k in range(-2, 3):
            pts = [
                (cu + r * (k / 2.6) + (t * 0.3 * width), v_base - t * height)
                for t, r in zip(ts[:-2], rs[:-2], strict=True)
            ]
            pts = [(min(cu + r, max(cu - r, u)), v) for (u, v), r in zip(pts, rs[:-2], strict=True)]
            p.line(pts, stripe, 0.012)
    p.line([(cu, v_base - height), (cu, v_base - height * 1.18)], "gold", 0.008)


def spire(p: Pen, cu: float, v_base: float, width: float, height: float, fill: str = "main") -> None:
    """A plain pointed spire."""
    p.poly([(cu - width / 2, v_base), (cu, v_base - height), (cu + width / 2, v_base)], fill)


def columns(
    p: Pen, u0: float, u1: float, v0: float, v1: float, n: int, fill: str = "main", share: float = 0.55
) -> None:
    """n evenly spaced columns between u0 and u1."""
    step = (u1 - u0) / n
    cw = step * share
    for i in range(n):
        a = u0 + i * step + (step - cw) / 2
        p.rect(a, v0, a + cw, v1, fill)


def arc_points(cu: float, cv: float, ru: float, rv: float, a0: float, a1: float, n: int = 16) -> list[Pt]:
    """Points on an elliptical arc, angles in degrees (0 = right, 90 = down)."""
    out = []
    for i in range(n + 1):
        a = math.radians(a0 + (a1 - a0) * i / n)
        out.append((cu + ru * math.cos(a), cv + rv * math.sin(a)))
    return out


def curved_arches(
    p: Pen,
    v_top: float,
    v_bot: float,
    n: int,
    fill: str = "dark",
    u0: float = 0.0,
    u1: float = 1.0,
    upto: float = 1.0,
) -> None:
    """A row of arches on a curved (elliptical) wall: narrower toward the edges; none right of `upto`."""
    edges = [u0 + (u1 - u0) * (0.5 + 0.5 * math.sin(-math.pi / 2 + math.pi * i / n)) for i in range(n + 1)]
    for a, b in zip(edges, edges[1:], strict=False):
        ow = (b - a) * 0.62
        m = (a + b) / 2
        if b > upto:
            break
        rad_v = ow / 2 * p.w / max(1.0, p.h)
        p.rect(m - ow / 2, v_top + rad_v, m + ow / 2, v_bot, fill)
        p.ellipse(m - ow / 2, v_top, m + ow / 2, v_top + 2 * rad_v, fill)


def minaret(p: Pen, cu: float, v_base: float, width: float, height: float, cap: str = "main") -> None:
    """A slender minaret with a balcony and a pointed cap."""
    p.rect(cu - width / 2, v_base - height * 0.85, cu + width / 2, v_base, "main")
    p.rect(cu - width * 0.8, v_base - height * 0.6, cu + width * 0.8, v_base - height * 0.57, "shade")
    p.rect(cu - width * 0.75, v_base - height * 0.88, cu + width * 0.75, v_base - height * 0.84, "shade")
    p.poly(
        [
            (cu - width * 0.55, v_base - height * 0.85),
            (cu, v_base - height),
            (cu + width * 0.55, v_base - height * 0.85),
        ],
        cap,
    )


def curved_roof(
    p: Pen, u0: float, u1: float, v_top: float, v_bot: float, fill: str | tuple = "accent"
) -> None:
    """An East Asian hip roof with upturned eaves and a ridge."""
    e = (u1 - u0) * 0.08
    inset = (u1 - u0) * 0.2
    lift = (v_bot - v_top) * 0.35
    p.poly(
        [
            (u0 - e, v_bot - lift),
            (u0 + e * 0.4, v_bot),
            (u1 - e * 0.4, v_bot),
            (u1 + e, v_bot - lift),
            (u1 - inset, v_top),
            (u0 + inset, v_top),
        ],
        fill,
    )
    p.line([(u0 + inset - e * 0.3, v_top), (u1 - inset + e * 0.3, v_top)], "dark", 0.01)


def curtain(p: Pen, lip: list[Pt], bottom: float, streaks: int, tint: tuple = (200, 222, 235)) -> None:
    """A waterfall curtain hanging from a lip polyline down to `bottom`, with falling streaks."""
    p.poly(lip + [(lip[-1][0], bottom), (lip[0][0], bottom)], "foam")
    for _ in range(streaks):
        t = p.rng.random()
        k = min(len(lip) - 2, int(t * (len(lip) - 1)))
        f = t * (len(lip) - 1) - k
        u = lip[k][0] + (lip[k + 1][0] - lip[k][0]) * f
        v = lip[k][1] + (lip[k + 1][1] - lip[k][1]) * f
        length = (bottom - v) * p.rng.uniform(0.3, 0.95)
        p.line([(u, v + 0.01), (u, v + length)], tint, 0.003)
