"""Signature drawings for Western and Central Europe."""

from __future__ import annotations

from generators.images.shapes.common import arc_points, curved_arches, spire
from generators.images.shapes.pen import Pen, mirror, signature


@signature("eiffel_tower", 0.52)
def eiffel_tower(p: Pen) -> None:
    """Iron lattice tower: tapering body, three platforms, the great arch between the legs."""
    body = mirror([(0.488, 0.03), (0.47, 0.1), (0.455, 0.3), (0.43, 0.45), (0.38, 0.62)])
    p.poly(body)
    arch = arc_points(0.5, 1.0, 0.25, 0.25, 180, 360, 18)
    p.poly([(0.37, 0.64), (0.06, 1.0), (0.22, 1.0)] + arch[1:-1] + [(0.78, 1.0), (0.94, 1.0), (0.63, 0.64)])
    p.line([(0.5, 0.0), (0.5, 0.05)], "shade", 0.012)

    # Lattice: crossing diagonals between the tower's edges.
    def edge(v: float) -> float:
        pts = [(0.03, 0.488), (0.1, 0.47), (0.3, 0.455), (0.45, 0.43), (0.62, 0.38), (1.0, 0.06)]
        for (va, ua), (vb, ub) in zip(pts, pts[1:], strict=False):
            if va <= v <= vb:
                return ua + (ub - ua) * (v - va) / (vb - va)
        return 0.06

    v = 0.1
    while v < 0.6:
        dv = 0.035 if v < 0.45 else 0.05
        a, b = edge(v), edge(v + dv)
        p.line([(a + 0.005, v), (1 - b - 0.005, v + dv)], "shade", 0.006)
        p.line([(1 - a - 0.005, v), (b + 0.005, v + dv)], "shade", 0.006)
        v += dv
    for ua, va, ub, vb in ((0.37, 0.66, 0.13, 0.98), (0.63, 0.66, 0.87, 0.98)):
        for k in range(5):
            t0, t1 = k / 5, (k + 1) / 5
            p.line(
                [
                    (ua + (ub - ua) * t0, va + (vb - va) * t0),
                    (ua + (ub - ua) * t1 + (0.08 if ua < 0.5 else -0.08), va + (vb - va) * t1),
                ],
                "shade",
                0.006,
            )
    p.rect(0.34, 0.615, 0.66, 0.66, "shade")
    p.rect(0.41, 0.435, 0.59, 0.46, "shade")
    p.rect(0.46, 0.09, 0.54, 0.11, "shade")
    if p.is_night:
        for _ in range(40):
            vv = p.rng.uniform(0.05, 0.95)
            uu = 0.5 + p.rng.uniform(-1, 1) * (0.5 - edge(vv)) * 0.9
            p.glow(uu - 0.006, vv - 0.003, uu + 0.006, vv + 0.003, (255, 245, 200))


@signature("colosseum", 2.0)
def colosseum(p: Pen) -> None:
    """The amphitheatre: three tiers of arcades and the attic, the outer ring broken down on the right."""
    p.poly([(0.55, 0.2), (0.7, 0.24), (1.0, 0.34), (1.0, 0.55), (0.55, 0.55)], "shade")
    for k in range(7):
        u = 0.64 + k * 0.05
        p.rect(u, 0.36 + k * 0.01, u + 0.022, 0.48, "dark")
    outer = [
        (0.0, 0.2),
        (0.05, 0.12),
        (0.55, 0.08),
        (0.6, 0.1),
        (0.63, 0.3),
        (0.68, 0.5),
        (1.0, 0.52),
        (1.0, 1.0),
    ]
    p.poly(outer + [(0.0, 1.0)])
    curved_arches(p, 0.3, 0.5, 14, "dark", upto=0.62)
    for v0, v1 in ((0.54, 0.72), (0.76, 0.98)):
        curved_arches(p, v0, v1, 14, "dark")
    p.rect(0.0, 0.29, 0.62, 0.305, "shade")
    for v in (0.51, 0.74):
        p.rect(0.0, v, 1.0, v + 0.015, "shade")
    for i in range(12):
        u = 0.04 + i * 0.045
        p.rect(u, 0.16, u + 0.015, 0.22, "dark")
    p.rect(0.0, 0.97, 1.0, 1.0, "shade")


