"""A travel map in the postcard style: a numbered pin per place, the route in order, offline outlines.

The map zooms to the region when the stops are clustered (equirectangular around their middle
latitude), else shows the whole world in the Robinson projection. Outlines are Natural Earth's
(`geodata.py`). Geometry is drawn at twice the size and reduced, text is drawn at the final size.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from generators.images.fonts import DEJAVU_DIRS, covers, font_for
from generators.images.geodata import land_rings

Box = tuple[int, int, int, int]
Point = tuple[float, float]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

SIZE = (1440, 1080)
SS = 2  # geometry is drawn at SS times the size, then reduced (Pillow does not antialias polygons)
PAPER = (246, 240, 224)
INK = (74, 52, 36)
INK_SOFT = (128, 102, 80)
OCEAN = (176, 208, 216)
OCEAN_SHORE = (212, 230, 228)
GRATICULE = (154, 190, 200)
LAND = (239, 228, 199)
BORDERS = (206, 188, 152)
COAST = (112, 98, 80)
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
# Robinson's table: latitude (degrees), parallel length X, distance from the equator Y.
ROBINSON = np.array(
    [
        (0, 1.0000, 0.0000),
        (5, 0.9986, 0.0620),
        (10, 0.9954, 0.1240),
        (15, 0.9900, 0.1860),
        (20, 0.9822, 0.2480),
        (25, 0.9730, 0.3100),
        (30, 0.9600, 0.3720),
        (35, 0.9427, 0.4340),
        (40, 0.9216, 0.4958),
        (45, 0.8962, 0.5571),
        (50, 0.8679, 0.6176),
        (55, 0.8350, 0.6769),
        (60, 0.7986, 0.7346),
        (65, 0.7597, 0.7903),
        (70, 0.7186, 0.8435),
        (75, 0.6732, 0.8936),
        (80, 0.6213, 0.9394),
        (85, 0.5722, 0.9761),
        (90, 0.5322, 1.0000),
    ]
)


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


# ---------------------------------------------------------------- projection
@dataclass(frozen=True)
class View:
    """A projection and the part of it shown: `world` (Robinson) or `region` (equirectangular)."""

    kind: str
    x0: float
    x1: float
    y0: float
    y1: float
    k: float = 1.0  # region: cos(middle latitude), so shapes keep their proportions

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y), y pointing north."""
        if self.kind == "world":
            a = np.abs(np.clip(lat, -90, 90))
            px = np.interp(a, ROBINSON[:, 0], ROBINSON[:, 1])
            py = np.interp(a, ROBINSON[:, 0], ROBINSON[:, 2])
            return 0.8487 * px * np.radians(lon), 1.3523 * py * np.sign(lat)
        return lon * self.k, lat


def choose_view(stops: list[MapStop], aspect: float) -> View:
    """The region around clustered stops (at least ~56 degrees of longitude wide), else the whole world."""
    if stops:
        lons = np.array([s.lon for s in stops])
        lats = np.array([s.lat for s in stops])
        span_lon, span_lat = float(np.ptp(lons)), float(np.ptp(lats))
        if span_lon <= 130 and span_lat <= 80:
            mid_lon = (lons.max() + lons.min()) / 2
            mid_lat = float(np.clip((lats.max() + lats.min()) / 2, -70, 70))
            k = max(0.35, math.cos(math.radians(mid_lat)))
            half_w = max(span_lon / 2 * 1.3 + 5, 28) * k
            half_h = max(span_lat / 2 * 1.3 + 4, 14)
            if half_w / half_h < aspect:
                half_w = half_h * aspect
            else:
                half_h = half_w / aspect
            cy = float(np.clip(mid_lat, -88 + half_h, 88 - half_h)) if half_h < 88 else 0.0
            return View("region", mid_lon * k - half_w, mid_lon * k + half_w, cy - half_h, cy + half_h, k)
    xm, ym = 0.8487 * math.pi, 1.3523
    return View("world", -xm, xm, -ym, ym)


