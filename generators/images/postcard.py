"""Frame a scene as a share-ready postcard: border, stamp, postmark, place names and an AI label."""

from __future__ import annotations

import hashlib
import io
import math
import os
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from generators.images.fonts import font_for
from generators.images.formats import FORMATS
from generators.landmarks import Landmark

Box = tuple[int, int, int, int]

BORDER = 36
MAX_BYTES = 8 * 1024 * 1024
PAPER = (250, 247, 240)
INK = (40, 46, 70)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
AI_LABELS = {
    "en": "AI-generated",
    "zh": "AI-generated · 由AI生成",
    "ja": "AI-generated · AI生成",
    "ko": "AI-generated · AI 생성",
    "fr": "AI-generated · généré par IA",
    "es": "AI-generated · generado por IA",
    "de": "AI-generated · KI-generiert",
    "ru": "AI-generated · создано ИИ",
    "ar": "AI-generated · مولد بالذكاء الاصطناعي",
}


@dataclass(frozen=True)
class PostcardOutput:
    """The written postcard file and where its parts were drawn."""

    path: Path
    size_bytes: int
    width: int
    height: int
    sha256: str
    image_box: Box = (0, 0, 0, 0)
    name_box: Box = (0, 0, 0, 0)
    label_box: Box = (0, 0, 0, 0)
    postmark_box: Box = (0, 0, 0, 0)
    texts: tuple[str, ...] = field(default_factory=tuple)


def ai_label(lang: str) -> str:
    """The visible "AI-generated" label, with a translation when one is known."""
    return AI_LABELS.get((lang or "en").split("-")[0].lower(), AI_LABELS["en"])


def cover_crop_box(src: tuple[int, int], dst: tuple[int, int], focus: Box | None) -> Box:
    """The source crop with the destination aspect that is largest and keeps `focus` centred when possible."""
    sw, sh = src
    dw, dh = dst
    if sw * dh > sh * dw:  # source is wider: crop the sides
        cw, ch = max(1, round(sh * dw / dh)), sh
    else:
        cw, ch = sw, max(1, round(sw * dh / dw))
    if focus:
        fx, fy = (focus[0] + focus[2]) / 2, (focus[1] + focus[3]) / 2
        # When the focus is taller than the window, keep its bottom (feet and ground) rather than its top.
        if focus[3] - focus[1] > ch:
            fy = focus[3] - ch / 2
    else:
        fx, fy = sw / 2, sh / 2
    x0 = int(min(max(fx - cw / 2, 0), sw - cw))
    y0 = int(min(max(fy - ch / 2, 0), sh - ch))
    return (x0, y0, x0 + cw, y0 + ch)


def _fit_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    size: int,
    max_w: int,
    *,
    bold: bool = False,
    lang: str | None = None,
) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """Shrink the font (down to 60%) and then truncate so `text` fits `max_w` pixels."""
    for s in range(size, int(size * 0.6) - 1, -2):
        font = font_for(text, s, bold=bold, lang=lang)
        if draw.textlength(text, font=font) <= max_w:
            return text, font
    while len(text) > 1 and draw.textlength(text + "…", font=font) > max_w:
        text = text[:-1]
    return text + "…", font


def country_label(landmark: Landmark, lang: str) -> str:
    """The landmark's country in `lang`: its own country_name(), the catalogue's table by code, or as given."""
    if hasattr(landmark, "country_name"):
        return str(landmark.country_name(lang))
    raw = str(getattr(landmark, "country", "") or "")
    code = str(getattr(landmark, "country_code", "") or (raw if len(raw) == 2 and raw.isupper() else ""))
    if code:
        try:
            from generators.landmarks.places import COUNTRIES
        except ImportError:
            return raw
        names = COUNTRIES.get(code.upper(), {})
        found = names.get(lang) or names.get("en")
        return found[0] if found else raw
    return raw


