"""Signature drawings for Africa and the Middle East's desert sites."""

from __future__ import annotations

from generators.images.shapes.common import arc_points, columns, curtain
from generators.images.shapes.pen import Pen, signature


def _pyramid(p: Pen, cu: float, half: float, top: float, cap: bool = False) -> None:
    """A pyramid seen corner-on: two faces, lit and shaded."""
    apex_u = cu + half * 0.12
    p.poly([(cu - half, 1.0), (apex_u, top), (cu + half * 0.25, 1.0)], p.face(-1))
    p.poly([(cu + half * 0.25, 1.0), (apex_u, top), (cu + half, 1.0)], p.face(1))
    for k in range(1, 7):
        v = top + (1 - top) * k / 7
        t = (v - top) / (1 - top)
        p.line(
            [(apex_u - (apex_u - cu + half) * t, v), (apex_u + (cu + half - apex_u) * t, v)], "shade", 0.002
        )
    if cap:
        t = 0.14
        p.poly(
            [
                (apex_u - (apex_u - cu + half) * t, top + (1 - top) * t),
                (apex_u, top),
                (apex_u + (cu + half - apex_u) * t, top + (1 - top) * t),
            ],
            "light",
        )


@signature("giza_pyramids", 2.4)
def giza_pyramids(p: Pen) -> None:
    """The three pyramids of Giza in a diagonal line, largest behind, with the Sphinx in front."""
    _pyramid(p, 0.33, 0.3, 0.0)
    _pyramid(p, 0.66, 0.27, 0.08, cap=True)
    _pyramid(p, 0.89, 0.11, 0.62)
    s = p.sub(0.02, 0.8, 0.2, 1.0)
    s.poly(
        [(0.0, 1.0), (0.05, 0.6), (0.6, 0.55), (0.7, 0.3), (0.8, 0.05), (0.95, 0.1), (1.0, 0.5), (1.0, 1.0)],
        "shade",
    )
    s.poly([(0.72, 0.3), (0.82, 0.05), (0.95, 0.12), (0.98, 0.5), (0.8, 0.55)], "main")


@signature("petra", 0.82, floodlit=True)
def petra(p: Pen) -> None:
    """Al-Khazneh: the Treasury's two-storey columned facade carved into a rose sandstone cliff."""
    p.poly(
        [
            (0.0, 1.0),
            (0.0, 0.12),
            (0.08, 0.04),
            (0.2, 0.08),
            (0.35, 0.0),
            (0.55, 0.03),
            (0.7, 0.0),
            (0.85, 0.06),
            (1.0, 0.02),
            (1.0, 1.0),
        ],
        "shade",
    )
    for k in range(7):
        u = k * 0.15
        p.line([(u, 0.0), (u + 0.05, 1.0)], (150, 80, 65), 0.02)
    f = p.sub(0.15, 0.06, 0.85, 1.0)
    f.rect(0.0, 0.55, 1.0, 1.0, "main")
    f.poly([(0.25, 0.56), (0.5, 0.46), (0.75, 0.56)], "main")
    f.rect(0.05, 0.56, 0.95, 0.6, "light")
    columns(f, 0.02, 0.98, 0.6, 0.98, 6, "light", 0.4)
    f.rect(0.42, 0.66, 0.58, 0.98, "dark")
    f.rect(0.0, 0.0, 1.0, 0.44, "main")
    f.rect(0.0, 0.4, 1.0, 0.44, "light")
    f.rect(0.36, 0.08, 0.64, 0.4, "light")
    f.poly([(0.36, 0.08), (0.5, 0.0), (0.64, 0.08)], "main")
    f.ellipse(0.47, -0.03, 0.53, 0.02, "main")
    columns(f, 0.36, 0.64, 0.12, 0.4, 3, "main", 0.4)
    for u0, u1 in ((0.0, 0.28), (0.72, 1.0)):
        f.poly(
            [(u0, 0.14), (u0 + 0.14 if u0 == 0 else u1 - 0.14, 0.06), (u1 if u0 == 0 else u0, 0.14)], "light"
        )
        columns(f, u0, u1, 0.16, 0.4, 2, "light", 0.4)


