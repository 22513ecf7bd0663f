"""Signature drawings for South America and Easter Island."""

from __future__ import annotations

from generators.images.shapes.common import curtain
from generators.images.shapes.pen import Pen, signature


@signature("christ_the_redeemer", 0.9)
def christ_the_redeemer(p: Pen) -> None:
    """Christ the Redeemer with arms spread wide atop the steep green peak of Corcovado."""
    p.poly(
        [
            (0.0, 1.0),
            (0.15, 0.8),
            (0.32, 0.55),
            (0.44, 0.46),
            (0.56, 0.46),
            (0.66, 0.56),
            (0.85, 0.78),
            (1.0, 0.9),
            (1.0, 1.0),
        ],
        "green",
    )
    p.poly([(0.56, 0.46), (0.66, 0.56), (0.85, 0.78), (1.0, 0.9), (1.0, 1.0), (0.6, 1.0)], (50, 100, 60))
    p.poly([(0.4, 0.52), (0.45, 0.47), (0.55, 0.47), (0.6, 0.52)], "rock")
    s = p.sub(0.0, 0.0, 1.0, 0.47)
    s.rect(0.46, 0.86, 0.54, 1.0, "shade")
    s.poly([(0.45, 0.86), (0.455, 0.3), (0.545, 0.3), (0.55, 0.86)], "main")
    s.poly([(0.5, 0.3), (0.545, 0.3), (0.55, 0.86), (0.5, 0.86)], "shade")
    s.poly(
        [
            (0.06, 0.26),
            (0.45, 0.24),
            (0.55, 0.24),
            (0.94, 0.26),
            (0.94, 0.32),
            (0.55, 0.36),
            (0.45, 0.36),
            (0.06, 0.32),
        ],
        "main",
    )
    s.poly([(0.55, 0.3), (0.94, 0.29), (0.94, 0.32), (0.55, 0.36)], "shade")
    s.ellipse(0.465, 0.1, 0.535, 0.24, "main")


@signature("machu_picchu", 1.6, floodlit=False)
def machu_picchu(p: Pen) -> None:
    """Machu Picchu: the sugarloaf peak of Huayna Picchu above the terraced Inca citadel."""
    p.poly([(0.0, 1.0), (0.05, 0.45), (0.14, 0.3), (0.24, 0.42), (0.3, 0.7), (0.3, 1.0)], (95, 140, 110))
    p.poly([(0.72, 1.0), (0.8, 0.4), (0.88, 0.32), (0.96, 0.45), (1.0, 0.6), (1.0, 1.0)], (95, 140, 110))
    peak = [
        (0.3, 1.0),
        (0.44, 0.4),
        (0.5, 0.12),
        (0.55, 0.03),
        (0.6, 0.0),
        (0.66, 0.04),
        (0.72, 0.2),
        (0.78, 0.5),
        (0.88, 1.0),
    ]
    p.poly(peak, "green")
    p.poly(
        [(0.6, 0.0), (0.66, 0.04), (0.72, 0.2), (0.78, 0.5), (0.88, 1.0), (0.64, 1.0), (0.62, 0.3)],
        (40, 90, 55),
    )
    for k in range(5):
        v = 0.2 + k * 0.12
        p.line([(0.47 + k * 0.0, v), (0.56, v - 0.03), (0.64, v + 0.01)], (70, 120, 70), 0.004)
    p.poly(
        [(0.0, 1.0), (0.0, 0.74), (0.15, 0.66), (0.35, 0.64), (0.6, 0.7), (0.7, 0.78), (0.74, 1.0)],
        (85, 135, 72),
    )
    for k in range(6):
        v = 0.74 + k * 0.045
        p.line([(0.0, v + 0.01), (0.3, v - 0.015), (0.62 + k * 0.02, v + 0.01)], (160, 150, 130), 0.005)
    for u, w in (
        (0.06, 0.06),
        (0.13, 0.05),
        (0.2, 0.07),
        (0.3, 0.05),
        (0.37, 0.06),
        (0.46, 0.05),
        (0.53, 0.06),
    ):
        v = 0.69 - 0.04 * (1 - abs(u - 0.3) / 0.3) + 0.01
        p.rect(u, v - 0.05, u + w, v + 0.02, "main")
        p.rect(u + w * 0.65, v - 0.05, u + w, v + 0.02, "shade")
        p.rect(u + w * 0.3, v - 0.03, u + w * 0.45, v + 0.0, "dark")


