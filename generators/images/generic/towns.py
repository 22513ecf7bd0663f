"""Generic old towns (gabled streets, a church or clock tower, cobbles) and mountain villages."""

from __future__ import annotations

from generators.images.generic.parts import house, peaks, roof, tower
from generators.images.generic.props import lamp, pine
from generators.images.generic.stage import Stage
from generators.images.sky import mix, scale

RGB = tuple[int, int, int]

TOWN_WALLS: list[RGB] = [
    (226, 196, 140), (236, 226, 200), (200, 110, 80), (232, 180, 170), (180, 200, 170), (245, 240, 230),
    (170, 90, 70), (210, 170, 100), (160, 180, 200), (230, 210, 150), (190, 150, 120),
]  # fmt: skip
TOWN_ROOFS: list[RGB] = [(170, 70, 50), (75, 80, 92), (125, 72, 48), (95, 140, 125), (150, 60, 45)]
TOWER_CAPS = ("spire", "pyramid", "onion", "dome")


def _cathedral(s: Stage, wall: RGB, roofs: list[RGB], cap: str, th: float) -> None:
    """A cathedral front in the focal box: two towers and a tall gabled nave with a rose window."""
    art = s.art
    bx0, _, bx1, hz = s.box
    fw = (bx1 - bx0) * art.rng.uniform(0.6, 0.8)
    fx = bx0 + (bx1 - bx0 - fw) * art.rng.uniform(0.3, 0.7)
    tw = fw * 0.24
    nave_x, nave_w = fx + tw * 0.9, fw - tw * 1.8
    peak = house(
        art, nave_x, hz, nave_w, th * 0.5, wall, roofs[0], "gable", pitch=0.55, door=False, windows=False
    )
    art.windows(nave_x + nave_w * 0.08, hz - th * 0.3, nave_x + nave_w * 0.92, hz - th * 0.06, 4, 1,
                lit_share=0.8, day=scale(wall, 0.45), fill=0.4, arched=True)  # fmt: skip
    r = nave_w * 0.2
    cx, cy = nave_x + nave_w / 2, hz - th * 0.5 + r * 1.2
    if art.night:
        art.ellipse(cx - r, cy - r, cx + r, cy + r, (255, 200, 120), raw=True)
    else:
        art.ellipse(cx - r, cy - r, cx + r, cy + r, scale(wall, 0.45))
    dw = nave_w * 0.26
    art.d.chord(
        (cx - dw / 2, hz - th * 0.22, cx + dw / 2, hz - th * 0.1), 180, 360, fill=art.lit(scale(wall, 0.4))
    )
    art.rect(cx - dw / 2, hz - th * 0.16, cx + dw / 2, hz + 1, scale(wall, 0.4))
    top = peak
    for k, ux in enumerate((fx + tw / 2, fx + fw - tw / 2)):
        top = min(top, tower(art, ux, hz, tw, th, scale(wall, 0.95), roofs[-1], cap, clock=k == 0))
    s.include(fx - tw * 0.1, top, fx + fw + tw * 0.1, hz)