@dataclass(frozen=True)
class Frame:
    """Where a view lands on the page: final-pixel box and scale."""

    view: View
    box: Box

    @property
    def scale(self) -> float:
        """Pixels per projected unit."""
        return (self.box[2] - self.box[0]) / (self.view.x1 - self.view.x0)

    def to_px(self, lon: np.ndarray, lat: np.ndarray, ss: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Page pixels (times `ss`) of geographic points."""
        x, y = self.view.project(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        s = self.scale
        return (self.box[0] + (x - self.view.x0) * s) * ss, (self.box[1] + (self.view.y1 - y) * s) * ss


def fit_frame(view: View, area: Box) -> Frame:
    """The largest box of the view's aspect centred in `area`."""
    aw, ah = area[2] - area[0], area[3] - area[1]
    aspect = (view.x1 - view.x0) / (view.y1 - view.y0)
    w, h = (aw, aw / aspect) if aw / ah < aspect else (ah * aspect, ah)
    x0, y0 = area[0] + (aw - w) / 2, area[1] + (ah - h) / 2
    return Frame(view, (round(x0), round(y0), round(x0 + w), round(y0 + h)))


# ---------------------------------------------------------------- paper and sea
@lru_cache(maxsize=1)
def _paper(size: tuple[int, int]) -> Image.Image:
    """Warm paper with soft mottling (low-frequency noise, so it compresses well); cached, never drawn on."""
    w, h = size
    rng = np.random.default_rng(1913)
    small = rng.normal(0, 1, (h // 48 + 2, w // 48 + 2)).astype(np.float32)
    blot = np.asarray(Image.fromarray(small, "F").resize((w, h), Image.Resampling.BICUBIC))
    yy, xx = np.ogrid[0:h, 0:w]
    edge = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2).astype(np.float32) * 22  # a slightly darker rim
    shade = blot * 3.2 - edge
    rgb = np.clip(np.array(PAPER, np.float32) + shade[..., None] * np.array([1, 1, 1.3], np.float32), 0, 255)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def _outline_ring(view: View, n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """The map's edge as (lon, lat) points: Robinson's rounded outline, or the region's rectangle."""
    if view.kind == "world":
        lat = np.linspace(-90, 90, n)
        lon = np.concatenate([np.full(n, -180.0), np.full(n, 180.0)])
        return lon, np.concatenate([lat, lat[::-1]])
    lon = np.array([view.x0, view.x1, view.x1, view.x0]) / view.k
    return lon, np.array([view.y0, view.y0, view.y1, view.y1])


def _graticule(view: View) -> list[tuple[np.ndarray, np.ndarray]]:
    """Meridians and parallels as (lon, lat) polylines."""
    if view.kind == "world":
        step, lon_range, lat_range = 30, (-180, 180), (-90, 90)
    else:
        span = view.x1 / view.k - view.x0 / view.k
        step = 5 if span < 45 else 10 if span < 110 else 20
        lon_range, lat_range = (view.x0 / view.k, view.x1 / view.k), (max(-90, view.y0), min(90, view.y1))
    lines = []
    t_lat = np.linspace(lat_range[0], lat_range[1], 60)
    t_lon = np.linspace(lon_range[0], lon_range[1], 120)
    for lon in range(math.ceil(lon_range[0] / step) * step, math.floor(lon_range[1]) + 1, step):
        lines.append((np.full_like(t_lat, lon), t_lat))
    for lat in range(math.ceil(lat_range[0] / step) * step, math.floor(lat_range[1]) + 1, step):
        lines.append((t_lon, np.full_like(t_lon, lat)))
    return lines


def _pts(x: np.ndarray, y: np.ndarray) -> list[Point]:
    return list(zip(x.tolist(), y.tolist(), strict=True))


def _project_rings(frame: Frame) -> list[list[float]]:
    """Every land ring in supersampled pixels, as flat [x0, y0, x1, y1, ...] lists (closed)."""
    rings = list(land_rings())
    if not rings:
        return []
    view = frame.view
    if view.kind == "region":  # a region across the antimeridian also shows the land beyond it
        west, east = view.x0 / view.k, view.x1 / view.k
        shifts = [d for d, beyond in ((360.0, east > 180), (-360.0, west < -180)) if beyond]
        rings += [r + np.array([d, 0.0]) for d in shifts for r in rings]
    x, y = frame.to_px(*np.concatenate(rings).T, SS)
    xy = np.stack([x, y], axis=1)
    cuts = np.cumsum([len(r) for r in rings])[:-1]
    return [np.concatenate([part, part[:1]]).ravel().tolist() for part in np.split(xy, cuts)]


@lru_cache(maxsize=2)
def _base(size: tuple[int, int], frame: Frame) -> Image.Image:
    """Paper with the map drawn on it, supersampled; cached (the world view is the same for every world
    map), so callers draw on a copy."""
    w, h = size
    canvas = _paper(size).resize((w * SS, h * SS), Image.Resampling.NEAREST)  # smooth already: no blur needed
    _draw_map(canvas, frame)
    return canvas


def _draw_map(canvas: Image.Image, frame: Frame) -> None:
    """Sea, graticule, land and coasts inside the frame (on the supersampled canvas)."""
    bx0, by0, bx1, by1 = (v * SS for v in frame.box)
    w, h = bx1 - bx0, by1 - by0
    local = Frame(frame.view, (0, 0, frame.box[2] - frame.box[0], frame.box[3] - frame.box[1]))
    sea = Image.new("RGB", (w, h), OCEAN)
    d = ImageDraw.Draw(sea)
    for lon, lat in _graticule(frame.view):
        d.line(_pts(*local.to_px(lon, lat, SS)), fill=GRATICULE, width=SS)
    land = Image.new("L", (w, h), 0)
    dl = ImageDraw.Draw(land)
    rings = _project_rings(local)
    for pts in rings:
        dl.polygon(pts, fill=255)
    # Shallow water: the sea lightens near every coast, as on old school maps.
    glow = land.reduce(4).filter(ImageFilter.GaussianBlur(5)).resize((w, h), Image.Resampling.BILINEAR)
    sea = Image.composite(Image.new("RGB", (w, h), OCEAN_SHORE), sea, glow.point(lambda v: min(255, v * 3)))
    d = ImageDraw.Draw(sea)
    for pts in rings:  # dark coast: the outer half of a thick line survives the fill below
        d.line(pts, fill=COAST, width=3 * SS)
    for pts in rings:
        d.polygon(pts, fill=LAND)
    for pts in rings:
        d.line(pts, fill=BORDERS, width=SS)
    if frame.view.kind == "world":  # Robinson's rounded edge: paper outside it
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).polygon(_pts(*local.to_px(*_outline_ring(frame.view), SS)), fill=255)
        canvas.paste(sea, (bx0, by0), mask)
    else:
        canvas.paste(sea, (bx0, by0))
    edge = _pts(*frame.to_px(*_outline_ring(frame.view), SS))
    ImageDraw.Draw(canvas).line(edge + edge[:1], fill=INK, width=2 * SS, joint="curve")
    if frame.view.kind == "region":  # a second, thin rule outside the first
        g = 6 * SS
        ImageDraw.Draw(canvas).rectangle((bx0 - g, by0 - g, bx1 + g, by1 + g), outline=INK_SOFT, width=SS)


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
    return _pts(x, y)


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
            font = ImageFont.truetype(path, size)
            if covers(font, text):
                return font
    return font_for(text, size, bold=True, lang=lang)


def _fit(
    d: ImageDraw.ImageDraw, text: str, size: int, max_w: float, lang: str, serif: bool = False
) -> tuple[str, Font]:
    """Shrink (to 70%), then truncate, so `text` fits `max_w`."""
    font: Font = font_for(text, size, lang=lang)
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


def render_travel_map(
    stops: list[MapStop],
    *,
    title: str,
    subtitle: str,
    lang: str,
    out_path: Path,
    size: tuple[int, int] = SIZE,
) -> TravelMap:
    """Draw the stops (oldest first) as numbered pins joined by a dashed route, and write a PNG."""
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
    view = choose_view(stops, (area[2] - area[0]) / (area[3] - area[1]))
    frame = fit_frame(view, area)
    canvas = _base((width, height), frame).copy()

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
            pts = _arc(tuple(tips[a] * SS), tuple(tips[b] * SS))
            d.line(pts, fill=(255, 252, 244, 150), width=7 * SS, joint="curve")
            _dashed(d, pts, dark, 3 * SS, 11 * SS, 7 * SS)
            _arrow(d, pts, dark)
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
