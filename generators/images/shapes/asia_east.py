"""Signature drawings for East Asia and the Himalaya."""

from __future__ import annotations

from generators.images.shapes.common import arc_points, curved_roof
from generators.images.shapes.pen import Pen, mirror, signature


@signature("great_wall", 1.8, floodlit=False)
def great_wall(p: Pen) -> None:
    """The Great Wall snaking along mountain ridges, with crenellations and watchtowers."""
    ridge = [(0.0, 0.9), (0.14, 0.46), (0.3, 0.6), (0.48, 0.3), (0.66, 0.52), (0.84, 0.24), (1.0, 0.62)]
    p.poly([(0.0, 1.0)] + [(u, v + 0.03) for u, v in ridge] + [(1.0, 1.0)], "green")
    p.poly([(0.48, 0.33), (0.66, 0.55), (0.84, 0.27), (0.9, 0.5), (0.7, 1.0), (0.5, 1.0)], (50, 100, 55))
    top = [(u, v - 0.05) for u, v in ridge]
    p.poly(top + [(u, v + 0.02) for u, v in reversed(ridge)], "main")
    p.line([(u, v + 0.02) for u, v in ridge], "shade", 0.006)
    for (ua, va), (ub, vb) in zip(top, top[1:], strict=False):
        for k in range(8):
            t = (k + 0.3) / 8
            u, v = ua + (ub - ua) * t, va + (vb - va) * t
            p.rect(u - 0.006, v - 0.025, u + 0.006, v + 0.002, "main")
    for u, v in ridge[1:-1:1]:
        p.rect(u - 0.035, v - 0.16, u + 0.035, v + 0.01, "main")
        p.rect(u + 0.01, v - 0.16, u + 0.035, v + 0.01, "shade")
        p.rect(u - 0.045, v - 0.18, u + 0.045, v - 0.16, "shade")
        p.arch_row(u - 0.03, u + 0.03, v - 0.12, v - 0.06, 2, "dark")


@signature("forbidden_city", 2.0)
def forbidden_city(p: Pen) -> None:
    """The Hall of Supreme Harmony: marble terraces, red columned hall, double golden roof."""
    for k, (u0, u1) in enumerate(((0.0, 1.0), (0.05, 0.95), (0.1, 0.9))):
        v = 1.0 - k * 0.07
        p.rect(u0, v - 0.07, u1, v, "white")
        p.rect(u0, v - 0.012, u1, v, (200, 200, 195))
    p.rect(0.44, 0.79, 0.56, 1.0, (215, 215, 210))
    p.rect(0.16, 0.5, 0.84, 0.79, "main")
    for i in range(11):
        u = 0.18 + i * 0.061
        p.rect(u, 0.52, u + 0.022, 0.79, "shade")
    p.windows(0.2, 0.56, 0.8, 0.76, 10, 1, 0.8, 0.6, "gold")
    curved_roof(p, 0.08, 0.92, 0.36, 0.52, "accent")
    p.rect(0.2, 0.3, 0.8, 0.37, "main")
    curved_roof(p, 0.14, 0.86, 0.1, 0.31, "accent")
    for u in (0.3, 0.7):
        p.rect(u - 0.012, 0.06, u + 0.012, 0.11, "accent")


