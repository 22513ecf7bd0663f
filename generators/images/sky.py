"""Sky, light, season and weather for the illustrated renderer (numpy gradients, seeded)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class SceneLight:
    """How the scene is lit: colour tint, brightness 0..1, sun side -1 (left)..1 (right), night flag."""

    tint: RGB
    brightness: float
    direction: float
    is_night: bool


def hex_rgb(value: str | RGB) -> RGB:
    """'#rrggbb' (or an rgb tuple) as an rgb tuple; grey for anything unreadable."""
    if isinstance(value, tuple):
        return value
    s = str(value).strip().lstrip("#")
    try:
        return (int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16))
    except (ValueError, IndexError):
        return (128, 128, 128)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend of two colours, t=0 gives a and t=1 gives b."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def scale(c: RGB, f: float) -> RGB:
    """A colour made darker (f<1) or lighter (f>1), clamped."""
    return tuple(max(0, min(255, round(v * f))) for v in c)  # type: ignore[return-value]


# Ambient light on the world (ground, far layer) and the light on the landmark per time of day.
_AMBIENT: dict[str, tuple[RGB, float]] = {
    "day": ((255, 252, 245), 1.0),
    "dawn": ((255, 214, 205), 0.82),
    "dusk": ((255, 190, 150), 0.74),
    "night": ((105, 120, 185), 0.55),
}
_FLOODLIT_NIGHT = ((255, 214, 160), 0.78)
_MOONLIT_NIGHT = ((130, 145, 200), 0.62)


def light_for(time_of_day: str, rng: random.Random) -> SceneLight:
    """The scene light: sun low on the east (left) at dawn, west (right) at dusk, high and to a side by day."""
    tint, brightness = _AMBIENT.get(time_of_day, _AMBIENT["day"])
    if time_of_day == "dawn":
        direction = -0.85
    elif time_of_day == "dusk":
        direction = 0.85
    else:
        direction = rng.choice((-1, 1)) * rng.uniform(0.25, 0.6)
    return SceneLight(tint=tint, brightness=brightness, direction=direction, is_night=time_of_day == "night")


def landmark_light(light: SceneLight, floodlit: bool) -> tuple[RGB, float]:
    """Tint and brightness for the landmark itself: famous buildings are floodlit at night."""
    if light.is_night:
        return _FLOODLIT_NIGHT if floodlit else _MOONLIT_NIGHT
    return light.tint, min(1.0, light.brightness * 1.08)


def tinter(tint: RGB, brightness: float) -> Callable[[RGB], RGB]:
    """A function mapping a palette colour to its lit colour (cached)."""
    cache: dict[RGB, RGB] = {}
    k = [t / 255 * brightness for t in tint]

    def apply(c: RGB) -> RGB:
        out = cache.get(c)
        if out is None:
            out = tuple(min(255, round(c[i] * k[i])) for i in range(3))  # type: ignore[assignment]
            cache[c] = out  # type: ignore[assignment]
        return out  # type: ignore[return-value]

    return apply


def season_for(local: datetime, lat: float) -> str:
    """Meteorological season (spring/summer/autumn/winter) from the local month, flipped south of the equator."""
    north = ("winter", "winter", "spring", "spring", "spring", "summer", "summer", "summer", "autumn")
    north += ("autumn", "autumn", "winter")
    season = north[local.month - 1]
    if lat < 0:
        season = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}[season]
    return season


def pick_weather(rng: random.Random, season: str, lat: float, snowy_place: bool) -> str:
    """Seeded weather: clear, clouds, rain, mist, or snow where the place and season make it plausible."""
    options = [("clear", 0.42), ("clouds", 0.3), ("rain", 0.12), ("mist", 0.08)]
    if snowy_place or (season == "winter" and abs(lat) >= 35):
        options.append(("snow", 0.2))
    r = rng.random() * sum(w for _, w in options)
    for name, w in options:
        r -= w
        if r <= 0:
            return name
    return options[-1][0]


def _sky_stops(time_of_day: str, sky_day: RGB, sky_dusk: RGB) -> list[RGB]:
    """Gradient colours from the zenith to the horizon."""
    if time_of_day == "night":
        return [(6, 10, 30), (14, 24, 58), (34, 48, 92)]
    if time_of_day == "dawn":
        return [mix(sky_day, (70, 90, 160), 0.5), (214, 160, 190), (255, 196, 170)]
    if time_of_day == "dusk":
        return [(52, 40, 110), mix(sky_dusk, (170, 80, 130), 0.45), mix(sky_dusk, (255, 170, 80), 0.3)]
    return [scale(sky_day, 0.78), sky_day, mix(sky_day, (250, 250, 255), 0.55)]


def sky_image(
    size: tuple[int, int],
    horizon_y: int,
    time_of_day: str,
    palette: dict,
    sun: tuple[int, int],
    overcast: float,
    rng: np.random.Generator,
) -> Image.Image:
    """The sky: vertical gradient, a glow around the sun (or moon), and stars at night."""
    w, h = size
    sw, sh = max(8, w // 8), max(8, h // 8)
    stops = np.array(
        _sky_stops(
            time_of_day,
            hex_rgb(palette.get("sky_day", "#7fb8e8")),
            hex_rgb(palette.get("sky_dusk", "#f0a070")),
        ),
        dtype=np.float32,
    )
    ys = np.linspace(0.0, 1.0, sh, dtype=np.float32) * (h / max(1, horizon_y))
    ys = np.clip(ys, 0.0, 1.0)
    col = np.stack([np.interp(ys, [0.0, 0.55, 1.0], stops[:, i]) for i in range(3)], axis=-1)
    small = np.broadcast_to(col[:, None, :], (sh, sw, 3)).copy()
    gx, gy = np.meshgrid(np.arange(sw, dtype=np.float32) * 8, np.arange(sh, dtype=np.float32) * 8)
    d = np.hypot(gx - sun[0], gy - sun[1]) / max(w, h)
    glow_col = {
        "day": (255, 255, 235),
        "dawn": (255, 225, 170),
        "dusk": (255, 170, 90),
        "night": (90, 110, 170),
    }
    strength = {"day": 0.35, "dawn": 0.6, "dusk": 0.7, "night": 0.25}.get(time_of_day, 0.3)
    glow = (np.exp(-((d / 0.22) ** 2)) * strength * (1 - 0.7 * overcast))[..., None]
    small = small * (1 - glow) + np.array(glow_col.get(time_of_day, (255, 255, 235)), np.float32) * glow
    if overcast > 0:
        grey = small.mean(axis=-1, keepdims=True) * np.array([0.96, 0.98, 1.02], np.float32)
        small = small * (1 - 0.6 * overcast) + grey * 0.6 * overcast
    img = Image.fromarray(np.clip(small, 0, 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR)
    if time_of_day == "night":
        _stars(img, horizon_y, rng, 1.0 - overcast)
    return img


def _stars(img: Image.Image, horizon_y: int, rng: np.random.Generator, visible: float) -> None:
    """Scatter stars above the horizon (vectorised), brighter near the zenith."""
    w, h = img.size
    n = int(w * horizon_y / 1400 * visible)
    if n <= 0:
        return
    arr = np.asarray(img).copy()
    xs = rng.integers(0, w, n)
    ys = (rng.random(n) ** 1.4 * horizon_y * 0.92).astype(np.int64)
    b = (rng.random(n) * 150 + 105) * (1 - ys / max(1, horizon_y) * 0.6)
    arr[ys, xs] = np.maximum(arr[ys, xs], b[:, None].astype(np.uint8))
    big = rng.random(n) < 0.12
    xb, yb = np.minimum(xs[big] + 1, w - 1), np.minimum(ys[big] + 1, h - 1)
    arr[yb, xs[big]] = np.maximum(arr[yb, xs[big]], b[big, None].astype(np.uint8))
    arr[ys[big], xb] = np.maximum(arr[ys[big], xb], b[big, None].astype(np.uint8))
    img.paste(Image.fromarray(arr))


def draw_sun_or_moon(img: Image.Image, time_of_day: str, sun: tuple[int, int], overcast: float) -> None:
    """A sun disc by day/dawn/dusk, a crescent moon at night (hidden under heavy cloud)."""
    if overcast > 0.75:
        return
    w, h = img.size
    r = max(3, int(min(w, h) * (0.045 if time_of_day == "night" else 0.055)))
    x, y = sun
    d = ImageDraw.Draw(img)
    if time_of_day == "night":
        d.ellipse((x - r, y - r, x + r, y + r), fill=(240, 236, 210))
        bg = img.getpixel((max(0, min(w - 1, x + 2 * r)), max(0, min(h - 1, y))))
        d.ellipse((x - r + r * 0.55, y - r - r * 0.15, x + r + r * 0.55, y + r - r * 0.15), fill=bg)
        return
    colour = {"day": (255, 250, 225), "dawn": (255, 220, 160), "dusk": (255, 180, 100)}.get(time_of_day)
    d.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def draw_clouds(
    img: Image.Image, horizon_y: int, time_of_day: str, amount: float, rng: random.Random, low: bool = False
) -> None:
    """Soft clouds drawn at quarter size, blurred and scaled up, so they stay cheap."""
    if amount <= 0:
        return
    w, h = img.size
    q = 4
    sw, sh = max(4, w // q), max(4, h // q)
    colour = {
        "day": (255, 255, 255),
        "dawn": (255, 215, 215),
        "dusk": (250, 170, 150),
        "night": (70, 80, 110),
    }.get(time_of_day, (255, 255, 255))
    shade = scale(colour, 0.88)
    layer = Image.new("RGBA", (sw, sh), (*colour, 0))
    d = ImageDraw.Draw(layer)
    n = int(3 + amount * 9)
    top, bottom = (0.35, 0.85) if low else (0.04, 0.55)
    for _ in range(n):
        cx = rng.uniform(-0.1, 1.1) * sw
        cy = rng.uniform(top, bottom) * horizon_y / q
        cw = rng.uniform(0.12, 0.3) * sw
        ch = cw * rng.uniform(0.22, 0.35)
        alpha = int(170 + 80 * amount) if not low else 150
        for _ in range(5):
            ox, oy = rng.uniform(-0.5, 0.5) * cw, rng.uniform(-0.4, 0.2) * ch
            rx, ry = cw * rng.uniform(0.25, 0.45), ch * rng.uniform(0.5, 0.9)
            d.ellipse((cx + ox - rx, cy + oy - ry, cx + ox + rx, cy + oy + ry), fill=(*colour, alpha))
        d.ellipse((cx - cw * 0.55, cy, cx + cw * 0.55, cy + ch * 0.7), fill=(*shade, alpha))
    paste_upscaled(img, layer.filter(ImageFilter.GaussianBlur(1.4)))


def paste_upscaled(img: Image.Image, small: Image.Image) -> None:
    """Scale a low-resolution RGBA layer up to the image and paste it, touching only its drawn region."""
    box = small.getchannel("A").getbbox()
    if box is None:
        return
    sx, sy = img.width / small.width, img.height / small.height
    x0, y0 = max(0, box[0] - 1), max(0, box[1] - 1)
    x1, y1 = min(small.width, box[2] + 1), min(small.height, box[3] + 1)
    tx0, ty0 = round(x0 * sx), round(y0 * sy)
    tx1, ty1 = max(tx0 + 1, round(x1 * sx)), max(ty0 + 1, round(y1 * sy))
    part = small.resize((tx1 - tx0, ty1 - ty0), Image.Resampling.BILINEAR, box=(x0, y0, x1, y1))
    img.paste(part, (tx0, ty0), part)


def draw_weather(
    img: Image.Image, weather: str, horizon_y: int, time_of_day: str, rng: random.Random
) -> None:
    """Rain streaks, snowflakes or a mist band over the finished scene."""
    w, h = img.size
    if weather == "rain":
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        n = w * h // 2200
        ln = h * 0.035
        slant = 0.25
        c = (210, 220, 235, 110) if time_of_day != "night" else (150, 160, 190, 90)
        width = max(1, w // 700)
        for _ in range(n):
            x, y = rng.uniform(-0.1 * w, w), rng.uniform(-ln, h)
            d.line((x, y, x + ln * slant, y + ln), fill=c, width=width)
        img.paste(layer, (0, 0), layer)
    elif weather == "snow":
        d = ImageDraw.Draw(img)
        n = w * h // 1800
        for _ in range(n):
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.6, 2.4) * max(1.0, w / 800)
            d.ellipse((x - r, y - r, x + r, y + r), fill=(250, 250, 255))
    elif weather == "mist":
        sh = max(4, h // 8)
        ys = np.arange(sh, dtype=np.float32) * 8
        band = np.exp(-(((ys - horizon_y) / (h * 0.16)) ** 2)) * 0.55
        alpha = (band * 255).astype(np.uint8)[:, None].repeat(max(2, w // 8), axis=1)
        colour = (225, 228, 235) if time_of_day != "night" else (70, 80, 105)
        mask = Image.fromarray(alpha).resize((w, h), Image.Resampling.BILINEAR)
        img.paste(Image.new("RGB", (w, h), colour), (0, 0), mask)


def sun_position(
    size: tuple[int, int], horizon_y: int, time_of_day: str, direction: float, rng: random.Random
) -> tuple[int, int]:
    """Where the sun (or moon) sits: low near the horizon at dawn/dusk, high otherwise."""
    w, _ = size
    side = 0.5 + 0.38 * (1 if direction > 0 else -1)
    x = int(w * (side + rng.uniform(-0.05, 0.05)))
    if time_of_day in ("dawn", "dusk"):
        y = int(horizon_y * rng.uniform(0.62, 0.78))
    else:
        y = int(horizon_y * rng.uniform(0.12, 0.26))
    return x, y
