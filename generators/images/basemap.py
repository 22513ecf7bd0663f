"""The base of a travel map: paper, sea, graticule, Natural Earth land and coasts (drawn supersampled)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from generators.images.geodata import land_rings
from generators.images.projection import Frame, View

Point = tuple[float, float]

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


def as_points(x: np.ndarray, y: np.ndarray) -> list[Point]:
    """Pixel arrays as a list of (x, y) points for ImageDraw."""
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
def base_map(size: tuple[int, int], frame: Frame) -> Image.Image:
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
        d.line(as_points(*local.to_px(lon, lat, SS)), fill=GRATICULE, width=SS)
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
        ImageDraw.Draw(mask).polygon(as_points(*local.to_px(*_outline_ring(frame.view), SS)), fill=255)
        canvas.paste(sea, (bx0, by0), mask)
    else:
        canvas.paste(sea, (bx0, by0))
    edge = as_points(*frame.to_px(*_outline_ring(frame.view), SS))
    ImageDraw.Draw(canvas).line(edge + edge[:1], fill=INK, width=2 * SS, joint="curve")
    if frame.view.kind == "region":  # a second, thin rule outside the first
        g = 6 * SS
        ImageDraw.Draw(canvas).rectangle((bx0 - g, by0 - g, bx1 + g, by1 + g), outline=INK_SOFT, width=SS)