@signature("table_mountain", 2.5, floodlit=False)
def table_mountain(p: Pen) -> None:
    """Table Mountain's flat summit and cliffs between Devil's Peak and Lion's Head, with its tablecloth."""
    p.poly(
        [
            (0.0, 1.0),
            (0.04, 0.5),
            (0.1, 0.2),
            (0.14, 0.08),
            (0.17, 0.16),
            (0.22, 0.2),
            (0.3, 0.28),
            (0.3, 1.0),
        ],
        "shade",
    )
    top = [(0.24, 0.3), (0.28, 0.18), (0.32, 0.15), (0.76, 0.14), (0.8, 0.2)]
    p.poly([(0.2, 1.0)] + top + [(0.84, 0.5), (0.88, 1.0)])
    p.poly([(0.76, 0.14), (0.8, 0.2), (0.84, 0.5), (0.88, 1.0), (0.74, 1.0), (0.77, 0.5)], "shade")
    for k in range(11):
        u = 0.33 + k * 0.042
        p.line([(u, 0.17), (u - 0.006, 0.42 + 0.05 * (k % 2))], "shade", 0.002)
    p.poly(
        [(0.82, 1.0), (0.88, 0.62), (0.92, 0.42), (0.95, 0.38), (0.98, 0.44), (1.0, 0.6), (1.0, 1.0)], "main"
    )
    p.poly([(0.95, 0.38), (0.98, 0.44), (1.0, 0.6), (1.0, 1.0), (0.95, 1.0)], "shade")
    cloud = arc_points(0.54, 0.15, 0.24, 0.045, 180, 360, 20)
    p.poly(
        cloud + [(0.76, 0.19), (0.7, 0.22), (0.6, 0.19), (0.48, 0.23), (0.38, 0.19), (0.31, 0.18)], "white"
    )


@signature("kilimanjaro", 2.6, floodlit=False)
def kilimanjaro(p: Pen) -> None:
    """Kilimanjaro's broad flat-topped snow-capped cone above the savanna, with an acacia in front."""
    p.poly(
        [
            (0.0, 1.0),
            (0.15, 0.6),
            (0.32, 0.2),
            (0.4, 0.08),
            (0.62, 0.06),
            (0.72, 0.18),
            (0.88, 0.55),
            (1.0, 0.9),
            (1.0, 1.0),
        ]
    )
    p.poly([(0.62, 0.06), (0.72, 0.18), (0.88, 0.55), (1.0, 0.9), (1.0, 1.0), (0.7, 1.0)], "shade")
    p.poly(
        [
            (0.32, 0.2),
            (0.4, 0.08),
            (0.62, 0.06),
            (0.72, 0.18),
            (0.68, 0.24),
            (0.62, 0.18),
            (0.56, 0.26),
            (0.5, 0.18),
            (0.44, 0.25),
            (0.38, 0.2),
            (0.34, 0.26),
        ],
        "snow",
    )
    a = p.sub(0.06, 0.55, 0.3, 1.02)
    a.line([(0.5, 1.0), (0.48, 0.45)], (60, 45, 35), 0.04)
    a.line([(0.48, 0.6), (0.3, 0.35)], (60, 45, 35), 0.025)
    a.line([(0.49, 0.55), (0.7, 0.32)], (60, 45, 35), 0.025)
    a.chord(0.0, 0.2, 1.0, 0.5, 180, 360, (60, 90, 45))
    a.rect(0.02, 0.34, 0.98, 0.37, (50, 75, 40))