@signature("big_ben", 0.62)
def big_ben(p: Pen) -> None:
    """Elizabeth Tower with its clock faces and spire, beside the Palace of Westminster."""
    t = p.sub(0.02, 0.0, 0.36, 1.0)
    t.poly([(0.3, 0.2), (0.5, 0.0), (0.7, 0.2)], "shade")
    t.rect(0.27, 0.18, 0.73, 0.24, "main")
    t.arch_row(0.3, 0.7, 0.19, 0.23, 3, "dark")
    t.rect(0.22, 0.24, 0.78, 0.42, "main")
    t.rect(0.28, 0.42, 0.72, 1.0, "main")
    t.rect(0.6, 0.42, 0.72, 1.0, "shade")
    t.ellipse(0.29, 0.26, 0.71, 0.26 + 0.42 * t.w / t.h, "white")
    cu, cv = 0.5, 0.26 + 0.21 * t.w / t.h
    t.glow(0.31, 0.27, 0.69, 0.25 + 0.41 * t.w / t.h, (255, 236, 170))
    t.line([(cu, cv), (cu, cv - 0.025)], "black", 0.04)
    t.line([(cu, cv), (cu + 0.12, cv + 0.01)], "black", 0.03)
    for u in (0.34, 0.44, 0.56, 0.66):
        t.line([(u, 0.46), (u, 0.98)], "shade", 0.025)
    for v in range(6):
        t.rect(0.28, 0.5 + v * 0.08, 0.72, 0.51 + v * 0.08, "shade")
    for u in (0.24, 0.76):
        t.poly([(u - 0.03, 0.24), (u, 0.17), (u + 0.03, 0.24)], "shade")
    # Palace of Westminster: long gothic block with pinnacles and a rhythm of tall windows.
    p.rect(0.34, 0.72, 1.0, 1.0, "main")
    p.windows(0.36, 0.76, 0.98, 0.96, 22, 2, 0.5, 0.5)
    for i in range(24):
        u = 0.35 + i * 0.027
        spire(p, u, 0.72, 0.008, 0.035, "shade")
    p.rect(0.8, 0.6, 0.88, 0.72, "main")
    spire(p, 0.84, 0.6, 0.08, 0.07, "shade")


@signature("sagrada_familia", 0.85)
def sagrada_familia(p: Pen) -> None:
    """The basilica's cluster of perforated pencil spires, the tall central tower and a crane."""
    p.rect(0.05, 0.62, 0.95, 1.0, "main")
    p.poly([(0.3, 0.62), (0.5, 0.45), (0.7, 0.62)], "main")
    p.ellipse(0.44, 0.66, 0.56, 0.66 + 0.12 * p.w / p.h, "dark")
    p.arch_row(0.1, 0.9, 0.8, 1.0, 6, "dark", 0.5)
    towers = [
        (0.12, 0.3),
        (0.22, 0.2),
        (0.31, 0.2),
        (0.4, 0.28),
        (0.6, 0.28),
        (0.69, 0.18),
        (0.78, 0.18),
        (0.88, 0.3),
    ]
    for u, top in towers:
        _pencil(p, u, 0.64, 0.07, top)
    _pencil(p, 0.5, 0.5, 0.1, 0.02)
    p.line([(0.5, 0.0), (0.5, 0.04)], "gold", 0.01)
    p.line([(0.485, 0.015), (0.515, 0.015)], "gold", 0.01)
    p.line([(0.95, 0.15), (0.95, 0.62)], "accent", 0.01)
    p.line([(0.8, 0.15), (1.0, 0.15)], "accent", 0.012)


