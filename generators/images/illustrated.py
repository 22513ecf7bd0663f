"""The offline illustrated renderer: a drawn, seeded scene for every landmark (Pillow + numpy, no assets)."""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from generators.images import generic, sky
from generators.images.scene import Box, Scene, SceneLayers
from generators.images.shapes import (
    REGISTRY,
    Pen,
    Signature,
    draw_far,
    draw_ground,
    draw_near,
    generic_landmark,
)
from generators.images.sky import RGB, SceneLight, hex_rgb, mix, scale
from generators.landmarks import Landmark

log = logging.getLogger(__name__)

STYLES = ("classic", "vintage", "noir", "pastel", "vivid")
MAX_PIXELS = 4096 * 4096
_DEFAULT_PALETTE = {
    "sky_day": "#7fb8e8",
    "sky_dusk": "#f0a070",
    "landmark": "#c8b8a0",
    "landmark_shadow": "#8a7a68",
    "ground": "#6a9a58",
    "accent": "#c05040",
}


@dataclass(frozen=True)
class Layout:
    """Where the horizon, the avatars' ground line and the landmark's allotted box sit."""

    size: tuple[int, int]
    horizon_y: int
    ground_y: int
    box: tuple[float, float, float, float]


def plan_layout(size: tuple[int, int], aspect: float, rng: random.Random) -> Layout:
    """Place the landmark centred or to one side, fully in frame, leaving foreground room for figures."""
    w, h = size
    tall = h > w * 1.1
    horizon_y = int(h * (0.68 if tall else 0.7))
    ground_y = int(horizon_y + (h - horizon_y) * 0.62)
    max_w = w * 0.62
    max_h = horizon_y - h * (0.1 if not tall else 0.12)
    lh = min(max_h, max_w / max(0.05, aspect))
    lw = lh * aspect
    where = rng.choices(("centre", "left", "right"), weights=(0.5, 0.25, 0.25))[0]
    margin = w * 0.05
    cx = {"centre": w / 2, "left": margin + lw / 2, "right": w - margin - lw / 2}[where]
    return Layout(size, horizon_y, ground_y, (cx - lw / 2, horizon_y - lh, cx + lw / 2, horizon_y))


def free_zones(box: Box, size: tuple[int, int], ground_y: int) -> list[Box]:
    """Foreground zones left and right of the landmark where figures can stand (at least one)."""
    w, h = size
    top = max(0, ground_y - int(h * 0.5))
    zones = []
    if box[0] >= w * 0.12:
        zones.append((0, top, box[0], h))
    if box[2] <= w * 0.88:
        zones.append((box[2], top, w, h))
    if not zones:
        zones.append((0, top, box[0], h) if box[0] > w - box[2] else (box[2], top, w, h))
    return zones


def _seed_for(landmark: Landmark, seed: int) -> int:
    return zlib.crc32(f"{getattr(landmark, 'id', '?')}:{seed}".encode())


def _palette(landmark: Landmark) -> dict[str, str]:
    pal = dict(_DEFAULT_PALETTE)
    pal.update(getattr(landmark, "palette", None) or {})
    return pal