@signature("victoria_falls", 1.7, floodlit=False)
def victoria_falls(p: Pen) -> None:
    """Victoria Falls: a mile-wide curtain of water plunging into the gorge, spray and a rainbow."""
    # The chasm seen at an angle: the lip recedes to the right, rock buttresses split the curtain.
    p.poly([(0.0, 0.12), (0.3, 0.2), (0.7, 0.3), (1.0, 0.38), (1.0, 1.0), (0.0, 1.0)], (80, 66, 58))
    p.poly(
        [
            (0.0, 0.08),
            (0.1, 0.06),
            (0.3, 0.15),
            (0.6, 0.22),
            (1.0, 0.32),
            (1.0, 0.38),
            (0.7, 0.3),
            (0.3, 0.2),
            (0.0, 0.14),
        ],
        "green",
    )
    for u0, u1 in ((0.02, 0.2), (0.24, 0.46), (0.5, 0.7), (0.74, 0.98)):
        lip = [(u, 0.13 + 0.25 * u) for u in (u0, (u0 + u1) / 2, u1)]
        curtain(p, lip, 0.9, 16)
    u = -0.03
    while u < 1.03:
        r = p.rng.uniform(0.02, 0.04)
        v = 0.11 + 0.25 * max(0.0, min(1.0, u))
        p.ellipse(
            u - r * 1.3, v - 0.1, u + r * 1.3, v + 0.01, (40, 100, 50) if p.rng.random() < 0.5 else "green"
        )
        u += r * 1.7
    # The near lip of the chasm hides the curtain's foot; spray rises out of the gap.
    near = [
        (0.0, 1.0),
        (0.0, 0.8),
        (0.1, 0.76),
        (0.25, 0.82),
        (0.4, 0.77),
        (0.6, 0.83),
        (0.8, 0.79),
        (1.0, 0.85),
        (1.0, 1.0),
    ]
    p.poly(near, (45, 95, 50))
    for k in range(14):
        u = k / 13
        r = 0.03 + 0.015 * ((k * 5) % 3) / 2
        v = 0.8 + 0.03 * ((k * 7) % 3) / 2
        p.ellipse(u - r * 1.3, v - 0.07, u + r * 1.3, v + 0.02, (35, 80, 45) if k % 2 else "green")
    if not p.is_night:
        colours = [
            (230, 70, 60),
            (240, 160, 60),
            (240, 230, 90),
            (90, 190, 90),
            (80, 130, 220),
            (140, 90, 200),
        ]
        for i, c in enumerate(colours):
            r = 0.34 - i * 0.012
            p.line(arc_points(0.62, 1.0, r, r * 2.2, 195, 345, 20), c, 0.006)


@signature("hassan_ii_mosque", 1.15)
def hassan_ii_mosque(p: Pen) -> None:
    """Hassan II Mosque: the towering square minaret with green tilework beside the prayer hall by the sea."""
    p.rect(0.3, 0.72, 1.0, 1.0, "main")
    p.arch_row(0.34, 0.98, 0.78, 0.98, 9, "shade", 0.4)
    p.rect(0.3, 0.7, 1.0, 0.73, "accent")
    m = p.sub(0.08, 0.0, 0.3, 1.0)
    m.rect(0.1, 0.12, 0.9, 1.0, "main")
    m.rect(0.6, 0.12, 0.9, 1.0, "shade")
    for v in (0.2, 0.38, 0.56):
        m.rect(0.22, v, 0.78, v + 0.12, "accent")
        m.arch_row(0.3, 0.7, v + 0.02, v + 0.11, 2, "shade", 0.4)
    m.rect(0.05, 0.1, 0.95, 0.13, "accent")
    m.rect(0.3, 0.03, 0.7, 0.1, "main")
    m.dome(0.35, 0.03, 0.65, 0.02, "accent")
    m.line([(0.5, 0.0), (0.5, 0.015)], "gold", 0.05)
    m.glow(0.45, 0.0, 0.55, 0.02, (120, 255, 140))
