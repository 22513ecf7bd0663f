"""Props for generic places: fir trees, palms, street lamps, boats, a lighthouse and a harbour crane."""

from __future__ import annotations

from generators.images.generic.parts import Art
from generators.images.shapes.extras import palm_fronds
from generators.images.sky import scale

RGB = tuple[int, int, int]


def pine(art: Art, x: float, base: float, h: float, colour: RGB, snow: bool = False) -> None:
    """A fir tree: three stacked triangles on a short trunk, snow-dusted in winter."""
    art.rect(x - h * 0.03, base - h * 0.15, x + h * 0.03, base + 1, (80, 55, 40))
    for i, (f, wf) in enumerate(((0.15, 0.32), (0.4, 0.25), (0.62, 0.17))):
        y0 = base - h * f
        top = y0 - h * (0.45 - i * 0.05)
        art.poly([(x - h * wf, y0), (x, top), (x + h * wf, y0)], scale(colour, 1 - i * 0.06))
        if snow:
            art.poly([(x - h * wf * 0.35, top + h * 0.12), (x, top), (x + h * wf * 0.35, top + h * 0.12)],
                     (240, 244, 250))  # fmt: skip


def palm(art: Art, x: float, base: float, height: float, lean: float, leaf: RGB = (40, 115, 55)) -> None:
    """A curved palm trunk and eight drooping fronds."""
    trunk = (120, 88, 60)
    pts = [(x + lean * height * 0.25 * (i / 8) ** 2, base - height * i / 8) for i in range(9)]
    art.line(pts, trunk, max(2, height * 0.045))
    tx, ty = pts[-1]
    ln = height * 0.42
    dark = scale(leaf, 0.75)
    for k, frond in enumerate(palm_fronds(tx, ty, ln, 0.075)):
        art.poly(frond, leaf if k % 2 else dark)
    art.ellipse(tx - ln * 0.06, ty - ln * 0.02, tx + ln * 0.06, ty + ln * 0.1, scale(trunk, 0.8))


def lamp(art: Art, x: float, base: float, h: float, colour: RGB = (45, 45, 50)) -> None:
    """A street lamp post; its lamp glows at night."""
    art.line([(x, base), (x, base - h)], colour, max(2, h * 0.035))
    art.rect(x - h * 0.06, base - h * 1.08, x + h * 0.06, base - h * 0.96, colour)
    if art.night:
        art.glow(x, base - h * 1.02, h * 0.05)
    else:
        art.rect(x - h * 0.04, base - h * 1.06, x + h * 0.04, base - h * 0.98, (220, 225, 215))


def boat(art: Art, x: float, y: float, length: float, hull: RGB, kind: str) -> None:
    """A small boat on the water line `y`: a sailing boat, a fishing boat with a cabin, or a dinghy."""
    hh = length * 0.16
    art.poly([(x, y - hh), (x + length, y - hh), (x + length * 0.85, y), (x + length * 0.1, y)], hull)
    art.rect(x, y - hh, x + length, y - hh * 0.8, (235, 235, 230))
    if kind == "sail":
        mx = x + length * 0.45
        art.line([(mx, y - hh), (mx, y - length * 0.95)], (70, 60, 50), max(1, length * 0.02))
        art.poly([(mx + length * 0.02, y - length * 0.9), (mx + length * 0.02, y - hh * 1.4),
                  (mx + length * 0.45, y - hh * 1.4)], (245, 242, 232))  # fmt: skip
        art.poly([(mx - length * 0.02, y - length * 0.8), (mx - length * 0.02, y - hh * 1.4),
                  (mx - length * 0.3, y - hh * 1.4)], (230, 228, 220))  # fmt: skip
    elif kind == "fishing":
        art.rect(x + length * 0.5, y - hh - length * 0.22, x + length * 0.8, y - hh, (235, 235, 228))
        art.windows(x + length * 0.53, y - hh - length * 0.2, x + length * 0.77, y - hh - length * 0.1, 2, 1,
                    lit_share=0.9, day=(70, 90, 110), fill=0.6)  # fmt: skip
        art.line(
            [(x + length * 0.3, y - hh), (x + length * 0.3, y - length * 0.55)],
            (70, 60, 50),
            max(1, length * 0.02),
        )
    if art.night:
        art.glow(x + length * 0.95, y - hh * 1.2, max(1.0, length * 0.02), (255, 120, 100))


def lighthouse(art: Art, cx: float, base: float, w: float, h: float, band: RGB) -> float:
    """A tapering striped lighthouse with a lantern room; the lamp and its beam shine at night."""
    pts = [(cx - w / 2, base), (cx - w * 0.32, base - h), (cx + w * 0.32, base - h), (cx + w / 2, base)]
    art.poly(pts, (240, 238, 230))
    for i in range(1, 4, 2):
        y0, y1 = base - h * i / 4, base - h * (i + 1) / 4
        a0, a1 = w / 2 - (w * 0.18) * i / 4, w / 2 - (w * 0.18) * (i + 1) / 4
        art.poly([(cx - a0, y0), (cx - a1, y1), (cx + a1, y1), (cx + a0, y0)], band)
    art.rect(cx - w * 0.42, base - h - w * 0.08, cx + w * 0.42, base - h, (60, 60, 65))
    lamp_y = base - h - w * 0.3
    if art.night:
        side = 1 if art.lights.random() < 0.5 else -1
        art.beam((cx, lamp_y), side * art.w * 0.45, lamp_y - h * 0.25, lamp_y + h * 0.08)
        art.rect(
            cx - w * 0.22, base - h - w * 0.5, cx + w * 0.22, base - h - w * 0.08, (255, 240, 180), raw=True
        )
    else:
        art.rect(cx - w * 0.22, base - h - w * 0.5, cx + w * 0.22, base - h - w * 0.08, (170, 200, 215))
    art.poly(
        [(cx - w * 0.32, base - h - w * 0.5), (cx, base - h - w * 0.85), (cx + w * 0.32, base - h - w * 0.5)],
        band,
    )
    return base - h - w * 0.85


def crane(art: Art, x: float, base: float, h: float, colour: RGB) -> float:
    """A harbour gantry crane: legs, a tall frame and a long boom over the water; returns its top y."""
    leg = max(2, h * 0.025)
    art.line([(x, base), (x + h * 0.12, base - h * 0.55)], colour, leg)
    art.line([(x + h * 0.3, base), (x + h * 0.18, base - h * 0.55)], colour, leg)
    art.rect(x + h * 0.08, base - h * 0.75, x + h * 0.22, base - h * 0.55, colour)
    art.line([(x - h * 0.35, base - h * 0.7), (x + h * 0.6, base - h * 0.7)], colour, leg * 1.3)
    art.line([(x + h * 0.15, base - h), (x - h * 0.35, base - h * 0.7)], colour, max(1, leg * 0.5))
    art.line([(x + h * 0.15, base - h), (x + h * 0.6, base - h * 0.7)], colour, max(1, leg * 0.5))
    art.line([(x + h * 0.15, base - h * 0.75), (x + h * 0.15, base - h)], colour, leg)
    art.glow(x + h * 0.15, base - h, max(1.0, h * 0.012), (255, 90, 80))
    return base - h
