"""Generic desert cities (flat-roofed sand houses, domes, minarets, palms, dunes) and megacity skylines."""

from __future__ import annotations

from generators.images.generic.parts import Art, dome, hills, minaret
from generators.images.generic.props import lamp, palm
from generators.images.generic.stage import Stage
from generators.images.shapes.pen import LIT_WINDOW
from generators.images.sky import mix, scale

RGB = tuple[int, int, int]

SAND_WALLS: list[RGB] = [
    (222, 192, 140), (205, 160, 110), (236, 228, 210), (212, 150, 92), (190, 140, 100), (230, 205, 160),
    (200, 175, 150),
]  # fmt: skip
DOMES: list[RGB] = [(60, 150, 160), (214, 176, 80), (238, 236, 228), (70, 110, 170), (100, 160, 120)]


def _block(art: Art, x: float, base: float, bw: float, bh: float, wall: RGB, crenels: bool) -> None:
    """A flat-roofed cube with small arched windows and a parapet (crenellated on forts)."""
    art.rect(x, base - bh, x + bw, base + 1, wall)
    side = bw * 0.16
    sx = x + bw - side if art.direction >= 0 else x
    art.rect(sx, base - bh, sx + side, base + 1, scale(wall, 0.84))
    art.rect(x - bw * 0.02, base - bh - max(1.5, bh * 0.05), x + bw * 1.02, base - bh, scale(wall, 1.06))
    if crenels:
        n = max(3, int(bw / max(3.0, bh * 0.12)))
        for k in range(0, n, 2):
            cx = x + bw * k / n
            art.rect(cx, base - bh - bh * 0.12, cx + bw / n, base - bh, scale(wall, 1.06))
    cell = max(6.0, art.h * 0.04)  # window spacing follows the frame, so big halls get rows of them
    rows = max(1, min(6, int(bh / cell)))
    cols = max(1, int(bw / cell))
    art.windows(x + bw * 0.12, base - bh * 0.9, x + bw * 0.88, base - bh * 0.1, cols, rows, lit_share=0.45,
                day=scale(wall, 0.42), fill=0.38, arched=True)  # fmt: skip


