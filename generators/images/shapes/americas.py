"""Signature drawings for North and Central America."""

from __future__ import annotations

from generators.images.shapes.common import arc_points, curtain
from generators.images.shapes.pen import Pen, mirror, signature


@signature("statue_of_liberty", 0.5)
def statue_of_liberty(p: Pen) -> None:
    """Liberty: copper-green figure with raised torch, crown rays and tablet, on her granite pedestal."""
    p.poly([(0.0, 1.0), (0.12, 0.9), (0.88, 0.9), (1.0, 1.0)], (150, 140, 120))
    p.poly(mirror([(0.3, 0.56), (0.27, 0.7), (0.22, 0.9)]), (175, 160, 135))
    p.rect(0.27, 0.6, 0.73, 0.63, (150, 140, 120))
    p.windows(0.34, 0.66, 0.66, 0.74, 3, 1, 0.8, 0.5)
    s = p.sub(0.2, 0.0, 0.8, 0.56)
    s.poly([(0.22, 1.0), (0.3, 0.55), (0.36, 0.36), (0.64, 0.36), (0.7, 0.55), (0.78, 1.0)], "main")
    s.poly([(0.5, 0.36), (0.64, 0.36), (0.7, 0.55), (0.78, 1.0), (0.56, 1.0)], "shade")
    for u in (0.38, 0.46, 0.55, 0.63):
        s.line([(u, 0.45), (u - 0.03, 0.98)], "shade", 0.01)
    s.ellipse(0.41, 0.22, 0.59, 0.38, "main")
    for k in range(7):
        a = -160 + k * 23
        s.line(
            arc_points(0.5, 0.27, 0.0, 0.0, a, a, 1)[:1] + arc_points(0.5, 0.27, 0.16, 0.1, a, a, 1)[:1],
            "main",
            0.025,
        )
    s.poly([(0.58, 0.42), (0.7, 0.16), (0.78, 0.17), (0.66, 0.44)], "main")
    s.rect(0.7, 0.08, 0.8, 0.17, "main")
    s.poly([(0.73, 0.08), (0.75, 0.0), (0.79, 0.08)], "gold")
    s.glow(0.66, -0.02, 0.84, 0.1, (255, 220, 120))
    s.poly([(0.3, 0.5), (0.42, 0.46), (0.44, 0.66), (0.3, 0.68)], "light")


@signature("golden_gate", 2.6)
def golden_gate(p: Pen) -> None:
    """Golden Gate Bridge: two art-deco towers, the main cable's sweep and suspenders over the strait."""
    deck = 0.68
    towers = (0.26, 0.74)
    cable = [(0.0, 0.52), (towers[0], 0.05)]
    for k in range(1, 20):
        t = k / 20
        cable.append((towers[0] + (towers[1] - towers[0]) * t, 0.05 + 0.58 * (1 - (2 * t - 1) ** 2)))
    cable += [(towers[1], 0.05), (1.0, 0.52)]
    p.rect(0.0, deck, 1.0, deck + 0.05, "main")
    p.rect(0.0, deck + 0.035, 1.0, deck + 0.05, "shade")
    for u, v in cable[2:-2]:
        p.line([(u, v), (u, deck)], "main", 0.0025)
    for k in range(1, 8):
        for side in (0, 1):
            u = k * towers[0] / 8 if side == 0 else towers[1] + k * (1 - towers[1]) / 8
            v = (
                0.52 + (0.05 - 0.52) * (u / towers[0])
                if side == 0
                else 0.05 + (0.52 - 0.05) * ((u - towers[1]) / (1 - towers[1]))
            )
            p.line([(u, v), (u, deck)], "main", 0.0025)
    p.line(cable, "main", 0.006)
    for cu in towers:
        p.rect(cu - 0.03, 0.02, cu - 0.015, 1.0, "main")
        p.rect(cu + 0.015, 0.02, cu + 0.03, 1.0, "main")
        p.rect(cu + 0.022, 0.02, cu + 0.03, 1.0, "shade")
        for v in (0.04, 0.2, 0.36, 0.52, deck + 0.06):
            p.rect(cu - 0.03, v, cu + 0.03, v + 0.035, "main")
        p.glow(cu - 0.006, 0.0, cu + 0.006, 0.015, (255, 60, 60))
    for k in range(14):
        u = 0.04 + k * 0.07
        p.glow(u - 0.004, deck - 0.015, u + 0.004, deck - 0.003)