def _pencil(p: Pen, u: float, v_base: float, w: float, v_top: float) -> None:
    """One Sagrada spire: tapering body, slit windows, rounded finial."""
    p.poly(
        [
            (u - w / 2, v_base),
            (u - w * 0.3, v_top + 0.08),
            (u, v_top + 0.02),
            (u + w * 0.3, v_top + 0.08),
            (u + w / 2, v_base),
        ]
    )
    p.poly(
        [(u, v_top + 0.02), (u + w * 0.3, v_top + 0.08), (u + w / 2, v_base), (u + w * 0.15, v_base)], "shade"
    )
    for k in range(6):
        vv = v_top + 0.12 + k * (v_base - v_top - 0.14) / 6
        p.rect(u - w * 0.08, vv, u + w * 0.08, vv + 0.025, "dark")
    p.ellipse(u - w * 0.22, v_top - 0.01, u + w * 0.22, v_top + 0.04, "accent")


@signature("brandenburg_gate", 1.55)
def brandenburg_gate(p: Pen) -> None:
    """Six Doric columns under an entablature, stepped attic, the copper quadriga on top."""
    p.rect(0.02, 0.93, 0.98, 1.0, "shade")
    p.rect(0.05, 0.46, 0.95, 0.58, "main")
    p.rect(0.05, 0.56, 0.95, 0.58, "shade")
    p.rect(0.25, 0.34, 0.75, 0.46, "main")
    p.rect(0.32, 0.3, 0.68, 0.34, "main")
    for i in range(6):
        u = 0.075 + i * 0.147
        p.rect(u, 0.58, u + 0.07, 0.93, "main")
        p.rect(u + 0.045, 0.58, u + 0.07, 0.93, "shade")
        p.rect(u - 0.005, 0.58, u + 0.075, 0.6, "light")
    for u in (0.0, 0.9):
        p.rect(u, 0.52, u + 0.1, 1.0, "main")
        p.rect(u, 0.52, u + 0.1, 0.55, "shade")
    q = p.sub(0.38, 0.1, 0.62, 0.3)
    for i in range(4):
        u = 0.1 + i * 0.2
        q.poly(
            [
                (u, 0.5),
                (u + 0.12, 0.25),
                (u + 0.2, 0.2),
                (u + 0.22, 0.35),
                (u + 0.16, 0.5),
                (u + 0.18, 1.0),
                (u + 0.04, 1.0),
            ],
            "copper",
        )
    q.rect(0.35, 0.55, 0.7, 1.0, "copper")
    q.rect(0.48, 0.1, 0.56, 0.6, "copper")
    q.line([(0.6, 0.6), (0.64, -0.1)], "copper", 0.04)


@signature("leaning_tower_pisa", 0.6)
def leaning_tower_pisa(p: Pen) -> None:
    """The white cylindrical bell tower with its arcaded galleries, leaning right."""
    lean = 0.14

    def sh(u: float, v: float) -> tuple[float, float]:
        return (u + (1 - v) * lean, v)

    tiers = 8
    for k in range(tiers):
        v1 = 1.0 - k * 0.11
        v0 = v1 - 0.11
        w = 0.2 if k < 7 else 0.15
        u0, u1 = 0.4 - w / 2, 0.4 + w / 2
        p.poly([sh(u0, v0), sh(u1, v0), sh(u1, v1), sh(u0, v1)], "main")
        p.poly([sh(u1 - 0.05, v0), sh(u1, v0), sh(u1, v1), sh(u1 - 0.05, v1)], "shade")
        for j in range(4):
            a = u0 + 0.02 + j * (w - 0.03) / 4
            p.poly(
                [sh(a, v0 + 0.03), sh(a + 0.022, v0 + 0.03), sh(a + 0.022, v1 - 0.015), sh(a, v1 - 0.015)],
                "shade",
            )
        p.poly(
            [sh(u0 - 0.01, v0), sh(u1 + 0.01, v0), sh(u1 + 0.01, v0 + 0.012), sh(u0 - 0.01, v0 + 0.012)],
            "light",
        )
    # The Duomo's flank behind the tower at the foot.
    p.rect(0.0, 0.8, 0.22, 1.0, "light")
    p.poly([(0.0, 0.8), (0.11, 0.72), (0.22, 0.8)], "light")
    p.arch_row(0.02, 0.2, 0.86, 0.97, 4, "shade")