class IllustratedRenderer:
    """Draws a landmark scene: sky by local time, far layer, signature landmark, near ground, weather."""

    name = "illustrated"

    def __init__(self, *, supersample: int = 1) -> None:
        self.supersample = max(1, min(4, int(supersample)))

    @classmethod
    def from_pretrained(cls, *, supersample: int = 1) -> IllustratedRenderer:
        """Nothing to load; present for symmetry with the diffusers pipeline."""
        return cls(supersample=supersample)

    def __call__(
        self,
        landmark: Landmark,
        *,
        now_utc: datetime,
        seed: int,
        size: tuple[int, int] = (1024, 1024),
        style: str | None = None,
        caption_style: str = "",
    ) -> Scene:
        """Render one scene; identical bytes for the same landmark, seed and now_utc.

        `caption_style` (the persona's mood) only steers diffusers prompts; a drawn scene ignores it.
        """
        out_w, out_h = int(size[0]), int(size[1])
        if out_w < 16 or out_h < 16:
            raise ValueError(f"scene size too small: {size}")
        if out_w * out_h * self.supersample**2 > MAX_PIXELS:
            raise ValueError(f"scene size too large: {size} x{self.supersample} supersampling")
        ss = self.supersample
        w, h = out_w * ss, out_h * ss
        rng = random.Random(_seed_for(landmark, seed))
        nrng = np.random.default_rng(_seed_for(landmark, seed))
        shapes = tuple(getattr(landmark, "shapes", ()) or ())
        shape_id = shapes[0] if shapes else str(getattr(landmark, "id", ""))
        extras = set(shapes[1:])
        kind = generic.kind_of(shapes)  # a place without a drawn landmark: a generic town of this kind
        sig = generic.signature_for(kind) if kind else REGISTRY.get(shape_id)
        if sig is None:
            log.warning("no signature drawing for shape %r; drawing a generic monument", shape_id)
            sig = generic_landmark
        pal = _palette(landmark)
        lat = float(getattr(landmark, "lat", 0.0) or 0.0)
        tod = landmark.time_of_day(now_utc)
        season = sky.season_for(landmark.local_time(now_utc), lat)
        weather = sky.pick_weather(rng, season, lat, sig.snowy or "snow_peaks" in extras)
        light = sky.light_for(tod, rng)
        layout = plan_layout((w, h), sig.aspect, rng)
        hz = layout.horizon_y

        overcast = {"clouds": 0.35, "rain": 0.85, "snow": 0.7, "mist": 0.45}.get(weather, 0.0)
        sun = sky.sun_position((w, h), hz, tod, light.direction, rng)
        img = sky.sky_image((w, h), hz, tod, pal, sun, overcast, nrng)
        sky_plain = img.copy()
        sky.draw_sun_or_moon(img, tod, sun, overcast)
        sky_lit = img.copy()
        cloud_amount = {"clear": 0.12, "clouds": 0.6, "rain": 1.0, "snow": 0.8, "mist": 0.3}[weather]
        sky.draw_clouds(img, hz, tod, cloud_amount, rng)
        sky_clouds = img.copy()

        draw = ImageDraw.Draw(img)
        ambient = sky.tinter(light.tint, light.brightness)
        horizon_rgb = img.getpixel((w // 2, max(0, hz - 2)))
        ctx = _Context(
            img,
            draw,
            layout,
            pal,
            ambient,
            horizon_rgb,
            rng,
            tod,
            season,
            weather,
            light,
            extras,
            abs(lat) < 23.5,
        )
        if kind:
            lbox, depth = generic.paint(kind, ctx, landmark)
        else:
            lbox, depth = self._draw_landmark(ctx, sig, light, pal), {}
        layers = SceneLayers(sky_plain, sky_lit, sky_clouds, img.copy(), hz)  # what a motion loop moves
        sky.draw_weather(img, weather, hz, tod, rng)
        img = _apply_style(img, style)
        ground_y = layout.ground_y
        if ss > 1:
            img = img.resize((out_w, out_h), Image.Resampling.LANCZOS)
            lbox = tuple(v // ss for v in lbox)  # type: ignore[assignment]
            ground_y //= ss
            depth = {k: v.resize((out_w, out_h), Image.Resampling.LANCZOS) for k, v in depth.items()}
        return Scene(
            image=img,
            landmark_box=lbox,
            ground_y=ground_y,
            light=light,
            time_of_day=tod,
            renderer=self.name,
            weather=weather,
            season=season,
            free_zones=free_zones(lbox, (out_w, out_h), ground_y),
            seed=seed,
            layers=layers,
            depth=depth,
        )

    @staticmethod
    def _draw_landmark(ctx: _Context, sig: Signature, light: SceneLight, pal: dict[str, str]) -> Box:
        """Far layer, ground, the signature drawing and near props; returns the landmark's pixel box."""
        img, draw, layout, rng, extras = ctx.img, ctx.draw, ctx.layout, ctx.rng, ctx.extras
        w, h, hz = layout.size[0], layout.size[1], layout.horizon_y
        tod = ctx.time_of_day
        draw_far(ctx)
        draw_ground(ctx)
        if "clouds_low" in extras:
            sky.draw_clouds(img, hz, tod, 0.5, rng, low=True)

        lm_tint, lm_bright = sky.landmark_light(light, sig.floodlit)
        main = hex_rgb(pal["landmark"])
        shade = hex_rgb(pal["landmark_shadow"])
        colours = {
            "main": main,
            "shade": shade,
            "accent": hex_rgb(pal["accent"]),
            "dark": scale(shade, 0.5),
            "light": mix(main, (255, 255, 255), 0.35),
            "ground": hex_rgb(pal["ground"]),
        }
        pen = Pen(
            draw,
            layout.box,
            colours,
            sky.tinter(lm_tint, lm_bright),
            rng,
            is_night=light.is_night,
            direction=light.direction,
        )
        sig.draw(pen)
        b = pen.bbox
        lbox = (
            max(0, int(b[0])),
            max(0, int(b[1])),
            min(w, int(np.ceil(b[2])) + 1),
            min(h, int(np.ceil(b[3])) + 1),
        )
        ctx.landmark_box = lbox
        draw_near(ctx)
        return lbox


@dataclass
class _Context:
    """Everything the far/ground/near layer painters need."""

    img: Image.Image
    draw: ImageDraw.ImageDraw
    layout: Layout
    palette: dict[str, str]
    lit: Callable[[RGB], RGB]
    horizon_rgb: tuple[int, int, int]
    rng: random.Random
    time_of_day: str
    season: str
    weather: str
    light: SceneLight
    extras: set[str]
    tropical: bool = False
    landmark_box: Box = (0, 0, 0, 0)


def _apply_style(img: Image.Image, style: str | None) -> Image.Image:
    """Cheap finishing looks; unknown styles keep the classic look."""
    if not style or style == "classic":
        return img
    if style == "vintage":
        sepia = ImageOps.colorize(img.convert("L"), (60, 40, 25), (250, 235, 200))
        return Image.blend(img, sepia, 0.65)
    if style == "noir":
        return ImageOps.autocontrast(img.convert("L"), cutoff=1).convert("RGB")
    if style == "pastel":
        return Image.blend(img, Image.new("RGB", img.size, (255, 250, 245)), 0.28)
    if style == "vivid":
        return ImageEnhance.Color(img).enhance(1.35)
    log.debug("unknown style %r; using classic", style)
    return img
