"""Signature drawings for Australia and New Zealand."""

from __future__ import annotations

import math

from generators.images.shapes.pen import Pen, signature


def _sail(p: Pen, u0: float, u1: float, top: float, base: float, lean: float) -> None:
    """One Opera House shell: convex tiled back, concave open front in shade."""
    ut = u0 + (u1 - u0) * lean
    back = [
        (ut + (u1 - ut) * math.sin(t * math.pi / 2), top + (base - top) * (1 - math.cos(t * math.pi / 2)))
        for t in (i / 10 for i in range(11))
    ]
    front = [
        (u0 + (ut - u0) * t**0.6, base - (base - top) * t**1.5) for t in (i / 10 for i in range(10, -1, -1))
    ]
    p.poly(back + list(reversed(front)), "main")
    mouth = u0 + (u1 - u0) * 0.45
    p.poly(front + [(mouth, base)], "shade")
    for k in range(1, 4):
        t = k / 4
        p.line(
            [
                (ut + (u1 - ut) * t * 0.5, top + (base - top) * t * 0.3),
                (u1 - (u1 - u0) * 0.25 * (1 - t), base),
            ],
            "light",
            0.003,
        )


@signature("sydney_opera_house", 2.2)
def sydney_opera_house(p: Pen) -> None:
    """Sydney Opera House: overlapping white shell sails on a granite podium at the water's edge."""
    p.rect(0.0, 0.82, 1.0, 1.0, (180, 150, 120))
    p.rect(0.0, 0.8, 1.0, 0.84, (150, 120, 95))
    p.windows(0.05, 0.86, 0.95, 0.96, 16, 1, 0.8, 0.5)
    # Two groups of shells, each nesting smaller ones behind/in front, tips leaning toward the harbour.
    for u0, u1, top in ((0.26, 0.5, 0.14), (0.12, 0.36, 0.3), (0.38, 0.56, 0.42)):
        _sail(p, u0, u1, top, 0.82, 0.22)
    for u0, u1, top in ((0.62, 0.84, 0.26), (0.52, 0.72, 0.4), (0.74, 0.92, 0.48)):
        _sail(p, u0, u1, top, 0.82, 0.22)
    _sail(p, 0.88, 0.99, 0.64, 0.82, 0.25)


@signature("uluru", 3.2, floodlit=False)
def uluru(p: Pen) -> None:
    """Uluru: the great rounded red sandstone monolith with vertical gullies, rising from flat desert."""
    ts = [i / 24 for i in range(25)]
    # A flattened superellipse: steep ends, a broad gently domed top, slightly higher on the left.
    top = [(t, 1.0 - 0.92 * (1 - abs(2 * t - 1) ** 3.5) ** 0.3 * (1.0 - 0.06 * t)) for t in ts]
    p.poly(top, "main")
    p.poly([(u, v) for u, v in top if u >= 0.72] + [(0.78, 1.0)], "shade")
    p.poly([(0.0, 1.0)] + [(u, 1.0 - (1.0 - v) * 0.25) for u, v in top] + [(1.0, 1.0)], "shade")
    for k in range(16):
        u = 0.06 + k * 0.058 + 0.01 * ((k * 5) % 3)
        v_top = next(v for uu, v in top if uu >= u) + 0.03 + 0.04 * ((k * 3) % 4)
        p.line([(u, v_top), (u + 0.012 * ((k % 3) - 1), v_top + 0.25 + 0.08 * (k % 3))], "shade", 0.003)


@signature("milford_sound", 1.7, floodlit=False, snowy=True)
def milford_sound(p: Pen) -> None:
    """Milford Sound: Mitre Peak rising sheer from the fjord between dark cliffs, with a thin waterfall."""
    p.poly([(0.0, 0.85), (0.05, 0.4), (0.12, 0.28), (0.25, 0.55), (0.32, 0.85)], (60, 80, 65))
    p.poly([(0.28, 0.85), (0.48, 0.12), (0.55, 0.0), (0.6, 0.1), (0.72, 0.5), (0.85, 0.85)], "main")
    p.poly([(0.55, 0.0), (0.6, 0.1), (0.72, 0.5), (0.85, 0.85), (0.6, 0.85)], "shade")
    p.poly([(0.52, 0.04), (0.55, 0.0), (0.58, 0.06), (0.55, 0.1)], "snow")
    p.poly([(0.75, 0.85), (0.86, 0.32), (0.94, 0.3), (1.0, 0.6), (1.0, 0.85)], (55, 75, 62))
    p.line([(0.93, 0.32), (0.92, 0.84)], "foam", 0.008)
    p.poly([(0.3, 0.85), (0.55, 1.0), (0.8, 0.85)], (70, 100, 120))