@signature("iguazu_falls", 1.6, floodlit=False)
def iguazu_falls(p: Pen) -> None:
    """Iguazú: dozens of waterfalls in two tiers cascading between jungle-covered ledges."""
    jungle, dark, water = (50, 110, 55), (35, 80, 45), (236, 232, 222)
    p.poly(
        [
            (0.0, 1.0),
            (0.03, 0.55),
            (0.1, 0.3),
            (0.2, 0.16),
            (0.35, 0.12),
            (0.55, 0.16),
            (0.75, 0.1),
            (0.88, 0.2),
            (0.96, 0.45),
            (1.0, 1.0),
        ],
        dark,
    )
    falls = []
    for k in range(11):
        u = 0.06 + k * 0.082 + p.rng.uniform(-0.015, 0.015)
        edge = min(u - 0.0, 1.0 - u)
        top = 0.2 + p.rng.uniform(0.0, 0.3) + max(0.0, 0.25 - edge) * 1.2
        falls.append((u, p.rng.uniform(0.04, 0.075), top, min(0.93, top + p.rng.uniform(0.3, 0.55))))
    for u, w, top, bottom in falls:
        mid = (top + bottom) / 2 + p.rng.uniform(-0.05, 0.05)
        curtain(p, [(u - w / 2, top + 0.01), (u, top), (u + w / 2, top + 0.01)], mid, 6, (205, 200, 190))
        curtain(
            p, [(u - w * 0.7, mid + 0.01), (u, mid), (u + w * 0.7, mid + 0.01)], bottom, 6, (205, 200, 190)
        )
        for side in (-1, 1):
            r = p.rng.uniform(0.022, 0.035)
            cu = u + side * (w / 2 + r * 0.6)
            p.ellipse(cu - r * 1.3, top - 0.06, cu + r * 1.3, top + 0.03, jungle)
            p.ellipse(cu - r * 1.1, mid - 0.05, cu + r * 1.1, mid + 0.03, dark)
    p.poly([(0.03, 0.92), (0.97, 0.92), (1.0, 1.0), (0.0, 1.0)], "water")
    del water


@signature("moai_easter_island", 2.2, floodlit=False)
def moai_easter_island(p: Pen) -> None:
    """A row of moai on their ahu platform: long faces, heavy brows and red pukao topknots."""
    p.rect(0.0, 0.86, 1.0, 1.0, "shade")
    for k in range(5):
        m = p.sub(0.02 + k * 0.195, 0.12 + 0.04 * (k % 2), 0.17 + k * 0.195, 0.87)
        m.poly([(0.15, 0.08), (0.85, 0.08), (0.88, 0.5), (0.95, 1.0), (0.05, 1.0), (0.1, 0.5)], "main")
        m.poly([(0.55, 0.08), (0.85, 0.08), (0.88, 0.5), (0.95, 1.0), (0.6, 1.0)], "shade")
        m.rect(0.12, 0.2, 0.88, 0.25, "dark")
        m.poly([(0.45, 0.25), (0.3, 0.48), (0.55, 0.5)], "dark")
        m.rect(0.3, 0.58, 0.72, 0.6, "dark")
        m.rect(0.0, 0.18, 0.12, 0.45, "main")
        if k % 2 == 0:
            m.rect(0.2, -0.02, 0.8, 0.08, (150, 70, 50))