@signature("neuschwanstein", 1.1)
def neuschwanstein(p: Pen) -> None:
    """The white fairy-tale castle of towers and blue cones on its wooded crag."""
    p.poly(
        [(0.0, 1.0), (0.05, 0.78), (0.2, 0.7), (0.45, 0.68), (0.7, 0.72), (0.9, 0.75), (1.0, 1.0)], "green"
    )
    p.poly([(0.3, 1.0), (0.35, 0.8), (0.55, 0.76), (0.6, 1.0)], "rock")
    p.rect(0.25, 0.3, 0.6, 0.72, "main")
    p.poly([(0.25, 0.3), (0.43, 0.16), (0.6, 0.3)], "accent")
    p.windows(0.28, 0.36, 0.57, 0.68, 6, 5, 0.7)
    for u, top, w in (
        (0.2, 0.22, 0.07),
        (0.62, 0.06, 0.09),
        (0.75, 0.28, 0.08),
        (0.12, 0.38, 0.06),
        (0.85, 0.4, 0.06),
    ):
        p.rect(u - w / 2, top + 0.06, u + w / 2, 0.72, "main")
        p.rect(u + w * 0.2, top + 0.06, u + w / 2, 0.72, "shade")
        p.poly([(u - w * 0.65, top + 0.07), (u, top - 0.07), (u + w * 0.65, top + 0.07)], "accent")
        p.windows(u - w * 0.3, top + 0.12, u + w * 0.3, top + 0.32, 1, 3, 0.7)
    p.rect(0.6, 0.5, 0.9, 0.72, "main")
    p.windows(0.62, 0.54, 0.88, 0.68, 6, 2, 0.6)


@signature("amsterdam_canals", 1.6)
def amsterdam_canals(p: Pen) -> None:
    """Tall narrow canal houses with step and bell gables above a canal with an arched bridge."""
    colours = [(120, 60, 45), (60, 45, 40), (160, 110, 70), (45, 50, 60), (140, 45, 40), (190, 160, 120)]
    n = 9
    for i in range(n):
        u0, u1 = i / n, (i + 1) / n - 0.004
        top = 0.18 + 0.1 * ((i * 7) % 3) / 2
        col = colours[(i * 5) % len(colours)]
        p.rect(u0, top, u1, 0.8, col)
        m = (u0 + u1) / 2
        if i % 3 == 0:
            for s in range(3):
                d = (u1 - u0) * (0.16 * (s + 1))
                p.rect(u0 + d, top - 0.04 * (s + 1), u1 - d, top, col)
        elif i % 3 == 1:
            p.poly(
                [(u0, top), (m - 0.02, top - 0.08), (m, top - 0.11), (m + 0.02, top - 0.08), (u1, top)], col
            )
        else:
            p.poly([(u0, top), (m, top - 0.1), (u1, top)], col)
        p.windows(u0 + 0.01, top + 0.03, u1 - 0.01, 0.76, 3, 5, 0.6, 0.55, "white")
    p.rect(0.0, 0.8, 1.0, 1.0, "water")
    p.chord(0.3, 0.76, 0.7, 0.9, 180, 360, "main")
    p.chord(0.36, 0.81, 0.64, 0.95, 180, 360, "dark")
    for k in range(8):
        u = 0.05 + k * 0.12
        p.line([(u, 0.88 + 0.01 * (k % 2)), (u + 0.06, 0.88 + 0.01 * (k % 2))], "foam", 0.004)