@signature("oriental_pearl", 0.42)
def oriental_pearl(p: Pen) -> None:
    """Shanghai's TV tower: three columns, a big pink sphere below, a smaller one above, and the spire."""
    grey, grey_dark = (205, 205, 212), (150, 150, 160)
    for u in (0.36, 0.5, 0.64):
        p.rect(u - 0.035, 0.22, u + 0.035, 1.0, grey)
        p.rect(u + 0.01, 0.22, u + 0.035, 1.0, grey_dark)
    p.poly([(0.1, 1.0), (0.32, 0.66), (0.38, 0.66), (0.2, 1.0)], grey)
    p.poly([(0.9, 1.0), (0.68, 0.66), (0.62, 0.66), (0.8, 1.0)], grey_dark)
    big = 0.42 * p.w / p.h
    p.ellipse(0.12, 0.56 - big / 2, 0.88, 0.56 + big / 2, "main")
    p.chord(0.12, 0.56 - big / 2, 0.88, 0.56 + big / 2, 290, 70, "shade")
    p.windows(0.2, 0.53, 0.8, 0.57, 8, 1, 0.9, 0.6, "accent")
    small = 0.26 * p.w / p.h
    p.ellipse(0.28, 0.22 - small / 2, 0.72, 0.22 + small / 2, "main")
    p.chord(0.28, 0.22 - small / 2, 0.72, 0.22 + small / 2, 290, 70, "shade")
    p.windows(0.32, 0.21, 0.68, 0.23, 6, 1, 0.9, 0.6, "accent")
    for v in (0.82, 0.4):
        p.ellipse(0.43, v - 0.02, 0.57, v + 0.02, "main")
    p.rect(0.47, 0.05, 0.53, 0.16, grey)
    p.ellipse(0.44, 0.07, 0.56, 0.1, "main")
    p.line([(0.5, 0.0), (0.5, 0.06)], grey_dark, 0.02)


@signature("mount_fuji", 2.3, floodlit=False, snowy=True)
def mount_fuji(p: Pen) -> None:
    """Mount Fuji: a symmetric volcano with concave slopes and a jagged snow cap."""
    left = [(0.42, 0.0), (0.36, 0.12), (0.28, 0.3), (0.18, 0.55), (0.08, 0.8), (0.0, 0.96), (0.0, 1.0)]
    p.poly(mirror(left))
    p.poly(
        [
            (0.5, 0.0),
            (0.58, 0.0),
            (0.64, 0.12),
            (0.72, 0.3),
            (0.82, 0.55),
            (0.92, 0.8),
            (1.0, 0.96),
            (1.0, 1.0),
            (0.55, 1.0),
        ],
        "shade",
    )
    cap = [(0.42, 0.0), (0.58, 0.0), (0.64, 0.12), (0.7, 0.25), (0.66, 0.3), (0.62, 0.23), (0.58, 0.33)]
    cap += [
        (0.54, 0.24),
        (0.5, 0.36),
        (0.46, 0.25),
        (0.42, 0.34),
        (0.38, 0.23),
        (0.33, 0.3),
        (0.3, 0.26),
        (0.36, 0.12),
    ]
    p.poly(cap, "snow")
    p.poly(
        [
            (0.5, 0.0),
            (0.58, 0.0),
            (0.64, 0.12),
            (0.7, 0.25),
            (0.66, 0.3),
            (0.62, 0.23),
            (0.58, 0.33),
            (0.54, 0.24),
        ],
        (215, 225, 240),
    )