def _palette_rgb(landmark: Landmark) -> tuple[int, int, int]:
    pal = getattr(landmark, "palette", None) or {}
    hexa = None
    if isinstance(pal, dict):
        hexa = pal.get("accent") or pal.get("primary") or next(iter(pal.values()), None)
    elif isinstance(pal, (list, tuple)) and pal:
        hexa = pal[0]
    if isinstance(hexa, str) and len(hexa) == 7 and hexa.startswith("#"):
        return tuple(int(hexa[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    if isinstance(hexa, (list, tuple)) and len(hexa) >= 3:
        return tuple(int(c) for c in hexa[:3])  # type: ignore[return-value]
    return (178, 58, 72)


def _stamp(
    scene: Image.Image, focus: Box | None, colour: tuple[int, int, int], size: tuple[int, int]
) -> Image.Image:
    """A perforated postage stamp showing a crop of the scene."""
    w, h = size
    stamp = Image.new("RGBA", size, (255, 255, 255, 255))
    d = ImageDraw.Draw(stamp)
    r = max(3, w // 26)
    for x in range(r, w, 3 * r):  # perforations: punch half-circles out of every edge
        for cy in (0, h):
            d.ellipse((x - r, cy - r, x + r, cy + r), fill=(0, 0, 0, 0))
    for y in range(r, h, 3 * r):
        for cx in (0, w):
            d.ellipse((cx - r, y - r, cx + r, y + r), fill=(0, 0, 0, 0))
    pad = 2 * r + 2
    inner = (pad, pad, w - pad, h - pad)
    d.rectangle(inner, fill=colour + (255,))
    pic_box = (inner[0] + 6, inner[1] + 6, inner[2] - 6, inner[3] - 26)
    pw, ph = pic_box[2] - pic_box[0], pic_box[3] - pic_box[1]
    crop = scene.crop(cover_crop_box(scene.size, (pw, ph), focus)).resize((pw, ph), Image.Resampling.LANCZOS)
    stamp.paste(crop, pic_box[:2])
    font = font_for("AVATAR POST", 13, bold=True)
    tw = d.textlength("AVATAR POST", font=font)
    d.text(((w - tw) / 2, inner[3] - 21), "AVATAR POST", fill=(255, 255, 255, 255), font=font)
    return stamp


def _postmark(
    draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int, top: str, when: datetime
) -> Box:
    """A round ink postmark with the city and the local date and time; returns its box."""
    cx, cy = centre
    ink = INK + (200,)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=ink, width=4)
    ri = int(radius * 0.72)
    draw.ellipse((cx - ri, cy - ri, cx + ri, cy + ri), outline=ink, width=2)
    lines = (
        (f"{when.day:02d} {MONTHS[when.month - 1]}", -0.1, radius // 4, True),
        (f"{when.year} · {when:%H:%M}", 0.25, radius // 6, False),
    )
    for text, dy, size, bold in lines:
        font = font_for(text, size, bold=bold)
        tw = draw.textlength(text, font=font)
        draw.text((cx - tw / 2, cy + dy * radius - size / 2), text, fill=ink, font=font)
    # The city name curves along the top of the outer ring, one glyph at a time.
    label = top.upper()[:18]
    font = font_for(label, max(12, radius // 5), bold=True)
    span = min(math.pi * 0.9, 0.13 * len(label) * math.pi / 2.2)
    for i, ch in enumerate(label):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / max(1, len(label))
        rr = (radius + ri) / 2
        x, y = cx + rr * math.cos(a), cy + rr * math.sin(a)
        draw.text((x, y), ch, fill=ink, font=font, anchor="mm")
    # Wavy cancellation lines to the left of the ring.
    for k in (-0.4, 0.0, 0.4):
        pts = [
            (cx - radius - 8 - t, cy + k * radius + 6 * math.sin(t / 11))
            for t in range(0, int(radius * 1.6), 4)
        ]
        draw.line(pts, fill=ink, width=3)
    return (int(cx - radius * 2.6), cy - radius, cx + radius, cy + radius)


def _encode(canvas: Image.Image, suffix: str) -> bytes:
    """JPEG (quality 90, lowered if needed) or PNG bytes without any metadata, under MAX_BYTES."""
    clean = Image.new("RGB", canvas.size)
    clean.paste(canvas)  # a fresh image carries no info/EXIF/ICC
    buf = io.BytesIO()
    if suffix == ".png":
        clean.save(buf, "PNG", optimize=True)
        if buf.tell() > MAX_BYTES:
            buf = io.BytesIO()
            clean.quantize(256).save(buf, "PNG", optimize=True)
    else:
        for quality in (90, 82, 72, 60, 45):
            buf = io.BytesIO()
            clean.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
            if buf.tell() <= MAX_BYTES:
                break
    data = buf.getvalue()
    if len(data) > MAX_BYTES:
        raise ValueError(f"postcard is {len(data)} bytes, over the {MAX_BYTES} byte limit")
    return data


@dataclass
class PostcardDrawing:
    """A drawn postcard before encoding, with the layer that lies over its picture (for motion loops)."""

    canvas: Image.Image  # RGB, finished
    overlay: Image.Image  # RGBA at the canvas size: the picture's outline, the stamp and the postmark
    image_box: Box
    crop: Box  # the part of the scene shown in image_box
    name_box: Box
    label_box: Box
    postmark_box: Box
    texts: tuple[str, ...]


def draw_postcard(
    scene: Image.Image,
    *,
    landmark: Landmark,
    fmt: str,
    when_local: datetime,
    lang: str,
    path_used: str,
    focus: Box | None = None,
) -> PostcardDrawing:
    """Draw the postcard for `fmt` (a name in formats.FORMATS): the scene framed, stamped and captioned."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown postcard format {fmt!r}; expected one of {', '.join(FORMATS)}")
    width, height = FORMATS[fmt].size
    band = FORMATS[fmt].band
    canvas = Image.new("RGB", (width, height), PAPER)
    image_box = (BORDER, BORDER, width - BORDER, height - band)
    aw, ah = image_box[2] - image_box[0], image_box[3] - image_box[1]
    src = scene.convert("RGB")
    crop = cover_crop_box(src.size, (aw, ah), focus)
    canvas.paste(src.crop(crop).resize((aw, ah), Image.Resampling.LANCZOS), image_box[:2])

    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    od = ImageDraw.Draw(overlay)
    od.rectangle(image_box, outline=(255, 255, 255, 160), width=3)
    # Stamp in the image's top-right corner, the postmark half over it.
    sw = 128
    stamp = _stamp(src, focus, _palette_rgb(landmark), (sw, int(sw * 1.22)))
    rng = random.Random(f"{getattr(landmark, 'id', '')}{when_local:%Y%m%d%H%M}")
    stamp = stamp.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC, expand=True)
    sx, sy = image_box[2] - stamp.width - 18, image_box[1] + 18
    overlay.alpha_composite(stamp, (sx, sy))
    city = landmark.city_name(lang) if hasattr(landmark, "city_name") else ""
    pm_radius = 78
    centre = (sx - int(pm_radius * 0.45), sy + int(stamp.height * 0.8))
    postmark_box = _postmark(od, centre, pm_radius, city or "AVATAR POST", when_local)
    canvas = Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")

    d = ImageDraw.Draw(canvas)
    local = landmark.local_name()
    english = landmark.name("en")
    country = country_label(landmark, lang)
    city_en = landmark.city_name("en") if hasattr(landmark, "city_name") else ""
    place_line = ", ".join(p for p in dict.fromkeys([city, city_en if city != city_en else "", country]) if p)
    max_w = width - 2 * BORDER - 8
    y = image_box[3] + int(band * 0.1)
    title_size = int(band * 0.27)
    local_lang = getattr(landmark, "local_script", None)
    text, font = _fit_text(d, local, title_size, max_w, bold=True, lang=local_lang)
    x0, t, r, b = d.textbbox((BORDER + 4, y), text, font=font)
    d.text((BORDER + 4, y), text, fill=INK, font=font)
    name_box = (x0, t, r, b)
    texts = [text]
    y = b + int(band * 0.06)
    for line, size, colour in (
        (english if english != local else "", int(band * 0.16), (70, 70, 80)),
        (place_line, int(band * 0.12), (110, 110, 120)),
    ):
        if not line:
            continue
        line, font = _fit_text(d, line, size, max_w, lang=lang)
        d.text((BORDER + 4, y), line, fill=colour, font=font)
        texts.append(line)
        y = d.textbbox((BORDER + 4, y), line, font=font)[3] + int(band * 0.05)

    label = f"{ai_label(lang)} · {path_used}"
    lfont: ImageFont.FreeTypeFont | ImageFont.ImageFont = font_for(label, 22, lang=lang)
    lw = d.textlength(label, font=lfont)
    lx, ly = width - BORDER - lw, height - BORDER + 4 - 26
    d.text((lx, ly), label, fill=(90, 90, 100), font=lfont)
    label_box: Box = tuple(int(v) for v in d.textbbox((lx, ly), label, font=lfont))  # type: ignore[assignment]
    texts.append(label)
    return PostcardDrawing(
        canvas,
        overlay,
        image_box,
        crop,
        name_box,
        label_box,
        postmark_box,
        tuple(texts),
    )


def make_postcard(
    scene: Image.Image,
    *,
    landmark: Landmark,
    fmt: str,
    when_local: datetime,
    lang: str,
    path_used: str,
    out_path: Path,
    focus: Box | None = None,
) -> PostcardOutput:
    """Render the postcard for `fmt` (a name in formats.FORMATS) and write it to `out_path` (.jpg or .png)."""
    drawn = draw_postcard(
        scene, landmark=landmark, fmt=fmt, when_local=when_local, lang=lang, path_used=path_used, focus=focus
    )
    width, height = drawn.canvas.size
    out_path = Path(out_path)
    data = _encode(drawn.canvas, out_path.suffix.lower())
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, out_path)
    return PostcardOutput(
        path=out_path,
        size_bytes=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        image_box=drawn.image_box,
        name_box=drawn.name_box,
        label_box=drawn.label_box,
        postmark_box=drawn.postmark_box,
        texts=drawn.texts,
    )
