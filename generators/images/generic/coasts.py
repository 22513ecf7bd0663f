"""Generic harbours (waterfront houses, boats, a lighthouse or cranes, the quay) and tropical islands."""

from __future__ import annotations

from generators.images.generic.parts import hills, house
from generators.images.generic.props import boat, crane, lamp, lighthouse, palm
from generators.images.generic.stage import Stage
from generators.images.shapes.pen import LIT_WINDOW
from generators.images.sky import mix, scale

RGB = tuple[int, int, int]

HARBOUR_WALLS: list[RGB] = [
    (190, 60, 50), (235, 200, 90), (90, 130, 170), (240, 236, 226), (200, 140, 80), (120, 160, 130),
    (230, 160, 140), (150, 80, 70), (210, 210, 200),
]  # fmt: skip
HULLS: list[RGB] = [(190, 50, 45), (40, 80, 130), (235, 235, 228), (40, 110, 90), (220, 170, 50)]


def harbour(s: Stage) -> None:
    """A waterfront row across the horizon, water with moored boats, a lighthouse or cranes, the quay."""
    art = s.to("far")
    rng = art.rng
    w, h, hz = art.w, art.h, art.horizon_y
    bx0, by0, bx1, _ = s.box
    hills(art, hz + 1, h * rng.uniform(0.05, 0.12), rng.uniform(1.5, 3), art.hazed(s.colours["ground"], 0.55))
    walls = s.wall_colours(HARBOUR_WALLS, rng.randint(4, 6))
    roofs = [mix(s.colours["accent"], (90, 60, 50), 0.5), (70, 72, 80), (150, 70, 50)]
    styles = rng.sample(["gable", "gable", "hip", "stepped", "flat"], 2)
    quay_y = hz + (art.ground_y - hz) * rng.uniform(0.5, 0.6)
    # Mid: the waterfront town, the water with reflections, boats, the quay.
    art = s.to("mid")
    lit_x: list[tuple[float, float]] = []
    x = -w * 0.03
    while x < w:
        bw = w * rng.uniform(0.05, 0.09)
        bh = art.unit * rng.uniform(0.08, 0.17)
        house(
            art,
            x,
            hz,
            bw,
            bh,
            rng.choice(walls),
            rng.choice(roofs),
            rng.choice(styles),
            pitch=rng.uniform(0.4, 0.7),
        )
        lit_x.append((x, bw))
        x += bw + w * rng.uniform(0.0, 0.006)
    deep = mix((40, 95, 140), art.haze, 0.3)
    s.water(hz, quay_y, deep, mix((50, 110, 150), (30, 60, 80), 0.3))
    if s.night:  # lit windows mirrored as wavering streaks
        for x0, bw in lit_x:
            if art.lights.random() < 0.6:
                cx = x0 + bw * art.lights.uniform(0.2, 0.8)
                for k in range(4):
                    y = hz + 3 + k * (quay_y - hz) * 0.08
                    art.rect(
                        cx - bw * 0.08,
                        y,
                        cx + bw * 0.08,
                        y + max(1, h * 0.004),
                        mix(LIT_WINDOW, deep, 0.4),
                        raw=True,
                    )
    # The focal group: a lighthouse on a breakwater, or container cranes on a pier.
    if rng.random() < 0.6:
        mole_y = hz + (quay_y - hz) * 0.25
        art.rect(bx0, mole_y - h * 0.012, bx1, mole_y + h * 0.012, (130, 128, 122))
        lw = (bx1 - bx0) * 0.16
        cx = bx0 + lw if rng.random() < 0.5 else bx1 - lw
        top = lighthouse(
            art,
            cx,
            mole_y - h * 0.01,
            lw,
            (mole_y - by0) * 0.72,
            rng.choice([(200, 50, 45), (40, 90, 60), (40, 60, 110)]),
        )
        s.include(cx - lw * 0.8, top, cx + lw * 0.8, mole_y)
    else:
        pier_y = hz + (quay_y - hz) * 0.2
        art.rect(bx0, pier_y - h * 0.01, bx1, pier_y + h * 0.015, (120, 120, 118))
        colour = rng.choice([(210, 120, 40), (200, 60, 50), (60, 100, 150)])
        n = rng.randint(2, 3)
        top = pier_y
        for k in range(n):
            ch = (pier_y - by0) * rng.uniform(0.75, 0.95)
            cx = bx0 + (bx1 - bx0) * (0.12 + 0.7 * k / max(1, n - 1))
            top = min(top, crane(art, cx, pier_y, ch, colour))
        for k in range(int((bx1 - bx0) / (w * 0.03))):
            cx = bx0 + k * w * 0.03
            for r in range(rng.randint(1, 3)):
                art.rect(cx, pier_y - (r + 1) * h * 0.014, cx + w * 0.028, pier_y - r * h * 0.014,
                         rng.choice([(180, 60, 50), (60, 110, 160), (220, 170, 60), (70, 130, 90)]))  # fmt: skip
        s.include(bx0, top, bx1, pier_y)
    for _ in range(rng.randint(2, 5)):
        y = rng.uniform(hz + (quay_y - hz) * 0.35, quay_y - h * 0.01)
        length = w * (0.03 + 0.1 * (y - hz) / max(1.0, quay_y - hz)) * rng.uniform(0.8, 1.2)
        boat(
            art,
            rng.uniform(-0.02, 0.95) * w,
            y,
            length,
            rng.choice(HULLS),
            rng.choice(("sail", "fishing", "dinghy")),
        )
    stone = mix(s.colours["ground"], (150, 145, 135), 0.7)
    s.ground(stone, scale(stone, 0.75), quay_y)
    art = s.to("mid")
    art.rect(0, quay_y, w, quay_y + h * 0.012, scale(stone, 1.1))
    art.rect(0, quay_y + h * 0.012, w, quay_y + h * 0.02, scale(stone, 0.6))
    for _ in range(rng.randint(3, 6)):
        bx = w * (0.05 + 0.9 * rng.random())
        art.ellipse(bx - h * 0.01, quay_y + h * 0.02, bx + h * 0.01, quay_y + h * 0.045, (45, 45, 50))
    # Near: a lamp at one edge.
    art = s.to("near")
    if rng.random() < 0.7:
        lamp(art, w * rng.choice((0.05, 0.95)), art.ground_y + h * 0.07, h * 0.32)