def desert_city(s: Stage) -> None:
    """Dunes beyond, a jumble of flat-roofed sand houses, a great dome with minarets, palms between."""
    art = s.to("far")
    rng = art.rng
    w, h, hz = art.w, art.h, art.horizon_y
    bx0, by0, bx1, _ = s.box
    sand = mix(s.colours["ground"], (225, 190, 135), 0.55)
    hills(art, hz + 1, h * rng.uniform(0.06, 0.12), rng.uniform(1.2, 2.2), art.hazed(scale(sand, 1.05), 0.5))
    hills(art, hz + 1, h * rng.uniform(0.03, 0.06), rng.uniform(2, 3.5), art.hazed(sand, 0.3))
    walls = s.wall_colours(SAND_WALLS, rng.randint(3, 5))
    dome_colour = mix(rng.choice(DOMES), s.colours["accent"], 0.35)
    wind_towers = rng.random() < 0.35  # badgirs on the roofs, as in Yazd
    s.ground(mix(sand, art.haze, 0.2), scale(sand, 0.82))
    art = s.to("mid")
    ripple = scale(sand, 0.9)
    for _ in range(int(w / 40)):  # wind ripples in the sand, longer toward the viewer
        y = hz + (h - hz) * art.texture.uniform(0.05, 1.0)
        t = (y - hz) / (h - hz)
        x, ln = art.texture.uniform(-0.1, 1.0) * w, w * (0.03 + 0.12 * t)
        art.d.arc(
            (x, y - ln * 0.1, x + ln, y + ln * 0.1),
            200,
            340,
            fill=art.lit(ripple),
            width=max(1, round(h * 0.003 * t)),
        )
    # Palms peeking from courtyards behind the houses.
    for _ in range(rng.randint(2, 5)):
        palm(art, rng.uniform(0, w), hz - h * 0.04, h * rng.uniform(0.14, 0.22), rng.uniform(-0.8, 0.8))
    # The focal group: a mosque (dome on a hall, one or two minarets) or a fort with round towers.
    hall_w = (bx1 - bx0) * rng.uniform(0.5, 0.62)
    hall_x = bx0 + (bx1 - bx0 - hall_w) * rng.uniform(0.3, 0.7)
    hall_h = (hz - by0) * rng.uniform(0.22, 0.3)
    mosque = rng.random() < 0.5
    _block(art, hall_x, hz, hall_w, hall_h, mix(rng.choice(walls), (240, 232, 215), 0.4), not mosque)
    top = hz - hall_h
    if mosque:
        if rng.random() < 0.5:  # two small side domes
            for f in (0.2, 0.8):
                dome(art, hall_x + hall_w * f, hz - hall_h, hall_w * 0.12, dome_colour)
        big = hall_w * rng.uniform(0.24, 0.34)
        top = dome(art, hall_x + hall_w / 2, hz - hall_h, big, dome_colour, scale(walls[0], 1.05))
        mh = (hz - by0) * rng.uniform(0.8, 0.98)
        mw = hall_w * 0.07
        sides = [-1, 1] if rng.random() < 0.5 else [rng.choice((-1, 1))]
        for side in sides:
            mx = hall_x + hall_w / 2 + side * (hall_w / 2 + mw * 1.2)
            top = min(top, minaret(art, mx, hz, mw, mh, mix(walls[0], (245, 240, 230), 0.5), dome_colour))
        s.include(hall_x - mw * 3, top, hall_x + hall_w + mw * 3, hz)
    else:
        tr = hall_w * 0.12
        for tx in (hall_x, hall_x + hall_w):
            th = hall_h * 1.35
            _block(art, tx - tr, hz, tr * 2, th, scale(walls[0], 0.95), True)
            top = min(top, hz - th * 1.12)
        s.include(hall_x - tr, top, hall_x + hall_w + tr, hz)
    # Houses: stacked cubes across the frame, lower in front, the focal group left clear.
    fx0, fx1 = s.focus[0], s.focus[2]
    x = -w * 0.02
    while x < w:
        bw = w * rng.uniform(0.06, 0.11)
        if x + bw > fx0 and x < fx1:
            x = fx1 + w * 0.005
            continue
        bh = art.unit * rng.uniform(0.07, 0.15)
        wall = rng.choice(walls)
        _block(art, x, hz, bw, bh, wall, False)
        if wind_towers and rng.random() < 0.5:
            tw, th = bw * 0.22, bh * rng.uniform(0.4, 0.7)
            tx = x + bw * rng.uniform(0.1, 0.7)
            art.rect(tx, hz - bh - th, tx + tw, hz - bh + 1, scale(wall, 1.04))
            for k in range(3):
                sx = tx + tw * (0.15 + 0.27 * k)
                art.rect(sx, hz - bh - th * 0.9, sx + tw * 0.16, hz - bh - th * 0.45, scale(wall, 0.45))
        if rng.random() < 0.45:  # a smaller cube on the roof
            ux = x + bw * rng.uniform(0.0, 0.4)
            _block(art, ux, hz - bh, bw * 0.5, bh * 0.45, rng.choice(walls), False)
        if rng.random() < 0.15:
            dome(art, x + bw / 2, hz - bh, bw * 0.3, rng.choice(DOMES))
        x += bw + w * rng.uniform(-0.01, 0.01)
    # Near: palms at the edges, lanterns glowing at night.
    art = s.to("near")
    for edge, lean in ((w * 0.04, 0.6), (w * 0.96, -0.6)):
        if rng.random() < 0.55:
            palm(
                art, edge, art.ground_y + h * 0.06, h * rng.uniform(0.34, 0.44), lean * rng.uniform(0.5, 1.3)
            )
    if s.night:
        lights = art.lights
        for _ in range(lights.randint(3, 6)):
            art.glow(
                lights.uniform(0, w),
                hz - h * lights.uniform(0.01, 0.05),
                max(1.0, h * 0.004),
                (255, 190, 110),
            )


GLASS: list[RGB] = [
    (110, 150, 180),
    (90, 120, 140),
    (150, 170, 185),
    (80, 130, 150),
    (170, 160, 150),
    (120, 125, 135),
]
CROWNS = ("flat", "spire", "setback", "slant", "round")


def _tower(
    s: Stage, x: float, base: float, tw: float, th: float, glass: RGB, crown: str, lit_share: float
) -> float:
    """A skyscraper: glass body with a lit side, window rows, and a crown; returns its highest y."""
    art = s.art
    top = base - th
    side = tw * 0.22
    sx = x + tw - side if art.direction >= 0 else x
    if crown == "setback":
        steps = 3
        for k in range(steps):
            inset = tw * 0.12 * k
            art.rect(x + inset, top + th * 0.12 * k, x + tw - inset, base + 1, scale(glass, 1 - 0.04 * k))
        top_y = top
    elif crown == "slant":
        lo = top + tw * 0.4
        art.rect(x, lo, x + tw, base + 1, glass)
        art.poly(
            [(x, lo + 1), (x, top), (x + tw, lo)]
            if art.rng.random() < 0.5
            else [(x, lo), (x + tw, top), (x + tw, lo + 1)],
            glass,
        )
        top_y = top
    elif crown == "round":
        art.rect(x, top + tw / 2, x + tw, base + 1, glass)
        art.d.chord((x, top, x + tw, top + tw), 180, 360, fill=art.lit(glass))
        top_y = top
    else:
        art.rect(x, top, x + tw, base + 1, glass)
        top_y = top
    art.rect(
        sx, top + (tw * 0.4 if crown in ("slant", "round") else 0), sx + side, base + 1, scale(glass, 0.78)
    )
    body_top = top + (tw * 0.5 if crown in ("slant", "round") else th * 0.05)
    floors = max(2, int((base - body_top) / max(4.0, s.art.h * 0.012)))
    cols = max(2, int(tw / max(4.0, s.art.w * 0.009)))
    art.windows(x + tw * 0.06, body_top, x + tw * 0.94, base - th * 0.02, cols, floors, lit_share=lit_share,
                day=mix(glass, (230, 240, 250), 0.35) if art.rng.random() < 0.5 else scale(glass, 0.7), fill=0.62)  # fmt: skip
    if crown == "spire":
        art.line([(x + tw / 2, top), (x + tw / 2, top - th * 0.18)], (150, 155, 160), max(1, tw * 0.05))
        art.glow(x + tw / 2, top - th * 0.18, max(1.0, tw * 0.04), (255, 80, 70))
        top_y = top - th * 0.18
    return top_y


