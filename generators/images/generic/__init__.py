"""Drawn scenes for places without a signature drawing: shapes == ("generic", KIND).

Each KIND paints a far, a mid and a near layer over the sky; the layout of houses, towers, colours and
roof styles comes from the place's id, so two towns of the same kind differ, and the same town always
looks like itself. Sky, light, weather and the avatars' ground come from the shared illustrated renderer.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image

from generators.images.generic.cities import desert_city, megacity
from generators.images.generic.coasts import harbour, tropical_island
from generators.images.generic.parts import Art
from generators.images.generic.stage import LAYER_NAMES, Stage
from generators.images.generic.towns import mountain_village, old_town
from generators.images.shapes.pen import Signature
from generators.images.sky import hex_rgb, landmark_light, tinter

GENERIC = "generic"
PAINTERS: dict[str, Callable[[Stage], None]] = {
    "old_town": old_town,
    "harbour": harbour,
    "desert_city": desert_city,
    "mountain_village": mountain_village,
    "tropical_island": tropical_island,
    "megacity": megacity,
}
KINDS = tuple(PAINTERS)
DEFAULT_KIND = "old_town"
# The focal group's width/height (the layout sizes its box from it); nothing is drawn by the signature.
_ASPECT = {
    "old_town": 0.95,
    "harbour": 0.85,
    "desert_city": 1.0,
    "mountain_village": 1.1,
    "tropical_island": 0.9,
    "megacity": 0.75,
}


def kind_of(shapes: Sequence[str]) -> str | None:
    """The generic KIND named by a landmark's shapes, None for a drawn landmark (unknown kinds: old town)."""
    if not shapes or shapes[0] != GENERIC:
        return None
    kind = shapes[1] if len(shapes) > 1 else DEFAULT_KIND
    return kind if kind in PAINTERS else DEFAULT_KIND


def signature_for(kind: str) -> Signature:
    """Layout facts for a KIND, in the same form as a drawn landmark's signature."""
    return Signature(
        lambda _pen: None, _ASPECT.get(kind, 1.0), floodlit=False, snowy=kind == "mountain_village"
    )


def place_rng(landmark: Any) -> random.Random:
    """The place's own generator: the same town is laid out the same way whatever the scene seed."""
    return random.Random(zlib.crc32(f"generic-place:{getattr(landmark, 'id', '?')}".encode()))


def _focal_slot(box: tuple[float, float, float, float], width: int, rng: random.Random) -> tuple[float, ...]:
    """The layout's focal box moved centre, left or right by the place (not the scene seed), so a town
    keeps its composition at every hour and on every postcard."""
    lw = box[2] - box[0]
    where = rng.choices(("centre", "left", "right"), weights=(0.4, 0.3, 0.3))[0]
    margin = width * 0.05
    cx = {"centre": width / 2, "left": margin + lw / 2, "right": width - margin - lw / 2}[where]
    return (cx - lw / 2, box[1], cx + lw / 2, box[3])


def paint(kind: str, ctx: Any, landmark: Any) -> tuple[tuple[int, int, int, int], dict[str, Image.Image]]:
    """Paint the KIND over ctx.img (the sky is already on it); returns the focal box and the layers.

    Layers, back to front: "sky" (RGB), "far", "mid", "near" (RGBA, transparent where empty), all at the
    render size and before weather and finishing style, for callers that move them apart (parallax).
    """
    layout = ctx.layout
    size = layout.size
    rng = place_rng(landmark)
    sky = ctx.img.copy()
    layers = {name: Image.new("RGBA", size, (0, 0, 0, 0)) for name in LAYER_NAMES[1:]}
    art = Art(
        layers["far"],
        ctx.lit,
        rng,
        ctx.light.is_night,
        size,
        layout.horizon_y,
        layout.ground_y,
        tuple(ctx.horizon_rgb[:3]),
        ctx.light.direction,
    )
    colours = {k: hex_rgb(ctx.palette[k]) for k in ("landmark", "landmark_shadow", "ground", "accent")}
    stage = Stage(
        art,
        layers["far"],
        layers["mid"],
        layers["near"],
        _focal_slot(layout.box, size[0], rng),
        colours,
        ctx.season,
        ctx.weather,
        ctx.tropical,
        ctx.lit,
        tinter(*landmark_light(ctx.light, floodlit=False)),
    )
    PAINTERS.get(kind, PAINTERS[DEFAULT_KIND])(stage)
    for name in LAYER_NAMES[1:]:
        layer = layers[name]
        box = layer.getchannel("A").getbbox()
        if box:  # only the painted part: most of a layer is empty sky
            part = layer.crop(box)
            ctx.img.paste(part, box[:2], part)
    return stage.focal_box(), {"sky": sky, **layers}
