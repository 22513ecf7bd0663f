"""Map projections for travel maps: Robinson for the whole world, equirectangular for a region."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]

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


def choose_view(points: list[tuple[float, float]], aspect: float) -> View:
    """The region around clustered (lon, lat) points (at least ~56 degrees of longitude wide), else the
    whole world; `aspect` is the map box's width over height."""
    if points:
        lons = np.array([lon for lon, _ in points])
        lats = np.array([lat for _, lat in points])
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
