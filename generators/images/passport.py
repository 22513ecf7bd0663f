"""A passport page with one ink stamp per landmark visited."""

from __future__ import annotations

import math
import random
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from generators.landmarks import Landmark

PAGE = (1080, 1440)
COLUMNS = 3
MAX_STAMPS = 24
TITLES = {"en": "PASSPORT", "zh": "护照 · PASSPORT"}
INK_FALLBACK = ["#1f4e79", "#8b1e3f", "#2e6b30", "#6a3d9a", "#b35900"]


def _font(text: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from generators.images.fonts import font_for

    return font_for(text, size)


def _ink(landmark: Landmark) -> tuple[int, int, int]:
    hexa = (getattr(landmark, "palette", {}) or {}).get("accent") or random.Random(landmark.id).choice(
        INK_FALLBACK
    )
    r, g, b = (int(hexa[i : i + 2], 16) for i in (1, 3, 5))
    # Stamps read as ink: darken light accents.
    k = min(1.0, 160 / max(1, (r + g + b) / 3))
    return int(r * k), int(g * k), int(b * k)


def _stamp(landmark: Landmark, when: datetime, lang: str, size: int) -> Image.Image:
    """One round stamp, slightly rotated, with the place name and the date."""
    rng = random.Random(f"{landmark.id}{when:%Y%m%d}")
    ink = _ink(landmark)
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    pad = size * 0.06
    d.ellipse((pad, pad, size - pad, size - pad), outline=ink + (230,), width=max(3, size // 40))
    inner = size * 0.14
    d.ellipse((inner, inner, size - inner, size - inner), outline=ink + (200,), width=max(2, size // 90))
    name = landmark.name(lang)
    for text, y, fsize in (
        (name if len(name) <= 18 else name[:17] + "…", 0.36, size // 11),
        (landmark.city_name(lang).upper() if lang != "zh" else landmark.city_name(lang), 0.52, size // 13),
        (f"{when:%d %b %Y}".upper(), 0.66, size // 14),
    ):
        font = _font(text, fsize)
        w = d.textlength(text, font=font)
        d.text(((size - w) / 2, size * y - fsize / 2), text, fill=ink + (235,), font=font)
    for _ in range(3):  # a few stars around the ring, like a customs stamp
        a = rng.uniform(0, 2 * math.pi)
        cx, cy = size / 2 + math.cos(a) * size * 0.39, size / 2 + math.sin(a) * size * 0.39
        d.regular_polygon((cx, cy, size * 0.02), 5, fill=ink + (220,))
    # Uneven ink: knock out speckles.
    speckle = Image.effect_noise((size, size), 60).point(lambda v: 255 if v > 90 else 120)
    im.putalpha(Image.composite(im.getchannel("A"), Image.new("L", im.size, 0), speckle))
    return im.rotate(rng.uniform(-14, 14), resample=Image.Resampling.BICUBIC, expand=False)


def render_passport(
    stamps: list[tuple[Landmark, datetime]], *, owner: str, lang: str, out_path: Path
) -> Path:
    """Render a passport page: one stamp per distinct landmark (first visit), newest pages last."""
    first: dict[str, tuple[Landmark, datetime]] = {}
    for landmark, when in stamps:
        first.setdefault(landmark.id, (landmark, when))
    items = list(first.values())
    extra = max(0, len(items) - MAX_STAMPS)
    items = items[-MAX_STAMPS:]
    page = Image.new("RGB", PAGE, (246, 240, 224))
    d = ImageDraw.Draw(page)
    for y in range(0, PAGE[1], 6):  # guilloche-like background lines
        shade = 232 + int(6 * math.sin(y / 37))
        d.line([(0, y), (PAGE[0], y + 20 * math.sin(y / 90))], fill=(shade, shade - 6, shade - 22), width=1)
    d.rectangle((24, 24, PAGE[0] - 24, PAGE[1] - 24), outline=(120, 90, 60), width=3)
    title = TITLES.get(lang, TITLES["en"])
    tf = _font(title, 56)
    d.text(((PAGE[0] - d.textlength(title, font=tf)) / 2, 60), title, fill=(90, 50, 30), font=tf)
    sub = f"{owner} · {len(first)} " + ("个地方" if lang == "zh" else "places")
    sf = _font(sub, 32)
    d.text(((PAGE[0] - d.textlength(sub, font=sf)) / 2, 140), sub, fill=(110, 80, 60), font=sf)
    cell = (PAGE[0] - 120) // COLUMNS
    rows = max(1, math.ceil(len(items) / COLUMNS))
    cell_h = min(cell, (PAGE[1] - 260) // rows)
    size = int(min(cell, cell_h) * 0.95)
    for i, (landmark, when) in enumerate(items):
        r, c = divmod(i, COLUMNS)
        x = 60 + c * cell + (cell - size) // 2
        y = 220 + r * cell_h + (cell_h - size) // 2
        stamp = _stamp(landmark, when, lang, size)
        page.paste(stamp, (x, y), stamp)
    if extra:
        more = f"+{extra}"
        d.text((PAGE[0] - 140, PAGE[1] - 90), more, fill=(90, 50, 30), font=_font(more, 40))
    page = page.filter(ImageFilter.SMOOTH)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    page.save(out_path, format="PNG", optimize=True)
    return out_path