HUT_THATCH: list[RGB] = [(196, 160, 96), (170, 130, 75), (210, 180, 120)]


def _hut(s: Stage, x: float, floor: float, hw: float, thatch: RGB, stilts: float) -> float:
    """A thatched hut on stilts (over water when `stilts` is tall); returns its roof top."""
    art = s.art
    wood = (130, 95, 62)
    for k in range(3):
        px = x + hw * (0.1 + 0.4 * k)
        art.line([(px, floor), (px, floor + stilts)], scale(wood, 0.8), max(1, hw * 0.04))
    art.rect(x - hw * 0.05, floor - hw * 0.05, x + hw * 1.05, floor + hw * 0.02, scale(wood, 0.9))
    art.rect(x + hw * 0.08, floor - hw * 0.45, x + hw * 0.92, floor - hw * 0.05, wood)
    art.windows(x + hw * 0.2, floor - hw * 0.38, x + hw * 0.8, floor - hw * 0.12, 2, 1, lit_share=0.8,
                day=(55, 40, 30), fill=0.55)  # fmt: skip
    top = floor - hw * 0.95
    art.poly(
        [(x - hw * 0.15, floor - hw * 0.38), (x + hw / 2, top), (x + hw * 1.15, floor - hw * 0.38)], thatch
    )
    art.line(
        [(x - hw * 0.15, floor - hw * 0.38), (x + hw * 1.15, floor - hw * 0.38)],
        scale(thatch, 0.7),
        max(1, hw * 0.04),
    )
    return top


