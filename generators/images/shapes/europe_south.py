"""Signature drawings for Southern and Eastern Europe and the Alps."""

from __future__ import annotations

from generators.images.shapes.common import columns, minaret, onion
from generators.images.shapes.pen import Pen, signature


@signature("acropolis", 2.1)
def acropolis(p: Pen) -> None:
    """The Parthenon's pediment and columns on top of the rocky Acropolis hill."""
    p.poly([(0.0, 1.0), (0.06, 0.72), (0.18, 0.6), (0.82, 0.6), (0.94, 0.7), (1.0, 1.0)], "rock")
    p.poly([(0.6, 0.6), (0.82, 0.6), (0.94, 0.7), (1.0, 1.0), (0.7, 1.0)], (100, 90, 80))
    for k in range(6):
        u = 0.1 + k * 0.15
        p.line([(u, 0.7 + 0.03 * (k % 2)), (u + 0.05, 0.95)], (95, 85, 75), 0.004)
    t = p.sub(0.2, 0.02, 0.8, 0.6)
    t.poly([(0.02, 0.22), (0.5, 0.0), (0.98, 0.22)], "main")
    t.poly([(0.12, 0.19), (0.5, 0.04), (0.88, 0.19)], "shade")
    t.rect(0.02, 0.22, 0.98, 0.36, "main")
    t.rect(0.02, 0.33, 0.98, 0.36, "shade")
    columns(t, 0.03, 0.97, 0.36, 0.9, 8, "main", 0.55)
    columns(t, 0.03, 0.97, 0.36, 0.9, 8, "shade", 0.15)
    t.rect(0.0, 0.9, 1.0, 1.0, "main")
    t.rect(0.0, 0.96, 1.0, 1.0, "shade")


@signature("saint_basils", 0.95)
def saint_basils(p: Pen) -> None:
    """St Basil's Cathedral: red brick towers crowned by colourful striped onion domes and a tent spire."""
    p.rect(0.05, 0.7, 0.95, 1.0, "main")
    p.arch_row(0.08, 0.92, 0.78, 0.98, 7, "dark")
    p.rect(0.42, 0.22, 0.58, 0.7, "main")
    p.rect(0.53, 0.22, 0.58, 0.7, "shade")
    p.poly([(0.42, 0.22), (0.5, 0.02), (0.58, 0.22)], "main")
    p.poly([(0.5, 0.02), (0.58, 0.22), (0.52, 0.22)], "shade")
    for k in range(4):
        p.line([(0.43 + k * 0.04, 0.3), (0.43 + k * 0.04, 0.36)], "white", 0.006)
    onion(p, 0.5, 0.03, 0.05, 0.05, "gold", None)
    domes = [
        (0.14, 0.48, 0.14, (40, 120, 80), (235, 200, 70)),
        (0.86, 0.48, 0.14, (40, 90, 170), (245, 245, 240)),
        (0.3, 0.36, 0.15, (200, 50, 40), (250, 240, 230)),
        (0.7, 0.36, 0.15, (230, 180, 50), (50, 130, 70)),
    ]
    for u, top, w, col, stripe in domes:
        p.rect(u - w * 0.35, top, u + w * 0.35, 0.72, "main")
        p.rect(u - w * 0.38, top, u + w * 0.38, top + 0.03, "light")
        p.windows(u - w * 0.2, top + 0.08, u + w * 0.2, top + 0.2, 2, 1, 0.6)
        onion(p, u, top, w, w * 1.5 * p.w / p.h, col, stripe)