def old_town(s: Stage) -> None:
    """A street of gabled houses across the frame, a church or clock tower in the focal box, a cobbled square."""
    art = s.to("far")
    rng = art.rng
    w, h, hz = art.w, art.h, art.horizon_y
    bx0, by0, bx1, _ = s.box
    styles = rng.sample(["gable", "gable", "stepped", "hip", "mansard", "flat"], 2)
    walls = s.wall_colours(TOWN_WALLS, rng.randint(3, 6))
    roofs = rng.sample(TOWN_ROOFS, 2) + [mix(s.colours["accent"], (120, 60, 40), 0.5)]
    snow = s.snowy
    # Far: hazy roofs of the rest of the town.
    far_roof = art.hazed(mix(roofs[0], (120, 110, 110), 0.3), 0.55)
    x = -w * 0.05
    while x < w:
        bw = w * rng.uniform(0.04, 0.08)
        bh = art.unit * rng.uniform(0.03, 0.07)
        art.rect(x, hz - bh, x + bw, hz + 1, art.hazed(rng.choice(walls), 0.6))
        roof(art, x, hz - bh, bw, rng.choice(("gable", "hip")), far_roof, 0.4)
        x += bw * rng.uniform(0.8, 1.1)
    # Mid: the ground, then the street row, the tower, and the houses in front of its foot.
    stone = mix(s.colours["ground"], (160, 150, 135), 0.65)
    if snow:
        stone = mix(stone, (235, 238, 245), 0.6)
    s.ground(mix(stone, art.haze, 0.25), scale(stone, 0.8))
    s.paving(stone, 1.0)
    art = s.to("mid")
    tower_w = (bx1 - bx0) * rng.uniform(0.16, 0.24)
    tower_cx = bx0 + (bx1 - bx0) * rng.uniform(0.35, 0.65)
    tower_h = (hz - by0) * rng.uniform(0.55, 0.7)
    cap = rng.choice(TOWER_CAPS)
    hall_wall = mix(rng.choice(walls), (235, 225, 205), 0.4)
    if rng.random() < 0.35:
        _cathedral(s, hall_wall, roofs, cap, (hz - by0) * rng.uniform(0.6, 0.75))
    else:  # a nave (church) or town hall beside one tower
        hall_w = (bx1 - bx0) * rng.uniform(0.4, 0.55)
        hall_x = tower_cx - hall_w if rng.random() < 0.5 else tower_cx
        peak = house(
            art, hall_x, hz, hall_w, tower_h * 0.42, hall_wall, roofs[0], "gable", pitch=0.38, floors=2
        )
        s.include(hall_x, peak, hall_x + hall_w, hz)
        top = tower(art, tower_cx, hz, tower_w, tower_h, mix(hall_wall, (200, 190, 170), 0.3), roofs[-1], cap)
        s.include(tower_cx - tower_w * 0.6, top, tower_cx + tower_w * 0.6, hz)
    x = -w * rng.uniform(0.0, 0.05)
    while x < w:
        bw = w * rng.uniform(0.07, 0.12)
        if x + bw > bx0 + (bx1 - bx0) * 0.1 and x < bx1 - (bx1 - bx0) * 0.1:
            x = bx1 - (bx1 - bx0) * 0.1  # keep the focal group clear
            continue
        bh = art.unit * rng.uniform(0.1, 0.2)
        wall = rng.choice(walls)
        style = rng.choice(styles)
        pk = house(art, x, hz, bw, bh, wall, rng.choice(roofs[:2]), style, pitch=rng.uniform(0.35, 0.6))
        if snow and style != "flat":
            art.poly([(x + bw * 0.2, hz - bh - (hz - bh - pk) * 0.4), (x + bw / 2, pk), (x + bw * 0.8, hz - bh - (hz - bh - pk) * 0.4)],
                     (240, 243, 250))  # fmt: skip
        x += bw + w * rng.uniform(0.0, 0.008)
    # Near: street lamps at the edges.
    art = s.to("near")
    for side_x in (w * rng.uniform(0.03, 0.08), w * rng.uniform(0.92, 0.97)):
        if rng.random() < 0.7:
            lamp(art, side_x, art.ground_y + h * 0.06, h * 0.3)


CHALET_WALLS: list[RGB] = [(140, 92, 58), (118, 76, 48), (160, 110, 70), (100, 66, 44), (175, 130, 90)]
CHALET_ROOFS: list[RGB] = [(70, 66, 70), (95, 70, 55), (60, 60, 66), (120, 60, 45)]


def _slope(x: float, w: int, hz: int, h: int, tilt: float, rise: float) -> float:
    """The village slope's height at x: rising toward one side of the frame."""
    t = x / w if tilt > 0 else 1 - x / w
    return hz - h * rise * t * t


def _chalet(s: Stage, x: float, base: float, cw: float, wall: RGB, roof_colour: RGB) -> float:
    """A chalet: white plaster ground floor, timber upper floor with a balcony, wide low roof."""
    art = s.art
    ch = cw * 0.62
    art.rect(x, base - ch * 0.45, x + cw, base + 1, (232, 228, 218))
    art.rect(x, base - ch, x + cw, base - ch * 0.45, wall)
    art.windows(x + cw * 0.1, base - ch * 0.95, x + cw * 0.9, base - ch * 0.5, 3, 1, lit_share=0.7,
                day=(50, 40, 35), fill=0.55)  # fmt: skip
    art.windows(x + cw * 0.1, base - ch * 0.42, x + cw * 0.9, base - ch * 0.05, 3, 1, lit_share=0.5,
                day=(60, 55, 55), fill=0.5)  # fmt: skip
    art.rect(x - cw * 0.04, base - ch * 0.5, x + cw * 1.04, base - ch * 0.44, scale(wall, 0.7))
    pk = roof(art, x, base - ch, cw, "gable", roof_colour, 0.28)
    if s.snowy or (s.season == "winter" and not s.tropical):
        art.poly([(x - cw * 0.06, base - ch - 1), (x + cw / 2, pk - 2), (x + cw * 1.06, base - ch - 1),
                  (x + cw / 2, pk + cw * 0.06)], (242, 245, 252))  # fmt: skip
    return pk


