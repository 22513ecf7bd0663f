"""One postcard's moving parts at the loop's size, and its frame at any point of the loop (seeded)."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from generators.images.composite import AvatarPlacement
from generators.images.postcard import PostcardDrawing
from generators.images.scene import Scene
from generators.images.shapes.pen import LIT_WINDOW
from generators.images.sky import SceneLight

Box = tuple[int, int, int, int]
TAU = 2 * math.pi
AFFINE = Image.Transform.AFFINE
BILINEAR = Image.Resampling.BILINEAR
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class Motion:
    """How much things move over one loop (pixels are at the loop's picture width)."""

    # Clouds drift this share of the width per loop; small, as the loop's closing crossfade doubles
    # the clouds by this much halfway through.
    cloud_travel: float = 0.022
    parallax_near: float = 0.004  # share of the width the bottom of the frame sways
    parallax_far: float = 0.0012  # the landmark and far layer
    bob: float = 0.035  # how much taller the avatars stretch at the top of a bob
    bobs: int = 2  # bobs per loop
    twinkle: float = 0.85  # how far a star dims at its faintest
    flicker_share: float = 0.2  # windows that flicker (the rest glow steadily)


@dataclass
class _Sprite:
    image: Image.Image  # RGBa (premultiplied), so sub-pixel moves blend its edges correctly
    x: float
    y: float
    feet: int  # the picture row it stands on: it sways with the ground there
    phase: float


@dataclass
class MotionScene:
    """A postcard taken apart into layers; `frame(phase)` draws it at a point of the loop (0 = 1)."""

    canvas: Image.Image  # the static postcard at the loop's size
    box: Box  # where the moving picture goes in the canvas
    still: np.ndarray  # the picture without avatars, uint8
    ground: Image.Image  # rows from the horizon down, padded left and right by `pad` (edges repeated)
    overlay: Image.Image  # RGBA: the stamp, postmark and outline over the picture
    motion: Motion
    pad: int
    sway_far: float  # parallax at the horizon, pixels
    sway_near: float  # at the bottom
    horizon: int = 0
    sky: np.ndarray | None = None  # 0..1 per pixel above the horizon: uncovered sky
    far: Image.Image | None = None  # RGBA rows above the horizon, alpha = what stands in front of the sky
    clouds: tuple[int, int, np.ndarray] | None = None  # rows, and the clouds as a change to the sky
    stars: tuple[np.ndarray, ...] | None = None  # star pixels (flat indices), dimming, phase, speed
    water: tuple[Box, np.ndarray, np.ndarray, np.ndarray] | None = None  # bbox, mask, y, x phase
    windows: tuple[Box, np.ndarray, np.ndarray, tuple[np.ndarray, ...]] | None = None  # bbox, mask, ids
    sprites: list[_Sprite] = field(default_factory=list)
    _cache: dict[tuple[str, float], Image.Image] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        """The frame's (width, height)."""
        return self.canvas.size

    def frame(self, phase: float) -> np.ndarray:
        """The frame at `phase` in [0, 1): HxWx3 uint8. Every motion is periodic, so phase 1 equals 0."""
        p = float(phase) % 1.0
        m = self.motion
        th, tw = self.still.shape[:2]
        hz = self.horizon
        pic = self.still.copy()
        if self.clouds is not None and self.sky is not None:
            r0, r1, clouds = self.clouds
            travel = m.cloud_travel * tw
            # Two copies drifting at one speed, crossfaded, so the drift has no jump where the loop restarts.
            drifted = (1 - p) * _shift(clouds, travel * p) + p * _shift(clouds, travel * (p - 1))
            band = pic[r0:r1].astype(np.float32) + self.sky[r0:r1, :, None] * (drifted - clouds)
            pic[r0:r1] = np.clip(band + 0.5, 0, 255).astype(np.uint8)
        if self.stars is not None:
            idx, amount, phase0, speed = self.stars
            dim = 0.5 - 0.5 * np.sin(TAU * speed * p + phase0)
            flat = pic.reshape(-1, 3)
            flat[idx] = np.clip(flat[idx] - (amount * dim)[:, None] + 0.5, 0, 255).astype(np.uint8)
        img = Image.fromarray(pic)
        s = math.sin(TAU * p)
        if self.far is not None and hz > 0:
            far = self._moved("far", s)
            img.paste(far, (0, 0), far)
        if hz < th:
            img.paste(self._moved("ground", s), (0, hz))
        if self.water is not None:
            (x0, y0, x1, y1), mask, yph, xph = self.water
            ripple = np.sin(TAU * (yph - 2 * p) + xph)
            glint = np.maximum(ripple, 0) ** 10
            _scale_region(img, self.water[0], 1 + mask * (0.03 * ripple + 0.3 * glint))
        if self.windows is not None:
            bbox, mask, ids, (depth, speed, offset) = self.windows
            level = depth * (0.5 + 0.5 * np.sin(TAU * speed * p + offset)) ** 4
            _scale_region(img, bbox, 1 - mask * level[ids])
        for sp in self.sprites:
            # A bob that keeps the feet (or a bust's cut edge) on the ground: the figure stretches up
            # from its bottom edge and settles back.
            stretch = 1 + m.bob * (0.5 - 0.5 * math.cos(TAU * (m.bobs * p + sp.phase)))
            w, h = sp.image.size
            x, bottom = sp.x + self._sway_at(sp.feet) * s, sp.y + h
            ix, iy = math.floor(x), math.floor(bottom - h * stretch)
            size = (w + 1, math.ceil(bottom) - iy + 1)
            fit = (1, 0, ix - x, 0, 1 / stretch, h - (bottom - iy) / stretch)
            moved = sp.image.transform(size, AFFINE, fit, BILINEAR).convert("RGBA")
            img.paste(moved, (ix, iy), moved)
        img.paste(self.overlay, (0, 0), self.overlay)
        out = self.canvas.copy()
        out.paste(img, self.box[:2])
        return np.asarray(out)

    def _sway_at(self, row: int) -> float:
        """The parallax amplitude of a picture row, in pixels (the ground's shear, the far layer's shift)."""
        th = self.still.shape[0]
        if row < self.horizon:
            return self.sway_far
        return self.sway_far + (self.sway_near - self.sway_far) * (row - self.horizon) / max(
            1, th - self.horizon
        )

    def _far_at(self, shift: int) -> Image.Image:
        """The far layer moved right by a whole number of pixels (within the padding)."""
        assert self.far is not None
        shift = max(-self.pad, min(self.pad, shift))
        key = ("far-int", float(shift))
        found = self._cache.get(key)
        if found is None:
            x = self.pad - shift
            found = self._cache[key] = self.far.crop((x, 0, x + self.still.shape[1], self.horizon))
        return found

    def _moved(self, layer: str, s: float) -> Image.Image:
        """The far layer (RGBA) or the ground shifted for sway `s` (-1..1); frames sharing a sway share it."""
        key = (layer, round(s, 6))
        found = self._cache.get(key)
        if found is not None:
            return found
        th, tw = self.still.shape[:2]
        hz = self.horizon
        if layer == "far":
            # A sideways shift of under a pixel or two: the blend of two whole-pixel shifts is the same
            # bilinear result as a transform, and several times cheaper.
            d = self.sway_far * s
            i = math.floor(d)
            moved = Image.blend(self._far_at(i), self._far_at(i + 1), d - i)
        else:
            lean = (self.sway_near - self.sway_far) / max(1, th - hz)
            shear = (1, -lean * s, self.pad - self.sway_far * s, 0, 1, 0)
            moved = self.ground.transform((tw, th - hz), AFFINE, shear, BILINEAR)
        self._cache[key] = moved
        return moved


def build_motion_scene(
    scene: Scene,
    placement: AvatarPlacement,
    drawn: PostcardDrawing,
    *,
    width: int,
    seed: int,
    style: str | None,
    motion: Motion | None = None,
) -> MotionScene:
    """Take a composed scene and its drawn postcard apart into the loop's layers at `width` pixels."""
    motion = motion or Motion()
    cw, ch = drawn.canvas.size
    k = width / cw
    height = max(2, round(ch * k / 2) * 2)
    canvas = drawn.canvas.resize((width, height), Image.Resampling.LANCZOS)
    ib = drawn.image_box
    box = (round(ib[0] * k), round(ib[1] * k), round(ib[2] * k), round(ib[3] * k))
    tw, th = box[2] - box[0], box[3] - box[1]
    overlay = (
        drawn.overlay.crop(ib).convert("RGBa").resize((tw, th), Image.Resampling.LANCZOS).convert("RGBA")
    )
    crop = drawn.crop
    sx, sy = tw / (crop[2] - crop[0]), th / (crop[3] - crop[1])

    def fit(img: Image.Image, resample: Image.Resampling = Image.Resampling.BILINEAR) -> Image.Image:
        """The part of a scene-sized (or supersampled) layer that the postcard shows, at the loop's size."""
        f = img.width / scene.image.width
        return img.resize((tw, th), resample, box=tuple(v * f for v in crop))  # type: ignore[arg-type]

    still_img = fit(placement.shaded(scene.image), Image.Resampling.LANCZOS)
    still = np.asarray(still_img).copy()
    rng = np.random.default_rng(zlib.crc32(f"motion:{seed}".encode()))
    layers = scene.layers
    horizon = 0
    if layers is not None:
        f = layers.sky.width / scene.image.width
        horizon = int(min(th, max(0, round((layers.horizon_y / f - crop[1]) * sy))))
    pad = math.ceil(motion.parallax_near * tw) + 3
    ground = _padded(still_img.crop((0, horizon, tw, th)), pad)
    ms = MotionScene(
        canvas=canvas,
        box=box,
        still=still,
        ground=ground,
        overlay=overlay,
        motion=motion,
        pad=pad,
        sway_far=motion.parallax_far * tw if layers is not None else 0.0,
        sway_near=motion.parallax_near * tw,
        horizon=horizon,
    )
    if layers is not None and horizon > 0:
        _add_layers(ms, scene, still_img, fit, style, rng)
    for i, (sprite, b) in enumerate(zip(placement.sprites, placement.boxes, strict=True)):
        w, h = max(1, round((b[2] - b[0]) * sx)), max(1, round((b[3] - b[1]) * sy))
        image = sprite.convert("RGBa").resize((w, h), Image.Resampling.LANCZOS)
        feet = int(min(th - 1, max(0, (b[3] - crop[1]) * sy)))
        ms.sprites.append(_Sprite(image, (b[0] - crop[0]) * sx, (b[1] - crop[1]) * sy, feet, i * 0.37))
    return ms


def _padded(img: Image.Image, pad: int) -> Image.Image:
    """The image widened by `pad` pixels each side, its edge columns repeated."""
    arr = np.asarray(img)
    return Image.fromarray(np.pad(arr, ((0, 0), (pad, pad), (0, 0)), mode="edge"))


def _scale_region(img: Image.Image, bbox: Box, factor: np.ndarray) -> None:
    """Multiply a region of `img` by a per-pixel factor."""
    region = np.asarray(img.crop(bbox), np.float32) * factor[..., None]
    img.paste(Image.fromarray(np.clip(region + 0.5, 0, 255).astype(np.uint8)), bbox[:2])


def _rows(a: np.ndarray) -> tuple[int, int] | None:
    """First and last+1 row where `a` is not (nearly) zero."""
    rows = np.nonzero(np.abs(a).reshape(a.shape[0], -1).max(axis=1) > 0.5)[0]
    return (int(rows[0]), int(rows[-1]) + 1) if len(rows) else None


def _add_layers(
    ms: MotionScene, scene: Scene, still: Image.Image, fit, style: str | None, rng: np.random.Generator
) -> None:
    """Sky, clouds, stars, water and lit windows from a drawn scene's layers."""
    layers = scene.layers
    assert layers is not None
    hz = ms.horizon
    tw = ms.still.shape[1]
    c = np.asarray(layers.sky_clouds)
    d = np.asarray(layers.unweathered)
    sky_src = np.all(d == c, axis=-1)
    sky = np.asarray(fit(Image.fromarray(sky_src.astype(np.uint8) * 255)), np.float32)[:hz] / 255.0
    ms.sky = sky
    far = still.crop((0, 0, tw, hz)).convert("RGBA")
    far.putalpha(Image.fromarray(np.clip((1 - sky) * 255 + 0.5, 0, 255).astype(np.uint8)))
    ms.far = _padded(far, ms.pad)  # straight alpha: its colours are the still's everywhere, so none bleed
    lit = np.asarray(fit(layers.sky_lit), np.float32)[:hz]
    cloudy = np.asarray(fit(layers.sky_clouds), np.float32)[:hz]
    delta = _styled(cloudy - lit, style)
    rows = _rows(delta)
    if rows is not None:
        ms.clouds = (rows[0], rows[1], np.ascontiguousarray(delta[rows[0] : rows[1]]))
    if scene.light.is_night:
        star = _star_source(np.asarray(layers.sky, np.float32) @ _LUMA)
        clouded = np.abs(c.astype(np.int16) - np.asarray(layers.sky_lit, np.int16)).sum(-1) > 6
        star[clouded | ~sky_src] = 0
        star_t = np.asarray(fit(Image.fromarray(star.astype(np.uint8)), Image.Resampling.BOX), np.float32)[
            :hz
        ]
        star_t *= _style_gain(style)
        idx = np.flatnonzero(star_t > 2)
        if len(idx):
            n = len(idx)
            amount = star_t.reshape(-1)[idx] * rng.uniform(0.2, ms.motion.twinkle, n).astype(np.float32)
            phase = rng.uniform(0, TAU, n).astype(np.float32)
            speed = rng.integers(1, 4, n).astype(np.float32)
            ms.stars = (idx, amount, phase, speed)
        win_src = np.all(d == np.array(LIT_WINDOW, np.uint8), axis=-1)
        if win_src.any():
            win = np.asarray(fit(Image.fromarray(win_src.astype(np.uint8) * 255)), np.float32) / 255.0
            ms.windows = _windows(win, rng, ms.motion)
    water = _water_source(d, layers.horizon_y, scene.light)
    if water.any():
        mask = np.asarray(fit(Image.fromarray(water.astype(np.uint8) * 255)), np.float32) / 255.0
        ms.water = _water(mask, rng)


def _star_source(luma: np.ndarray) -> np.ndarray:
    """How much brighter each pixel is than the sky three pixels to either side (stars are 1-2 px)."""
    left = np.empty_like(luma)
    right = np.empty_like(luma)
    left[:, 3:], left[:, :3] = luma[:, :-3], luma[:, :1]
    right[:, :-3], right[:, -3:] = luma[:, 3:], luma[:, -1:]
    return np.clip(luma - np.maximum(left, right), 0, 255)


def _water_source(d: np.ndarray, horizon_y: int, light: SceneLight) -> np.ndarray:
    """Water below the horizon in the unweathered drawing: pixels that are clearly blue once the scene's
    light is taken off (moonlight turns snow and grass blue too; sea, rivers and pools stay bluer)."""
    out = np.zeros(d.shape[:2], bool)
    lit = np.array(light.tint, np.float32) / 255 * max(0.05, light.brightness)
    part = d[horizon_y + 1 :].astype(np.float32) / np.maximum(lit, 0.05)
    r, g, b = part[..., 0], part[..., 1], part[..., 2]
    out[horizon_y + 1 :] = (b > r * 1.15 + 8) & (b > g * 1.15) & (g > r) & (d[horizon_y + 1 :, :, 2] > 40)
    return out


def _bbox(mask: np.ndarray) -> Box | None:
    ys, xs = np.nonzero(mask > 0.02)
    if len(ys) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _water(
    mask: np.ndarray, rng: np.random.Generator
) -> tuple[Box, np.ndarray, np.ndarray, np.ndarray] | None:
    """Ripples: thin bands sliding down the water, bent sideways so they read as glints, not stripes."""
    box = _bbox(mask)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    depth = (yy - y0) / max(1, y1 - y0)
    yph = yy / (7.0 + 9.0 * depth)  # ripples widen towards the viewer
    xph = 2.2 * np.sin(TAU * xx / 37.0 + rng.uniform(0, TAU))
    xph += 1.3 * np.sin(TAU * xx / 13.0 + rng.uniform(0, TAU))
    # Glints gather in patches along the ripples rather than in even stripes.
    patch = 0.5 + 0.5 * np.sin(TAU * xx / 61.0 + 2.0 * np.sin(TAU * yy / 29.0) + rng.uniform(0, TAU))
    mask = mask[y0:y1, x0:x1] * (0.25 + 0.75 * patch)
    return box, mask.astype(np.float32), yph.astype(np.float32), xph.astype(np.float32)


def _windows(mask: np.ndarray, rng: np.random.Generator, motion: Motion):
    """Lit windows in blocks of a few pixels, each with its own flicker (most only breathe faintly)."""
    box = _bbox(mask)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    cell = 5
    cols = (x1 - x0) // cell + 1
    yy, xx = np.mgrid[y0:y1, x0:x1]
    ids = ((yy - y0) // cell) * cols + (xx - x0) // cell
    n = int(ids.max()) + 1
    flickers = rng.random(n) < motion.flicker_share
    depth = np.where(flickers, rng.uniform(0.45, 0.75, n), rng.uniform(0.03, 0.08, n)).astype(np.float32)
    speed = rng.integers(1, 4, n).astype(np.float32)
    offset = rng.uniform(0, TAU, n).astype(np.float32)
    return box, mask[y0:y1, x0:x1], ids, (depth, speed, offset)


def _styled(delta: np.ndarray, style: str | None) -> np.ndarray:
    """A colour change in the drawing as the finishing style would show it (close enough for a drift)."""
    if style == "noir":
        return np.repeat((delta @ _LUMA)[..., None], 3, axis=-1)
    if style == "vintage":
        sepia = (delta @ _LUMA)[..., None] * (np.array([190, 195, 175], np.float32) / 255)
        return 0.35 * delta + 0.65 * sepia
    if style == "pastel":
        return 0.72 * delta
    if style == "vivid":
        luma = (delta @ _LUMA)[..., None]
        return luma + 1.35 * (delta - luma)
    return delta


def _style_gain(style: str | None) -> float:
    return 0.72 if style == "pastel" else 1.0


def _shift(a: np.ndarray, d: float) -> np.ndarray:
    """Content moved right by d pixels along axis 1 (edges repeated), interpolated between whole pixels."""
    i = math.floor(d)
    f = d - i
    return (1 - f) * _shift_int(a, i) + f * _shift_int(a, i + 1)


def _shift_int(a: np.ndarray, k: int) -> np.ndarray:
    """Content moved right by k whole pixels along axis 1, the edge column repeated."""
    w = a.shape[1]
    k = max(-w + 1, min(w - 1, k))
    if k == 0:
        return a
    out = np.empty_like(a)
    if k > 0:
        out[:, k:] = a[:, :-k]
        out[:, :k] = a[:, :1]
    else:
        out[:, :k] = a[:, -k:]
        out[:, k:] = a[:, -1:]
    return out