@signature("tokyo_tower", 0.5)
def tokyo_tower(p: Pen) -> None:
    """Tokyo Tower: an orange-and-white lattice tower with two observation decks."""
    left = [(0.49, 0.0), (0.47, 0.25), (0.44, 0.42), (0.36, 0.68), (0.2, 0.9), (0.12, 1.0)]
    arch = arc_points(0.5, 1.0, 0.24, 0.2, 180, 360, 16)
    right = [(1 - u, v) for u, v in reversed(left[:-1])]
    p.poly(left + [(0.26, 1.0)] + arch[1:-1] + [(0.74, 1.0), (0.88, 1.0)] + right, "main")
    bands = [(0.0, 0.08), (0.2, 0.25), (0.36, 0.42), (0.6, 0.65), (0.74, 0.79)]

    def half_w(v: float) -> float:
        for (va, ua), (vb, ub) in zip(
            [(q[1], q[0]) for q in left], [(q[1], q[0]) for q in left[1:]], strict=False
        ):
            if va <= v <= vb:
                return 0.5 - (ua + (ub - ua) * (v - va) / (vb - va))
        return 0.38

    for v0, v1 in bands:
        p.poly(
            [(0.5 - half_w(v0), v0), (0.5 + half_w(v0), v0), (0.5 + half_w(v1), v1), (0.5 - half_w(v1), v1)],
            "white",
        )
    v = 0.1
    while v < 0.76:
        a, b = half_w(v), half_w(v + 0.04)
        p.line([(0.5 - a, v), (0.5 + b, v + 0.04)], "shade", 0.006)
        p.line([(0.5 + a, v), (0.5 - b, v + 0.04)], "shade", 0.006)
        v += 0.04
    p.rect(0.34, 0.45, 0.66, 0.52, "white")
    p.windows(0.35, 0.46, 0.65, 0.51, 8, 1, 0.9, 0.6)
    p.rect(0.42, 0.22, 0.58, 0.26, "white")
    p.line([(0.5, 0.0), (0.5, 0.1)], "white", 0.015)
    for k in range(12):
        p.glow(
            0.5 - half_w(0.1 + k * 0.07) - 0.01,
            0.1 + k * 0.07,
            0.5 - half_w(0.1 + k * 0.07) + 0.01,
            0.11 + k * 0.07,
            (255, 170, 80),
        )


@signature("gyeongbokgung", 2.0)
def gyeongbokgung(p: Pen) -> None:
    """Geunjeongjeon hall: stone terraces, red-and-green timber hall, a two-tier grey-tile roof."""
    p.rect(0.0, 0.9, 1.0, 1.0, (205, 200, 190))
    p.rect(0.08, 0.82, 0.92, 0.9, (215, 210, 200))
    p.rect(0.18, 0.55, 0.82, 0.82, "main")
    for i in range(9):
        u = 0.2 + i * 0.076
        p.rect(u, 0.55, u + 0.02, 0.82, "accent")
    p.windows(0.22, 0.6, 0.8, 0.8, 8, 2, 0.7, 0.7, "shade")
    p.rect(0.18, 0.53, 0.82, 0.57, (70, 130, 110))
    curved_roof(p, 0.08, 0.92, 0.4, 0.55, (70, 70, 75))
    p.rect(0.24, 0.32, 0.76, 0.41, "main")
    p.rect(0.24, 0.32, 0.76, 0.34, (70, 130, 110))
    curved_roof(p, 0.14, 0.86, 0.12, 0.33, (70, 70, 75))


@signature("potala_palace", 1.6)
def potala_palace(p: Pen) -> None:
    """The Potala: white palace wings around the red central palace with golden roofs, on Red Hill."""
    p.poly([(0.0, 1.0), (0.05, 0.8), (0.25, 0.7), (0.75, 0.7), (0.95, 0.8), (1.0, 1.0)], (120, 110, 90))
    p.poly([(0.06, 0.82), (0.1, 0.38), (0.32, 0.34), (0.32, 0.82)], "white")
    p.poly([(0.68, 0.82), (0.68, 0.34), (0.9, 0.38), (0.94, 0.82)], "white")
    p.poly([(0.3, 0.82), (0.33, 0.18), (0.67, 0.18), (0.7, 0.82)], (150, 45, 40))
    p.rect(0.33, 0.18, 0.67, 0.22, (90, 40, 35))
    p.windows(0.12, 0.45, 0.3, 0.78, 5, 7, 0.6, 0.5)
    p.windows(0.7, 0.45, 0.88, 0.78, 5, 7, 0.6, 0.5)
    p.windows(0.36, 0.26, 0.64, 0.78, 8, 9, 0.6, 0.5)
    for u0, u1 in ((0.36, 0.46), (0.54, 0.64)):
        curved_roof(p, u0, u1, 0.1, 0.18, "gold")
    p.poly([(0.46, 0.18), (0.5, 0.08), (0.54, 0.18)], "gold")
