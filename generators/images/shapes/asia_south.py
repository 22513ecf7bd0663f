"""Signature drawings for South and Southeast Asia and the Gulf."""

from __future__ import annotations

from generators.images.shapes.common import minaret, onion
from generators.images.shapes.pen import Pen, signature


@signature("taj_mahal", 1.35)
def taj_mahal(p: Pen) -> None:
    """The Taj Mahal: white plinth, great arched iwan, onion dome with chhatris, four minarets, the pool."""
    p.rect(0.02, 0.86, 0.98, 0.95, "main")
    p.rect(0.02, 0.93, 0.98, 0.95, "shade")
    p.rect(0.43, 0.95, 0.57, 1.0, "water")
    p.rect(0.28, 0.48, 0.72, 0.86, "main")
    p.rect(0.28, 0.48, 0.33, 0.86, (225, 218, 205))
    p.rect(0.67, 0.48, 0.72, 0.86, "light")
    p.rect(0.42, 0.5, 0.58, 0.86, "light")
    p.arch_row(0.43, 0.57, 0.54, 0.84, 1, "shade", 0.2)
    p.arch_row(0.34, 0.42, 0.55, 0.68, 1, "shade", 0.3)
    p.arch_row(0.34, 0.42, 0.71, 0.84, 1, "shade", 0.3)
    p.arch_row(0.58, 0.66, 0.55, 0.68, 1, "shade", 0.3)
    p.arch_row(0.58, 0.66, 0.71, 0.84, 1, "shade", 0.3)
    p.rect(0.39, 0.42, 0.61, 0.49, "main")
    onion(p, 0.5, 0.44, 0.3, 0.36, "main", None)
    for u in (0.33, 0.67):
        p.rect(u - 0.035, 0.42, u + 0.035, 0.48, "main")
        onion(p, u, 0.43, 0.08, 0.09, "main", None)
    for u, h in ((0.06, 0.62), (0.94, 0.62), (0.2, 0.5), (0.8, 0.5)):
        minaret(p, u, 0.86, 0.035, h, "main")
        onion(p, u, 0.86 - h * 0.96, 0.05, 0.06, "main", None)


@signature("angkor_wat", 2.0)
def angkor_wat(p: Pen) -> None:
    """Angkor Wat: five lotus-bud towers over tiered galleries, mirrored in the moat."""
    p.rect(0.0, 0.8, 1.0, 0.9, "main")
    p.windows(0.02, 0.82, 0.98, 0.88, 24, 1, 0.3, 0.5)
    p.rect(0.1, 0.68, 0.9, 0.8, "main")
    p.rect(0.1, 0.76, 0.9, 0.8, "shade")
    p.rect(0.22, 0.56, 0.78, 0.68, "main")
    p.windows(0.24, 0.58, 0.76, 0.66, 12, 1, 0.3, 0.5)
    for u, top, w in (
        (0.14, 0.38, 0.09),
        (0.86, 0.38, 0.09),
        (0.3, 0.26, 0.1),
        (0.7, 0.26, 0.1),
        (0.5, 0.05, 0.13),
    ):
        base = 0.7 if u in (0.14, 0.86) else 0.58
        left = [
            (u - w * 0.08, top),
            (u - w * 0.3, top + (base - top) * 0.35),
            (u - w * 0.5, top + (base - top) * 0.75),
            (u - w * 0.5, base),
        ]
        p.poly(left + [(2 * u - a, b) for a, b in reversed(left)])
        p.poly(
            [
                (u, top),
                (u + w * 0.08, top),
                (u + w * 0.3, top + (base - top) * 0.35),
                (u + w * 0.5, top + (base - top) * 0.75),
                (u + w * 0.5, base),
                (u + w * 0.1, base),
            ],
            "shade",
        )
        for k in range(1, 6):
            v = top + (base - top) * k / 6
            half = w * (0.08 + 0.42 * min(1, k / 4.5))
            p.line([(u - half, v), (u + half, v)], "dark", 0.004)
    p.rect(0.0, 0.9, 1.0, 1.0, "water")


@signature("petronas_towers", 0.62)
def petronas_towers(p: Pen) -> None:
    """The Petronas Twin Towers: stepped silver towers with pinnacles and the skybridge."""
    for cu in (0.25, 0.75):
        tiers = [(0.22, 0.3), (0.2, 0.22), (0.17, 0.16), (0.13, 0.11), (0.09, 0.08), (0.05, 0.06)]
        v = 1.0
        for w, h in tiers:
            p.rect(cu - w, v - h * 0.9, cu + w, v, "main")
            p.rect(cu + w * 0.35, v - h * 0.9, cu + w, v, "shade")
            p.windows(cu - w * 0.9, v - h * 0.85, cu + w * 0.9, v - 0.005, 6, max(1, int(h * 40)), 0.5, 0.45)
            v -= h * 0.9
        p.line([(cu, v), (cu, 0.0)], "light", 0.018)
    p.rect(0.4, 0.56, 0.6, 0.6, "shade")
    p.line([(0.43, 0.6), (0.5, 0.7), (0.57, 0.6)], "shade", 0.012)


@signature("marina_bay_sands", 2.0)
def marina_bay_sands(p: Pen) -> None:
    """Marina Bay Sands: three hotel towers joined by the ship-shaped SkyPark overhanging on one side."""
    for cu in (0.22, 0.48, 0.74):
        p.poly([(cu - 0.09, 1.0), (cu - 0.07, 0.2), (cu + 0.07, 0.2), (cu + 0.09, 1.0)], "main")
        p.poly([(cu, 0.2), (cu + 0.07, 0.2), (cu + 0.09, 1.0), (cu, 1.0)], "shade")
        p.windows(cu - 0.065, 0.24, cu + 0.065, 0.98, 4, 22, 0.5, 0.5)
    p.poly([(0.08, 0.2), (0.1, 0.13), (0.9, 0.12), (1.0, 0.15), (0.95, 0.2)], "light")
    p.line([(0.1, 0.12), (0.9, 0.11)], "green", 0.01)


@signature("burj_khalifa", 0.3)
def burj_khalifa(p: Pen) -> None:
    """Burj Khalifa: the stepped needle of setbacks rising to a long spire."""
    steps = [
        (0.56, 0.2),
        (0.48, 0.16),
        (0.4, 0.13),
        (0.32, 0.11),
        (0.25, 0.09),
        (0.19, 0.08),
        (0.14, 0.06),
        (0.1, 0.05),
    ]
    v = 1.0
    for i, (w, h) in enumerate(steps):
        left = 0.5 - w * (0.5 if i % 2 else 0.44)
        right = 0.5 + w * (0.44 if i % 2 else 0.5)
        p.rect(left, v - h, right, v, "main")
        p.rect(0.5 + w * 0.12, v - h, right, v, "shade")
        p.rect(0.5 - w * 0.06, v - h, 0.5 + w * 0.02, v, "light")
        p.windows(left + 0.02, v - h, right - 0.02, v, 4, max(1, int(h * 60)), 0.45, 0.35, "glass")
        v -= h
    p.poly([(0.46, v), (0.5, 0.0), (0.54, v)], "main")
    p.line([(0.5, v), (0.5, 0.0)], "light", 0.025)