def megacity(s: Stage) -> None:
    """A dense skyline: hazy far towers, tall glass towers (tallest in the focal box), a plaza in front."""
    art = s.to("far")
    rng = art.rng
    w, h, hz = art.w, art.h, art.horizon_y
    bx0, by0, bx1, _ = s.box
    haze_tower = art.hazed((95, 105, 125), 0.6)
    x = -w * 0.01
    while x < w:
        bw = w * rng.uniform(0.025, 0.05)
        bh = art.unit * rng.uniform(0.08, 0.22)
        art.rect(x, hz - bh, x + bw, hz + 1, haze_tower)
        if s.night:
            for _ in range(int(bh * bw / (h * 0.012) ** 2 * 0.18)):
                wx, wy = art.lights.uniform(x + 1, x + bw - 2), art.lights.uniform(hz - bh + 2, hz - 2)
                art.rect(
                    wx,
                    wy,
                    wx + max(1, w / 500),
                    wy + max(1, h / 600),
                    mix(LIT_WINDOW, haze_tower, 0.3),
                    raw=True,
                )
        x += bw + w * rng.uniform(0.0, 0.006)
    glasses = rng.sample(GLASS, 4)
    crowns = rng.sample(CROWNS, 3)
    lit = rng.uniform(0.35, 0.6)
    plaza = mix(s.colours["ground"], (120, 120, 125), 0.75)
    s.ground(mix(plaza, art.haze, 0.2), scale(plaza, 0.7))
    art = s.to("mid")
    # The focal group: two or three of the tallest towers.
    n = rng.randint(2, 3)
    slot = (bx1 - bx0) / n
    top = float(hz)
    for k in range(n):
        tw = slot * rng.uniform(0.6, 0.85)
        th = (hz - by0) * rng.uniform(0.7, 1.0)
        tx = bx0 + k * slot + (slot - tw) / 2
        top = min(top, _tower(s, tx, hz, tw, th, glasses[k % 4], crowns[k % 3], lit))
    s.include(bx0, top, bx1, hz)
    x = -w * 0.02
    while x < w:
        tw = w * rng.uniform(0.05, 0.1)
        if x + tw > bx0 and x < bx1:
            x = bx1 + w * 0.004
            continue
        th = art.unit * rng.uniform(0.14, 0.38)
        _tower(s, x, hz, tw, th, rng.choice(glasses), rng.choice(crowns), lit)
        x += tw + w * rng.uniform(0.002, 0.012)
    # The street in front: kerb, a road with lane marks (light trails at night).
    road_y = hz + (art.ground_y - hz) * 0.25
    s.paving(plaza, 2.5, road_y)
    art = s.to("mid")
    art.rect(0, hz, w, road_y, (70, 72, 78))
    art.rect(0, road_y, w, road_y + h * 0.008, (170, 170, 165))
    mid_y = (hz + road_y) / 2
    if s.night:
        art.line([(0, mid_y - h * 0.006), (w, mid_y - h * 0.006)], (255, 90, 70), max(1, h * 0.003), raw=True)
        art.line(
            [(0, mid_y + h * 0.006), (w, mid_y + h * 0.006)], (255, 240, 200), max(1, h * 0.003), raw=True
        )
    else:
        for k in range(0, w, max(8, w // 20)):
            art.rect(k, mid_y - 1, k + w * 0.025, mid_y + max(1, h * 0.002), (230, 225, 200))
    art = s.to("near")
    for edge in (w * 0.06, w * 0.94):
        if rng.random() < 0.6:
            lamp(art, edge, art.ground_y + h * 0.06, h * 0.34, (70, 75, 85))
