"""Signature drawings for Australia and New Zealand."""

from __future__ import annotations

from generators.images.shapes.pen import Pen, signature


def _sail(p: Pen, u0: float, u1: float, top: float, base: float, lean: float) -> None:
    """One Opera House shell: a pointed sail with a curved back, tiled white, its open face in shade."""
    tip = (u0 + (u1 - u0) * lean, top)
    back = [(u1, base), (u1 - (u1 - u0) * 0.1, base - (base - top) * 0.55), tip]
    front = [tip, (u0 + (u1 - u0) * 0.15, base - (base - top) * 0.45), (u0, base)]
    p.poly(back + front[1:], "main")
    p.poly(
        [tip, (u0 + (u1 - u0) * 0.15, base - (base - top) * 0.45), (u0, base), (u0 + (u1 - u0) * 0.35, base)],
        "shade",
    )
    for k in range(1, 4):
        t = k / 4
        p.line(
            [(tip[0] + (u1 - tip[0]) * t * 0.9, top + (base - top) * t), (u1 - (u1 - u0) * 0.05 * t, base)],
            "light",
            0.003,
        )


@signature("sydney_opera_house", 2.2)
def sydney_opera_house(p: Pen) -> None:
    """Sydney Opera House: overlapping white shell sails on a granite podium at the water's edge."""
    p.rect(0.0, 0.82, 1.0, 1.0, (180, 150, 120))
    p.rect(0.0, 0.8, 1.0, 0.84, (150, 120, 95))
    p.windows(0.05, 0.86, 0.95, 0.96, 16, 1, 0.8, 0.5)
    for u0, u1, top, lean in ((0.06, 0.3, 0.3, 0.75), (0.2, 0.42, 0.12, 0.8), (0.34, 0.52, 0.3, 0.8)):
        _sail(p, u0, u1, top, 0.82, lean)
    for u0, u1, top, lean in ((0.5, 0.7, 0.36, 0.75), (0.6, 0.8, 0.24, 0.8), (0.72, 0.88, 0.42, 0.8)):
        _sail(p, u0, u1, top, 0.82, lean)
    _sail(p, 0.86, 0.98, 0.62, 0.82, 0.7)


@signature("uluru", 3.2, floodlit=False)
def uluru(p: Pen) -> None:
    """Uluru: the great rounded red sandstone monolith with vertical gullies, rising from flat desert."""
    outline = [(0.0, 1.0), (0.03, 0.6), (0.08, 0.3), (0.18, 0.12), (0.4, 0.05), (0.7, 0.06), (0.88, 0.15)]
    outline += [(0.95, 0.4), (0.98, 0.7), (1.0, 1.0)]
    p.poly(outline, "main")
    p.poly(
        [(0.7, 0.06), (0.88, 0.15), (0.95, 0.4), (0.98, 0.7), (1.0, 1.0), (0.8, 1.0), (0.85, 0.5)], "shade"
    )
    for k in range(14):
        u = 0.08 + k * 0.065
        top = 0.1 + 0.06 * abs(k - 6) / 6
        p.line([(u, top), (u + 0.01 * (k % 3 - 1), 0.95)], "shade", 0.004)
    for k in range(6):
        u = 0.12 + k * 0.15
        p.ellipse(u, 0.5, u + 0.03, 0.62, "dark")
    p.rect(0.0, 0.94, 1.0, 1.0, (80, 110, 50))


@signature("milford_sound", 1.7, floodlit=False, snowy=True)
def milford_sound(p: Pen) -> None:
    """Milford Sound: Mitre Peak rising sheer from the fjord between dark cliffs, with a thin waterfall."""
    p.poly([(0.0, 0.85), (0.0, 0.2), (0.12, 0.3), (0.25, 0.55), (0.32, 0.85)], (60, 80, 65))
    p.poly([(0.28, 0.85), (0.48, 0.12), (0.55, 0.0), (0.6, 0.1), (0.72, 0.5), (0.85, 0.85)], "main")
    p.poly([(0.55, 0.0), (0.6, 0.1), (0.72, 0.5), (0.85, 0.85), (0.6, 0.85)], "shade")
    p.poly([(0.52, 0.04), (0.55, 0.0), (0.58, 0.06), (0.55, 0.1)], "snow")
    p.poly([(0.75, 0.85), (0.88, 0.3), (1.0, 0.25), (1.0, 0.85)], (55, 75, 62))
    p.line([(0.93, 0.32), (0.92, 0.84)], "foam", 0.008)
    p.rect(0.0, 0.85, 1.0, 1.0, "water")
    p.poly([(0.36, 0.85), (0.55, 1.0), (0.75, 0.85)], (80, 110, 130))
