"""Landmark signature drawings (one module per region) and generic scene extras."""

from __future__ import annotations

from generators.images.shapes import (  # noqa: F401  (importing registers the drawings)
    africa,
    americas,
    asia_east,
    asia_south,
    europe,
    europe_south,
    oceania,
    south_america,
)
from generators.images.shapes.extras import draw_far, draw_ground, draw_near
from generators.images.shapes.pen import REGISTRY, Pen, Signature, mirror


def _generic(p: Pen) -> None:
    """A generic monument: a domed hall with a portico between two towers."""
    p.rect(0.15, 0.55, 0.85, 1.0, "main")
    p.dome(0.3, 0.56, 0.7, 0.22, "shade")
    p.poly([(0.3, 0.55), (0.5, 0.42), (0.7, 0.55)], "main")
    for i in range(6):
        u = 0.32 + i * 0.065
        p.rect(u, 0.6, u + 0.03, 0.98, "light")
    p.windows(0.18, 0.62, 0.3, 0.95, 2, 3)
    p.windows(0.7, 0.62, 0.82, 0.95, 2, 3)
    for u in (0.06, 0.94):
        p.rect(u - 0.05, 0.3, u + 0.05, 1.0, "main")
        p.poly([(u - 0.06, 0.3), (u, 0.18), (u + 0.06, 0.3)], "accent")


generic_landmark = Signature(_generic, 1.3)

__all__ = [
    "REGISTRY",
    "Pen",
    "Signature",
    "draw_far",
    "draw_ground",
    "draw_near",
    "generic_landmark",
    "mirror",
]