@signature("santorini", 1.5)
def santorini(p: Pen) -> None:
    """Whitewashed cube houses stacked on the caldera cliff, with blue-domed churches and a bell arch."""
    p.poly([(0.0, 0.4), (0.4, 0.42), (0.75, 0.5), (1.0, 0.62), (1.0, 1.0), (0.0, 1.0)], "rock")
    p.poly([(0.0, 0.8), (0.4, 0.84), (1.0, 0.9), (1.0, 1.0), (0.0, 1.0)], (140, 90, 70))
    for r in range(6):
        v_base = 0.42 + r * 0.065
        u = -0.02 + r * 0.03 + p.rng.uniform(0.0, 0.04)
        u_end = 0.98 - r * 0.04
        while u < u_end:
            w = p.rng.uniform(0.05, 0.09)
            h = p.rng.uniform(0.06, 0.1)
            if p.rng.random() < 0.85:
                p.rect(u, v_base - h, u + w, v_base + 0.02, "white")
                p.rect(u + w * 0.72, v_base - h, u + w, v_base + 0.02, (215, 215, 218))
                p.windows(u + w * 0.15, v_base - h * 0.6, u + w * 0.45, v_base, 1, 1, 0.8, 0.8, "accent")
            u += w + 0.004
    p.rect(0.16, 0.18, 0.3, 0.42, "white")
    p.dome(0.15, 0.19, 0.31, 0.1, "accent")
    p.line([(0.23, 0.09), (0.23, 0.05)], "white", 0.006)
    p.rect(0.62, 0.26, 0.74, 0.44, "white")
    p.dome(0.615, 0.27, 0.745, 0.08, "accent")
    p.rect(0.42, 0.18, 0.5, 0.4, "white")
    p.ellipse(0.438, 0.22, 0.482, 0.28, "dark")
    p.poly([(0.42, 0.18), (0.46, 0.13), (0.5, 0.18)], "white")


@signature("matterhorn", 1.25, floodlit=False, snowy=True)
def matterhorn(p: Pen) -> None:
    """The Matterhorn's crooked pyramid horn with snowfields on its faces."""
    p.poly(
        [
            (0.0, 1.0),
            (0.2, 0.7),
            (0.38, 0.3),
            (0.5, 0.04),
            (0.56, 0.0),
            (0.6, 0.12),
            (0.72, 0.35),
            (0.8, 0.42),
            (1.0, 0.8),
            (1.0, 1.0),
        ],
        "rock",
    )
    p.poly(
        [
            (0.56, 0.0),
            (0.6, 0.12),
            (0.72, 0.35),
            (0.8, 0.42),
            (1.0, 0.8),
            (1.0, 1.0),
            (0.55, 1.0),
            (0.6, 0.5),
        ],
        (85, 80, 85),
    )
    snow = [
        [(0.5, 0.04), (0.56, 0.0), (0.59, 0.07), (0.55, 0.1), (0.52, 0.14), (0.49, 0.09)],
        [(0.47, 0.14), (0.5, 0.13), (0.42, 0.4), (0.39, 0.42)],
        [(0.42, 0.26), (0.45, 0.25), (0.32, 0.56), (0.29, 0.56)],
        [(0.6, 0.12), (0.63, 0.14), (0.67, 0.36), (0.64, 0.36)],
        [(0.72, 0.35), (0.77, 0.4), (0.71, 0.52), (0.68, 0.49)],
        [
            (0.0, 1.0),
            (0.1, 0.86),
            (0.25, 0.8),
            (0.4, 0.84),
            (0.55, 0.78),
            (0.7, 0.74),
            (0.85, 0.7),
            (1.0, 0.82),
            (1.0, 1.0),
        ],
    ]
    for poly in snow:
        p.poly(poly, "snow")
    p.poly([(0.55, 0.78), (0.7, 0.74), (0.85, 0.7), (1.0, 0.82), (1.0, 1.0), (0.62, 1.0)], (205, 215, 230))


@signature("hagia_sophia", 1.55)
def hagia_sophia(p: Pen) -> None:
    """Hagia Sophia: the great shallow dome over cascading half-domes and buttresses, four pencil minarets."""
    p.rect(0.12, 0.6, 0.88, 1.0, "main")
    p.rect(0.2, 0.42, 0.8, 0.62, "main")
    p.dome(0.22, 0.48, 0.42, 0.08, "shade")
    p.dome(0.58, 0.48, 0.78, 0.08, "shade")
    p.rect(0.32, 0.3, 0.68, 0.44, "main")
    p.dome(0.3, 0.31, 0.7, 0.17, "shade")
    p.rect(0.32, 0.29, 0.68, 0.32, "light")
    for k in range(14):
        u = 0.335 + k * 0.0245
        p.rect(u, 0.33, u + 0.012, 0.37, "dark")
    p.line([(0.5, 0.14), (0.5, 0.08)], "gold", 0.004)
    p.rect(0.3, 0.44, 0.34, 0.7, "shade")
    p.rect(0.66, 0.44, 0.7, 0.7, "shade")
    p.windows(0.15, 0.66, 0.85, 0.95, 12, 3, 0.5, 0.4)
    for u, h in ((0.04, 0.78), (0.14, 0.72), (0.86, 0.72), (0.96, 0.78)):
        minaret(p, u, 1.0, 0.026, h, "shade")
