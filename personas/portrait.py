"""A simple 400x600 portrait card (gradient, badge, name, tagline) drawn with Pillow, no assets."""

from __future__ import annotations

import hashlib
import textwrap
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from generators.lang import has_cjk
from personas.model import Persona

SIZE = (400, 600)
_LATIN_FONT = "DejaVuSans-Bold.ttf"
_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@cache
def _font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in (*(_CJK_FONTS if cjk else ()), _LATIN_FONT):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _colours(persona_id: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(persona_id.encode()).digest()
    top = tuple(60 + b % 140 for b in digest[:3])
    bottom = tuple(max(0, c - 70) for c in top)
    return top, bottom  # type: ignore[return-value]


def draw_portrait(persona: Persona) -> Image.Image:
    """Draw the persona's card image: a colour gradient unique to its id, an initial badge and its name."""
    top, bottom = _colours(persona.id)
    mask = Image.linear_gradient("L").resize(SIZE)
    img = Image.composite(Image.new("RGB", SIZE, bottom), Image.new("RGB", SIZE, top), mask)
    draw = ImageDraw.Draw(img)
    w, h = SIZE
    draw.rounded_rectangle((14, 14, w - 14, h - 14), radius=24, outline=(255, 255, 255), width=4)
    cx, cy, r = w // 2, 210, 110
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255), outline=bottom, width=6)
    initial = persona.name[:1].upper() or "?"
    draw.text((cx, cy), initial, font=_font(120, has_cjk(initial)), fill=bottom, anchor="mm")
    name = persona.name if len(persona.name) <= 22 else persona.name[:21] + "…"
    draw.text((cx, 385), name, font=_font(38, has_cjk(name)), fill=(255, 255, 255), anchor="mm")
    tagline = persona.tagline.split(" / ")[0]
    small = _font(18, has_cjk(tagline))
    for i, line in enumerate(textwrap.wrap(tagline, 34)[:4]):
        draw.text((cx, 440 + i * 26), line, font=small, fill=(255, 255, 255), anchor="mm")
    return img