@signature("grand_canyon", 1.8, floodlit=False)
def grand_canyon(p: Pen) -> None:
    """The Grand Canyon: banded far rim, stepped red-rock buttes, near walls dropping to the river."""
    bands = [(196, 98, 60), (226, 150, 100), (236, 196, 150), (170, 80, 55)]
    far = [
        (0.0, 0.85),
        (0.07, 0.22),
        (0.2, 0.16),
        (0.42, 0.19),
        (0.6, 0.14),
        (0.8, 0.17),
        (0.93, 0.16),
        (1.0, 0.8),
    ]
    p.poly(far + [(1.0, 0.9), (0.0, 0.9)], mix_band(bands[2], bands[1]))
    for k in range(5):
        p.line([(u, v + 0.05 + k * 0.055) for u, v in far[1:-1]], bands[k % 4], 0.01)
    for cu, w, top in ((0.22, 0.16, 0.32), (0.55, 0.2, 0.27), (0.84, 0.13, 0.36)):
        for k in range(4):
            v0 = top + k * 0.09
            half = w * (0.3 + 0.25 * k)
            p.poly(
                [
                    (cu - half, v0 + 0.09),
                    (cu - half * 0.85, v0),
                    (cu + half * 0.85, v0),
                    (cu + half, v0 + 0.09),
                ],
                bands[k % 4],
            )
            p.poly(
                [
                    (cu + half * 0.3, v0),
                    (cu + half * 0.85, v0),
                    (cu + half, v0 + 0.09),
                    (cu + half * 0.35, v0 + 0.09),
                ],
                "shade",
            )
    left = [
        (0.0, 0.8),
        (0.06, 0.6),
        (0.14, 0.54),
        (0.2, 0.63),
        (0.3, 0.67),
        (0.36, 0.8),
        (0.44, 0.86),
        (0.47, 1.0),
        (0.0, 1.0),
    ]
    right = [
        (1.0, 0.78),
        (0.94, 0.56),
        (0.86, 0.52),
        (0.8, 0.61),
        (0.7, 0.65),
        (0.64, 0.78),
        (0.56, 0.86),
        (0.53, 1.0),
        (1.0, 1.0),
    ]
    p.poly(left, bands[0] if p.face(-1) == "main" else bands[3])
    p.poly(right, bands[0] if p.face(1) == "main" else bands[3])
    for k in range(4):
        dv = 0.06 + k * 0.08
        for wall in (left, right):
            pts = [(u, v + dv) for u, v in wall[:-2] if v + dv < 0.97]
            if len(pts) > 1:
                p.line(pts, bands[(k + 1) % 4], 0.008)
    p.poly([(0.44, 1.0), (0.48, 0.9), (0.52, 0.9), (0.56, 1.0)], "water")


def mix_band(a: tuple, b: tuple) -> tuple:
    """Halfway between two rock colours."""
    return tuple((x + y) // 2 for x, y in zip(a, b, strict=True))


@signature("niagara_falls", 1.7, floodlit=False)
def niagara_falls(p: Pen) -> None:
    """Niagara's Horseshoe Falls: a great curved curtain between wooded cliffs, the boat in the spray."""
    p.poly(
        [(0.0, 0.3), (0.2, 0.26), (0.5, 0.22), (0.8, 0.26), (1.0, 0.3), (1.0, 0.36), (0.0, 0.36)],
        (90, 140, 150),
    )
    lip = arc_points(0.5, 0.5, 0.44, 0.22, 200, 340, 18)
    curtain(p, lip, 0.92, 60)
    p.line(lip, (120, 170, 150), 0.01)
    p.poly([(0.0, 0.92), (0.02, 0.5), (0.06, 0.32), (0.12, 0.3), (0.12, 0.92)], "rock")
    p.poly([(0.88, 0.92), (0.88, 0.3), (0.94, 0.32), (0.98, 0.5), (1.0, 0.92)], "rock")
    for u, v in ((0.05, 0.3), (0.1, 0.27), (0.9, 0.27), (0.95, 0.3), (0.02, 0.45), (0.98, 0.45)):
        p.ellipse(u - 0.04, v - 0.06, u + 0.04, v + 0.04, "green")
    p.rect(0.0, 0.9, 1.0, 1.0, "water")
    b = p.sub(0.62, 0.88, 0.74, 0.96)
    b.poly([(0.0, 0.4), (1.0, 0.4), (0.85, 1.0), (0.1, 1.0)], "white")
    b.rect(0.25, 0.0, 0.7, 0.4, (60, 90, 160))


@signature("cn_tower", 0.28)
def cn_tower(p: Pen) -> None:
    """The CN Tower: a slender concrete shaft with the main pod, the SkyPod and the long antenna."""
    p.poly([(0.3, 1.0), (0.44, 0.42), (0.56, 0.42), (0.7, 1.0)], "main")
    p.poly([(0.5, 0.42), (0.56, 0.42), (0.7, 1.0), (0.55, 1.0)], "shade")
    p.rect(0.2, 0.36, 0.8, 0.42, "main")
    p.ellipse(0.18, 0.32, 0.82, 0.38, "light")
    p.windows(0.22, 0.365, 0.78, 0.405, 6, 1, 0.9, 0.6)
    p.rect(0.44, 0.24, 0.56, 0.32, "main")
    p.rect(0.4, 0.22, 0.6, 0.25, "main")
    p.rect(0.47, 0.04, 0.53, 0.22, "main")
    p.line([(0.5, 0.0), (0.5, 0.05)], "shade", 0.03)
    p.glow(0.46, -0.01, 0.54, 0.01, (255, 60, 60))


@signature("chichen_itza", 1.7)
def chichen_itza(p: Pen) -> None:
    """El Castillo: the nine-terraced Maya pyramid with its central staircase and summit temple."""
    n = 9
    for k in range(n):
        v1 = 1.0 - k * 0.085
        half = 0.5 - k * 0.038
        p.rect(0.5 - half, v1 - 0.085, 0.5 + half, v1, "main")
        p.rect(0.5 - half, v1 - 0.02, 0.5 + half, v1, "shade")
    top = 1.0 - n * 0.085
    p.poly([(0.42, 1.0), (0.46, top), (0.54, top), (0.58, 1.0)], "light")
    for k in range(18):
        v = top + k * (1 - top) / 18
        t = k / 18
        p.line([(0.46 - 0.04 * t, v), (0.54 + 0.04 * t, v)], "shade", 0.002)
    p.rect(0.38, top - 0.15, 0.62, top, "main")
    p.rect(0.38, top - 0.15, 0.62, top - 0.12, "shade")
    p.rect(0.46, top - 0.1, 0.54, top, "dark")