def tropical_island(s: Stage) -> None:
    """Turquoise sea to the horizon with islets, a beach, huts (some over the water) and leaning palms."""
    art = s.to("far")
    rng = art.rng
    w, h, hz = art.w, art.h, art.horizon_y
    bx0, by0, bx1, _ = s.box
    green = (45, 115, 70)
    if rng.random() < 0.5:  # a volcanic island peak on the horizon
        cx, pw = rng.uniform(0.15, 0.85) * w, w * rng.uniform(0.35, 0.6)
        ph = h * rng.uniform(0.14, 0.26)
        tip = cx + pw * rng.uniform(-0.12, 0.12)
        art.poly([(cx - pw / 2, hz + 1), (cx - pw * 0.2, hz - ph * 0.55), (tip - pw * 0.04, hz - ph),
                  (tip + pw * 0.05, hz - ph * 0.92), (cx + pw * 0.25, hz - ph * 0.45), (cx + pw / 2, hz + 1)],
                 art.hazed(scale(green, 0.9), 0.4))  # fmt: skip
    for _ in range(rng.randint(1, 3)):
        cx, iw = rng.uniform(0, w), w * rng.uniform(0.12, 0.3)
        ih = h * rng.uniform(0.02, 0.06)
        art.d.chord(
            (cx - iw / 2, hz - ih, cx + iw / 2, hz + ih), 180, 360, fill=art.lit(art.hazed(green, 0.55))
        )
    beach_y = hz + (art.ground_y - hz) * rng.uniform(0.35, 0.5)
    art = s.to("mid")
    s.water(hz, beach_y, mix((30, 110, 170), art.haze, 0.25), (70, 205, 200))
    sand = mix(s.colours["ground"], (236, 214, 160), 0.7)
    s.ground(mix(sand, (250, 240, 210), 0.3), scale(sand, 0.85), beach_y)
    art = s.to("mid")
    foam = (245, 250, 248)
    art.line([(0, beach_y), (w, beach_y + h * 0.004)], foam, max(2, h * 0.006))
    thatch = rng.choice(HUT_THATCH)
    # The focal group: a jetty with huts over the water, or huts on the beach among palms.
    if rng.random() < 0.5:
        jetty_y = hz + (beach_y - hz) * 0.45
        art.rect(bx0, jetty_y, bx1, jetty_y + h * 0.008, (150, 110, 75))
        n = rng.randint(2, 4)
        hw = (bx1 - bx0) / (n + 0.5)
        top = jetty_y
        stilts = (beach_y - jetty_y) * 0.3
        for k in range(n):
            top = min(top, _hut(s, bx0 + k * hw * 1.05, jetty_y, hw * 0.8, thatch, stilts))
        s.include(bx0, top, bx0 + (n - 1) * hw * 1.05 + hw * 0.95, jetty_y + stilts)
    else:
        n = rng.randint(2, 3)
        hw = (bx1 - bx0) / (n + 1.5)
        top = beach_y
        floor = beach_y + h * 0.02
        for k in range(n):
            top = min(top, _hut(s, bx0 + hw * (0.3 + 1.3 * k), floor, hw, thatch, h * 0.015))
        px, ph = bx0 + (bx1 - bx0) * rng.uniform(0.1, 0.9), (beach_y - by0) * 0.9
        palm(art, px, floor + h * 0.01, ph, rng.uniform(-1, 1))
        right = bx0 + hw * (0.3 + 1.3 * (n - 1)) + hw * 1.15
        s.include(min(bx0 + hw * 0.15, px - ph * 0.3), min(top, floor - ph), max(right, px + ph * 0.3), floor)
    for _ in range(rng.randint(2, 4)):
        px = rng.uniform(0, w)
        if bx0 - w * 0.05 < px < bx1 + w * 0.05:
            continue
        palm(art, px, beach_y + h * 0.015, h * rng.uniform(0.18, 0.28), rng.uniform(-1, 1))
    if rng.random() < 0.6:  # an outrigger canoe drawn up on the sand
        cx = rng.uniform(0.05, 0.75) * w
        cy = beach_y + (h - beach_y) * 0.25
        art.poly([(cx, cy), (cx + w * 0.14, cy), (cx + w * 0.12, cy + h * 0.012), (cx + w * 0.02, cy + h * 0.012)],
                 rng.choice(HULLS))  # fmt: skip
        art.line(
            [(cx + w * 0.03, cy + h * 0.02), (cx + w * 0.11, cy + h * 0.02)], (130, 95, 62), max(1, h * 0.004)
        )
    # Near: one big palm leaning in from an edge.
    art = s.to("near")
    side = rng.choice((-1, 1))
    ex = w * (0.02 if side < 0 else 0.98)
    palm(art, ex, h * 1.02, h * rng.uniform(0.5, 0.62), -side * rng.uniform(0.6, 1.2))
