"""A travel map in the postcard style: a numbered pin per place, the route in order, offline outlines.

The map zooms to the region when the stops are clustered (equirectangular around their middle
latitude), else shows the whole world in the Robinson projection (`projection.py`); the paper, sea
and Natural Earth land are `basemap.py`'s. Geometry is drawn at twice the size and reduced, text is
drawn at the final size.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from generators.images.basemap import INK, INK_SOFT, SS, as_points, base_map
from generators.images.fonts import DEJAVU_DIRS, covers, font_for, load_font
from generators.images.projection import Frame, choose_view, fit_frame

Box = tuple[int, int, int, int]
Point = tuple[float, float]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

SIZE = (1440, 1080)
# One ink per traveller on a channel's map, in order of their first trip.
INKS = (
    (178, 34, 52),
    (31, 78, 121),
    (46, 107, 48),
    (117, 60, 160),
    (196, 98, 0),
    (0, 118, 118),
    (160, 40, 120),
    (96, 96, 30),
)
STAMP = (104, 72, 50)  # a channel's stamp: no traveller's colour
PIN_R = 14  # pin head radius, final pixels
STEM = 24  # from the place to the pin head's centre
PLACES_WORD = {"en": ("PLACE", "PLACES"), "zh": ("个地方", "个地方")}
MORE_WORD = {"en": "+{n} more", "zh": "另有 {n} 处"}
MAX_LABEL = 22
ITEM_SIZE = 18  # legend and itinerary text


@dataclass(frozen=True)
class MapStop:
    """One trip on the map: where, its localised name, when, and (on a channel's map) who went."""

    lat: float
    lon: float
    label: str
    when: datetime
    who: str | None = None


@dataclass(frozen=True)
class Pin:
    """A drawn pin: its number, the place's pixel (`x`, `y`), the head's centre and its label's box."""

    number: int
    x: float
    y: float
    head: Point
    label: str
    who: str | None
    label_box: Box | None


@dataclass(frozen=True)
class TravelMap:
    """The written map and what is on it."""

    path: Path
    width: int
    height: int
    sha256: str
    view: str  # "world" or "region"
    map_box: Box
    pins: tuple[Pin, ...]
    travellers: tuple[str, ...]


# ---------------------------------------------------------------- route and pins
def _arc(a: Point, b: Point) -> list[Point]:
    """A flight-like arc from a to b, bulging to the left of the way travelled (north when going east)."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    dist = math.hypot(dx, dy)
    if dist < 1:
        return [a, b]
    nx, ny = dy / dist, -dx / dist  # to the left of the way travelled: a return leg is a separate arc
    bulge = min(0.22 * dist, 160 * SS)
    cx, cy = (ax + bx) / 2 + nx * bulge, (ay + by) / 2 + ny * bulge
    n = max(12, int(dist / (6 * SS)))
    t = np.linspace(0, 1, n)
    x = (1 - t) ** 2 * ax + 2 * (1 - t) * t * cx + t**2 * bx
    y = (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy + t**2 * by
    return as_points(x, y)


def _leg(frame: Frame, a: MapStop, b: MapStop, pa: Point, pb: Point) -> list[list[Point]]:
    """The route from a to b: one arc, or on the world map the short way over the Pacific, leaving at one
    edge and coming back at the other (Tokyo to San Francisco does not cross Europe)."""
    gap = b.lon - a.lon
    if frame.view.kind != "world" or abs(gap) <= 180:
        return [_arc(pa, pb)]
    edge = 180.0 if gap < 0 else -180.0  # the edge a leaves by
    span = 360 - abs(gap)
    lat = a.lat + (b.lat - a.lat) * (180 - abs(a.lon)) / span if span else a.lat
    (x1, y1), (x2, y2) = (frame.to_px(np.array([e]), np.array([lat]), SS) for e in (edge, -edge))
    return [_arc(pa, (float(x1[0]), float(y1[0]))), _arc((float(x2[0]), float(y2[0])), pb)]


def _dashed(
    d: ImageDraw.ImageDraw, pts: list[Point], colour: tuple, width: int, on: float, off: float
) -> None:
    """A dashed polyline: dashes of length `on`, gaps of `off`, continuing across the vertices."""
    pos, drawing, left = 0.0, True, on
    current: list[Point] = [pts[0]]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        seg = math.hypot(x1 - x0, y1 - y0)
        pos = 0.0
        while seg - pos > left:
            pos += left
            p = (x0 + (x1 - x0) * pos / seg, y0 + (y1 - y0) * pos / seg)
            if drawing:
                current.append(p)
                d.line(current, fill=colour, width=width)
            current = [p]
            drawing, left = not drawing, off if drawing else on
        left -= seg - pos
        if drawing:
            current.append((x1, y1))
        else:
            current = [(x1, y1)]
    if drawing and len(current) > 1:
        d.line(current, fill=colour, width=width)


def _arrow(d: ImageDraw.ImageDraw, pts: list[Point], colour: tuple) -> None:
    """A small arrowhead at the arc's middle, pointing the way travelled."""
    if len(pts) < 4:
        return
    i = len(pts) // 2
    (x0, y0), (x1, y1) = pts[i - 1], pts[i + 1]
    a = math.atan2(y1 - y0, x1 - x0)
    s = 7 * SS
    cx, cy = pts[i]
    tip = (cx + math.cos(a) * s, cy + math.sin(a) * s)
    left = (cx + math.cos(a + 2.5) * s, cy + math.sin(a + 2.5) * s)
    right = (cx + math.cos(a - 2.5) * s, cy + math.sin(a - 2.5) * s)
    d.polygon([tip, left, right], fill=colour)


def _spread_heads(tips: np.ndarray, box: Box) -> np.ndarray:
    """Pin heads above their places, pushed apart where they would overlap (tips stay put)."""
    start = tips + np.array([0.0, -STEM])
    heads = start.copy()
    n = len(heads)
    if n < 2:
        return heads
    min_d = 2 * PIN_R + 3
    fallback = np.stack([np.cos(np.arange(n) * 2.4), np.sin(np.arange(n) * 2.4)], axis=1)
    for _ in range(80):
        diff = heads[:, None, :] - heads[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        overlap = np.clip(min_d - dist, 0, None)
        np.fill_diagonal(overlap, 0)
        if overlap.max() < 0.5:
            break
        safe = np.where(dist < 1e-6, 1.0, dist)
        dirs = np.where((dist < 1e-6)[..., None], fallback[:, None, :], diff / safe[..., None])
        heads += 0.5 * (overlap[..., None] * dirs).sum(axis=1) + 0.04 * (start - heads)
    lo = np.array([box[0] + PIN_R, box[1] + PIN_R])
    hi = np.array([box[2] - PIN_R, box[3] - PIN_R])
    return np.clip(heads, lo, hi)


def _draw_pin(d: ImageDraw.ImageDraw, tip: Point, head: Point, colour: tuple) -> None:
    """A map pin: shadow, stem, a round badge with a white ring (numbers are drawn later)."""
    tx, ty = tip[0] * SS, tip[1] * SS
    hx, hy = head[0] * SS, head[1] * SS
    r = PIN_R * SS
    d.ellipse((tx - 7 * SS, ty - 2.5 * SS, tx + 9 * SS, ty + 3.5 * SS), fill=(60, 40, 20, 70))
    d.line([(tx, ty), (hx, hy)], fill=INK + (255,), width=2 * SS)
    d.ellipse((tx - 3.5 * SS, ty - 3.5 * SS, tx + 3.5 * SS, ty + 3.5 * SS), fill=INK + (255,))
    d.ellipse((hx - r + 2 * SS, hy - r + 3 * SS, hx + r + 2 * SS, hy + r + 3 * SS), fill=(60, 40, 20, 80))
    d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=(255, 252, 244, 255), outline=INK + (255,), width=SS)
    inner = r - 3 * SS
    d.ellipse((hx - inner, hy - inner, hx + inner, hy + inner), fill=colour + (255,))


# ---------------------------------------------------------------- text
def _serif(text: str, size: int, lang: str) -> Font:
    """DejaVu Serif Bold Italic for the title where it has the glyphs, else the matching sans font."""
    for d in DEJAVU_DIRS:
        path = os.path.join(d, "DejaVuSerif-BoldItalic.ttf")
        if os.path.exists(path):
            font = load_font(path, 0, size)
            if covers(font, text):
                return font
    return font_for(text, size, bold=True, lang=lang)


def _fit(
    d: ImageDraw.ImageDraw, text: str, size: int, max_w: float, lang: str, serif: bool = False
) -> tuple[str, Font]:
    """Shrink (to 70%), then truncate, so `text` fits `max_w`."""
    font: Font  # the loop below runs at least once
    for s in range(size, int(size * 0.7) - 1, -2):
        font = _serif(text, s, lang) if serif else font_for(text, s, lang=lang)
        if d.textlength(text, font=font) <= max_w:
            return text, font
    while len(text) > 1 and d.textlength(text + "…", font=font) > max_w:
        text = text[:-1]
    return text + "…", font


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(
    d: ImageDraw.ImageDraw, pins: list[tuple[int, Point, Point, str]], box: Box, font_size: int, lang: str
) -> dict[int, tuple[Box, Point, Font, str]]:
    """Greedy label placement around each pin head, avoiding heads, places and earlier labels.

    Returns, per pin number, the label's box on the page, where to draw it, its font and text."""
    taken: list[Box] = []
    for _, tip, head, _ in pins:
        r = PIN_R + 2
        taken.append((int(head[0] - r), int(head[1] - r), int(head[0] + r), int(head[1] + r)))
        taken.append((int(tip[0] - 4), int(tip[1] - 4), int(tip[0] + 4), int(tip[1] + 4)))
    placed: dict[int, tuple[Box, Point, Font, str]] = {}
    for number, tip, head, label in pins:
        text = _short(label)
        font = font_for(text, font_size, lang=lang)
        left, t, r, b = d.textbbox((0, 0), text, font=font)
        w, h = r - left, b - t
        hx, hy = head
        gap = PIN_R + 5
        for x, y in (
            (hx + gap, hy - h / 2),
            (hx - gap - w, hy - h / 2),
            (hx - w / 2, hy - gap - h),
            (tip[0] - w / 2, tip[1] + 7),
            (hx + gap - 4, hy - gap - h / 2),
            (hx + gap - 4, hy + gap - h / 2),
            (hx - gap - w + 4, hy - gap - h / 2),
            (hx - gap - w + 4, hy + gap - h / 2),
        ):
            cand = (int(x) - 3, int(y) - 3, int(x + w) + 3, int(y + h) + 3)
            inside = cand[0] >= box[0] and cand[1] >= box[1] and cand[2] <= box[2] and cand[3] <= box[3]
            if inside and not any(_overlaps(cand, o) for o in taken):
                taken.append(cand)
                placed[number] = ((int(x), int(y), int(x + w), int(y + h)), (x - left, y - t), font, text)
                break
    return placed


def _stamp(canvas: Image.Image, at: tuple[int, int], count: int, lang: str, colour: tuple) -> None:
    """A perforated postage stamp with the number of places, slightly tilted, with a cancellation."""
    w, h = 100, 120
    st = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(st)
    d.rectangle((0, 0, w - 1, h - 1), fill=(252, 249, 240, 255))
    r = 5
    for x in range(r + 2, w, 3 * r):
        for cy in (0, h):
            d.ellipse((x - r, cy - r, x + r, cy + r), fill=(0, 0, 0, 0))
    for y in range(r + 2, h, 3 * r):
        for cx in (0, w):
            d.ellipse((cx - r, y - r, cx + r, y + r), fill=(0, 0, 0, 0))
    d.rectangle((12, 12, w - 13, h - 13), fill=colour + (255,))
    num = str(count)
    font = font_for(num, 46 if count < 100 else 34, bold=True)
    d.text((w / 2, h / 2 - 12), num, fill=(255, 250, 240, 255), font=font, anchor="mm")
    word = PLACES_WORD.get(lang, PLACES_WORD["en"])[count != 1]
    d.text(
        (w / 2, h - 30),
        word,
        fill=(255, 250, 240, 255),
        font=font_for(word, 14, bold=True, lang=lang),
        anchor="mm",
    )
    for k in (-14, 0, 14):  # wavy cancellation lines across the corner
        pts = [(t, h * 0.22 + k + 5 * math.sin(t / 9)) for t in range(-10, w + 10, 3)]
        d.line(pts, fill=INK + (150,), width=2)
    st = st.rotate(-6, resample=Image.Resampling.BICUBIC, expand=True)
    canvas.paste(st, at, st)


def _compass(d: ImageDraw.ImageDraw, centre: Point, radius: float) -> None:
    """A small four-point compass rose (supersampled canvas coordinates)."""
    cx, cy = centre
    r, q = radius, radius * 0.22
    d.ellipse((cx - r * 0.72, cy - r * 0.72, cx + r * 0.72, cy + r * 0.72), outline=INK + (160,), width=SS)
    for k in range(4):
        a = k * math.pi / 2 - math.pi / 2
        tip = (cx + math.cos(a) * r, cy + math.sin(a) * r)
        side1 = (cx + math.cos(a + math.pi / 2) * q, cy + math.sin(a + math.pi / 2) * q)
        side2 = (cx + math.cos(a - math.pi / 2) * q, cy + math.sin(a - math.pi / 2) * q)
        d.polygon([tip, side1, (cx, cy)], fill=INK + (255,))
        d.polygon([tip, side2, (cx, cy)], fill=(250, 246, 236, 255), outline=INK + (255,))


def _flow(
    d: ImageDraw.ImageDraw,
    items: list[tuple[tuple, str, str]],
    area: Box,
    size: int,
    lang: str,
    draw: bool = True,
) -> tuple[int, int]:
    """Lay out (colour, badge, text) items left to right in lines inside `area`.

    Returns how many fit and how many lines they took; `draw=False` only measures."""
    x, y = area[0], area[1]
    line_h = size + 14
    badge_r = size * 0.62
    shown, lines = 0, 1
    more_w = d.textlength(MORE_WORD.get(lang, MORE_WORD["en"]).format(n=999), font=font_for("+999", size))
    for i, (colour, badge, text) in enumerate(items):
        font = font_for(text, size, lang=lang)
        bw = 2 * badge_r if badge else badge_r * 1.2
        w = bw + 7 + d.textlength(text, font=font) + 22
        last_line = y + 2 * line_h > area[3]
        room = area[2] - (more_w + 10 if last_line and i < len(items) - 1 else 0)
        if x + w > room and x > area[0]:
            if last_line:
                break
            x, y, lines = area[0], y + line_h, lines + 1
        x += w
        shown += 1
        if not draw:
            continue
        x0, cy = x - w, y + size / 2 + 2
        if badge:
            d.ellipse((x0, cy - badge_r, x0 + 2 * badge_r, cy + badge_r), fill=colour, outline=INK, width=1)
            bf = font_for(badge, int(size * (0.72 if len(badge) < 3 else 0.58)), bold=True)
            d.text((x0 + badge_r, cy), badge, fill=(255, 250, 240), font=bf, anchor="mm")
        else:
            d.rectangle(
                (x0, cy - badge_r * 0.6, x0 + badge_r * 1.2, cy + badge_r * 0.6), fill=colour, outline=INK
            )
        d.text((x0 + bw + 7, cy), text, fill=INK, font=font, anchor="lm")
    if shown < len(items) and draw:
        more = MORE_WORD.get(lang, MORE_WORD["en"]).format(n=len(items) - shown)
        d.text((x, y + size / 2 + 2), more, fill=INK_SOFT, font=font_for(more, size, lang=lang), anchor="lm")
    return shown, lines


# ---------------------------------------------------------------- the map
def _places(stops: list[MapStop]) -> tuple[list[tuple[int, MapStop]], list[int]]:
    """Numbered places (first visit; one per traveller and place) and each stop's place index."""
    index: dict[tuple[str | None, float, float], int] = {}
    places: list[tuple[int, MapStop]] = []
    of_stop = []
    for stop in stops:
        key = (stop.who, round(stop.lat, 2), round(stop.lon, 2))
        if key not in index:
            index[key] = len(places)
            places.append((len(places) + 1, stop))
        of_stop.append(index[key])
    return places, of_stop


def place_count(stops: list[MapStop]) -> int:
    """How many numbered places the map of `stops` shows (one per traveller and place)."""
    return len(_places(stops)[0])


def render_travel_map(
    stops: list[MapStop],
    *,
    title: str,
    subtitle: str,
    lang: str,
    out_path: Path,
    size: tuple[int, int] = SIZE,
) -> TravelMap:
    """Draw the stops as numbered pins joined by a dashed route in the order travelled; writes a JPEG
    (a PNG for a `.png` path). Same stops and texts, same bytes."""
    width, height = size
    stops = sorted(stops, key=lambda s: s.when)
    travellers = tuple(dict.fromkeys(s.who for s in stops if s.who))
    ink_of = {who: INKS[i % len(INKS)] for i, who in enumerate(travellers)}

    places, of_stop = _places(stops)
    counts = {who: sum(1 for s in stops if s.who == who) for who in travellers}
    legend = [(ink_of[w], "", f"{_short(w)} · {counts[w]}") for w in travellers]
    itinerary = [(ink_of.get(s.who, INKS[0]), str(n), _short(s.label)) for n, s in places]
    # The map takes what the legend below it leaves (the itinerary gets at most four lines).
    ruler = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    _, lines = _flow(ruler, itinerary, (60, 0, width - 60, 10_000), ITEM_SIZE, lang, draw=False)
    legend_h = min(lines, 4) * (ITEM_SIZE + 14) + (40 if legend else 0) + 50
    top = int(height * 0.14)
    area = (48, top, width - 48, max(top + int(height * 0.55), height - legend_h))
    view = choose_view([(s.lon, s.lat) for s in stops], (area[2] - area[0]) / (area[3] - area[1]))
    frame = fit_frame(view, area)
    canvas = base_map((width, height), frame).copy()

    if places:
        lon = np.array([s.lon for _, s in places])
        lat = np.array([s.lat for _, s in places])
        tx, ty = frame.to_px(lon, lat)
        tips = np.stack([tx, ty], axis=1)
    else:
        tips = np.zeros((0, 2))
    heads = _spread_heads(tips, frame.box)

    d = ImageDraw.Draw(canvas, "RGBA")
    _compass(d, ((frame.box[0] + 46) * SS, (frame.box[3] - 46) * SS), 30 * SS)
    # The route: one dashed arc per leg, per traveller, oldest first.
    by_who: dict[str | None, list[int]] = {}
    for i, stop in enumerate(stops):
        by_who.setdefault(stop.who, []).append(of_stop[i])
    for who, seq in by_who.items():
        colour = ink_of.get(who, INKS[0])
        dark = tuple(int(c * 0.8) for c in colour) + (235,)
        for a, b in zip(seq, seq[1:], strict=False):
            if a == b:
                continue
            pieces = _leg(frame, places[a][1], places[b][1], tuple(tips[a] * SS), tuple(tips[b] * SS))
            for pts in pieces:
                d.line(pts, fill=(255, 252, 244, 150), width=7 * SS)
                _dashed(d, pts, dark, 3 * SS, 11 * SS, 7 * SS)
            _arrow(d, max(pieces, key=len), dark)
    order = sorted(range(len(places)), key=lambda i: -tips[i][1])  # southern pins last: on top
    for i in order:
        colour = ink_of.get(places[i][1].who, INKS[0])
        _draw_pin(d, tuple(tips[i]), tuple(heads[i]), colour)

    page = canvas.reduce(SS)
    d = ImageDraw.Draw(page)
    for i, (number, _stop) in enumerate(places):
        num = str(number)
        font = font_for(num, 15 if number < 100 else 12, bold=True)
        d.text(tuple(heads[i]), num, fill=(255, 252, 244), font=font, anchor="mm")
    font_size = 19 if len(places) <= 12 else 16
    pin_rows = [(n, tuple(tips[i]), tuple(heads[i]), s.label) for i, (n, s) in enumerate(places)]
    labels = _place_labels(d, pin_rows, frame.box, font_size, lang)
    for _box, origin, font, text in labels.values():
        d.text(origin, text, fill=INK, font=font, stroke_width=3, stroke_fill=(250, 246, 234))

    # Title and subtitle, the stamp, the attribution.
    title_text, tfont = _fit(d, title, 50, width - 300, lang, serif=True)
    d.text((56, int(height * 0.035)), title_text, fill=INK, font=tfont)
    sub_text, sfont = _fit(d, subtitle, 24, width - 300, lang)
    d.text((58, int(height * 0.035) + 66), sub_text, fill=INK_SOFT, font=sfont)
    stamp_colour = INKS[0] if len(travellers) <= 1 else STAMP
    _stamp(page, (width - 158, 12), len(places), lang, stamp_colour)
    credit = "Natural Earth"
    cf = font_for(credit, 12)
    d.text((frame.box[2] - 4, frame.box[3] + 4), credit, fill=INK_SOFT, font=cf, anchor="ra")

    # The legend: who travelled (a channel's map), then the places in order.
    legend_top = frame.box[3] + 22
    if legend:
        _flow(d, legend, (60, legend_top, width - 60, legend_top + 34), ITEM_SIZE + 1, lang)
        legend_top += 40
    _flow(d, itinerary, (60, legend_top, width - 60, height - 28), ITEM_SIZE, lang)
    d.rectangle((14, 14, width - 15, height - 15), outline=INK_SOFT, width=2)

    buf = io.BytesIO()
    if out_path.suffix.lower() == ".png":
        page.save(buf, format="PNG", compress_level=3)
    else:  # JPEG encodes ten times faster than PNG here; 4:4:4 keeps thin red lines and text crisp
        page.save(buf, format="JPEG", quality=92, subsampling=0)
    data = buf.getvalue()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(data)
    pins = tuple(
        Pin(
            number=n,
            x=float(tips[i][0]),
            y=float(tips[i][1]),
            head=(float(heads[i][0]), float(heads[i][1])),
            label=s.label,
            who=s.who,
            label_box=labels[n][0] if n in labels else None,
        )
        for i, (n, s) in enumerate(places)
    )
    return TravelMap(
        path=out_path,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        view=view.kind,
        map_box=frame.box,
        pins=pins,
        travellers=travellers,
    )