def mountain_village(s: Stage) -> None:
    """Snowy peaks, a wooded slope, chalets stepping up it around a small white church."""
    art = s.to("far")
    rng = art.rng
    w, h, hz = art.w, art.h, art.horizon_y
    bx0, by0, bx1, _ = s.box
    winter = s.snowy or (s.season == "winter" and not s.tropical)
    rock = art.hazed((112, 112, 128), 0.35)
    peaks(
        art,
        hz - h * 0.05,
        h * rng.uniform(0.28, 0.4),
        rock,
        art.hazed((246, 248, 255), 0.2),
        rng.randint(3, 5),
    )
    meadow = (235, 238, 246) if winter else mix(s.colours["ground"], (90, 140, 70), 0.4)
    forest = (40, 78, 52)
    tilt = rng.choice((-1.0, 1.0))
    rise = rng.uniform(0.1, 0.16)
    # The far slope with a band of pines along its crest.
    pts = [(float(x), _slope(x, w, hz, h, tilt, rise)) for x in range(0, w + 8, 8)]
    art.poly([*pts, (w, hz + 2), (0, hz + 2)], art.hazed(meadow, 0.25))
    tex = art.texture
    for x in range(0, w, max(3, w // 90)):
        y = _slope(x, w, hz, h, tilt, rise) + h * tex.uniform(0.0, 0.04)
        pine(art, x + tex.uniform(-3, 3), y, h * tex.uniform(0.03, 0.05), art.hazed(forest, 0.3), winter)
    # Mid: meadow, the church and the chalets.
    s.ground(mix(meadow, art.haze, 0.2), scale(meadow, 0.82))
    art = s.to("mid")
    walls = s.wall_colours(CHALET_WALLS, 3)
    roofs = rng.sample(CHALET_ROOFS, 2)
    church_x = bx0 + (bx1 - bx0) * rng.uniform(0.3, 0.7)
    church_base = _slope(church_x, w, hz, h, tilt, rise) + h * 0.01
    tw = (bx1 - bx0) * 0.12
    nave_w = tw * rng.uniform(2.0, 2.8)
    nave_x = church_x if tilt > 0 else church_x - nave_w
    house(art, nave_x, church_base, nave_w, tw * 1.3, (240, 238, 232), roofs[0], "gable", pitch=0.5, door=False,
          windows=False)  # fmt: skip
    art.windows(nave_x + nave_w * 0.1, church_base - tw * 1.1, nave_x + nave_w * 0.9, church_base - tw * 0.25, 3, 1,
                lit_share=0.8, day=(110, 105, 100), fill=0.35, arched=True)  # fmt: skip
    top = tower(art, church_x, church_base, tw, (hz - by0) * rng.uniform(0.35, 0.5), (240, 238, 232),
                roofs[0] if rng.random() < 0.5 else (90, 130, 115), rng.choice(("spire", "onion")))  # fmt: skip
    s.include(min(nave_x, church_x - tw), top, max(nave_x + nave_w, church_x + tw), hz)
    n = rng.randint(6, 11)
    for _ in range(n):
        cw = w * rng.uniform(0.05, 0.09)
        x = rng.uniform(-0.02, 0.98) * w
        if x + cw > church_x - tw and x < church_x + tw:
            continue
        base = _slope(x + cw / 2, w, hz, h, tilt, rise) + h * rng.uniform(0.0, 0.035)
        _chalet(s, x, base, cw, rng.choice(walls), rng.choice(roofs))
        if rng.random() < 0.5:
            px = x + (cw * 1.2 if rng.random() < 0.5 else -cw * 0.2)
            pine(art, px, base, h * rng.uniform(0.05, 0.09), forest, winter)
    # Near: pines at the frame edges and a wooden fence.
    art = s.to("near")
    fence_y = art.ground_y - h * 0.02
    wood = (120, 85, 55)
    if rng.random() < 0.6:
        art.line([(0, fence_y - h * 0.04), (w, fence_y - h * 0.05)], wood, max(2, h * 0.006))
        art.line([(0, fence_y - h * 0.015), (w, fence_y - h * 0.025)], wood, max(2, h * 0.006))
        for k in range(13):
            fx = k * w / 12
            art.line(
                [(fx, fence_y + h * 0.01), (fx, fence_y - h * 0.06)], scale(wood, 0.85), max(2, h * 0.008)
            )
    for edge in (w * 0.03, w * 0.97):
        if rng.random() < 0.6:
            pine(art, edge, art.ground_y + h * 0.08, h * rng.uniform(0.28, 0.38), forest, winter)
