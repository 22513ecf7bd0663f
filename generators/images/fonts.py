"""Font discovery: pick an installed font whose glyphs cover the text (CJK, Arabic, Cyrillic, Latin)."""

from __future__ import annotations

import glob
import logging
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont, features

log = logging.getLogger(__name__)

NOTO_CJK_GLOB = "/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc"
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEJAVU_DIRS = ("/usr/share/fonts/truetype/dejavu",)
APT_PACKAGES = ("fonts-noto-cjk", "fonts-wqy-microhei", "fonts-dejavu-core")
# Face order inside NotoSansCJK-*.ttc (checked with fontTools): JP, KR, SC, TC, HK.
NOTO_INDEX = {"ja": 0, "ko": 1, "zh": 2}


@dataclass(frozen=True)
class FontFace:
    """One face of an installed font file."""

    path: str
    index: int
    name: str
    cjk: bool


def _script_of(ch: str) -> str:
    """Rough script of one character: 'ja', 'ko', 'zh', 'arabic', 'other'."""
    cp = ord(ch)
    if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F:
        return "ja"
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
        return "ko"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x3000 <= cp <= 0x303F or 0xFF00 <= cp <= 0xFF65:
        return "zh"
    if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF:
        return "arabic"
    return "other"


def text_scripts(text: str) -> set[str]:
    """The set of rough scripts used by `text`."""
    return {_script_of(c) for c in text}


def _needs_cjk(text: str) -> bool:
    return bool(text_scripts(text) & {"ja", "ko", "zh"})


def _cjk_faces(text: str, bold: bool, hint: str | None = None) -> list[FontFace]:
    scripts = text_scripts(text)
    # Kana or hangul decide; Han-only text follows the caller's language hint (Japanese kanji differ).
    lang = "ja" if "ja" in scripts else "ko" if "ko" in scripts else (hint if hint in NOTO_INDEX else "zh")
    faces: list[FontFace] = []
    files = sorted(glob.glob(NOTO_CJK_GLOB))
    want = "Bold" if bold else "Regular"
    files.sort(key=lambda p: (want not in os.path.basename(p), p))
    for path in files[:1]:
        faces.append(FontFace(path, NOTO_INDEX[lang], f"Noto Sans CJK ({lang})", True))
    if os.path.exists(WQY):
        faces.append(FontFace(WQY, 0, "WenQuanYi Micro Hei", True))
    return faces


def _dejavu(bold: bool) -> FontFace | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in DEJAVU_DIRS:
        path = os.path.join(d, name)
        if os.path.exists(path):
            return FontFace(path, 0, "DejaVu Sans", False)
    return None


def _env_face() -> FontFace | None:
    path = os.environ.get("AVATAR_FONT", "").strip()
    if path and os.path.exists(path):
        return FontFace(path, 0, f"AVATAR_FONT {os.path.basename(path)}", True)
    if path:
        log.warning("AVATAR_FONT=%s does not exist; ignoring it", path)
    return None


def candidates(text: str, *, bold: bool = False, lang: str | None = None) -> list[FontFace]:
    """Installed faces to try for `text`, best first (`lang` picks the CJK variant for Han-only text)."""
    env, dejavu, cjk = _env_face(), _dejavu(bold), _cjk_faces(text, bold, lang)
    ordered = ([env] if env else []) + (
        cjk + ([dejavu] if dejavu else []) if _needs_cjk(text) else ([dejavu] if dejavu else []) + cjk
    )
    return ordered


@lru_cache(maxsize=16)
def _cmap(path: str, index: int) -> frozenset[int] | None:
    """Code points the face maps to a glyph, or None when fontTools is missing."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        return None
    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        return frozenset(font.getBestCmap() or {})
    except Exception as exc:  # a broken font file must not break postcards
        log.warning("cannot read the cmap of %s: %s", path, exc)
        return frozenset()


def _significant(text: str) -> list[str]:
    return [c for c in text if not c.isspace() and unicodedata.category(c)[0] != "C"]


def coverage(face: FontFace, text: str) -> float:
    """Share of the visible characters of `text` that `face` has glyphs for (heuristic without fontTools)."""
    chars = _significant(text)
    if not chars:
        return 1.0
    cmap = _cmap(face.path, face.index)
    if cmap is None:
        ok = [(_script_of(c) not in {"ja", "ko", "zh"}) or face.cjk for c in chars]
        ok = [o and not (face.cjk and _script_of(c) == "arabic") for o, c in zip(ok, chars, strict=True)]
        return sum(ok) / len(chars)
    return sum(ord(c) in cmap for c in chars) / len(chars)


def covers(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """True when the loaded `font` has a glyph for every visible character of `text`."""
    face = FontFace(str(font.path), int(getattr(font, "index", 0)), "", False)
    return coverage(face, text) == 1.0


@lru_cache(maxsize=128)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """The font file's face `index` at `size` px, loaded once per process."""
    return ImageFont.truetype(path, size=size, index=index)


_warned: set[str] = set()


def pick_face(text: str, *, bold: bool = False, lang: str | None = None) -> FontFace | None:
    """The installed face that covers the most of `text` (the first full match wins)."""
    best, best_cov = None, -1.0
    for face in candidates(text, bold=bold, lang=lang):
        cov = coverage(face, text)
        if cov == 1.0:
            return face
        if cov > best_cov:
            best, best_cov = face, cov
    if _needs_cjk(text) and (best is None or not best.cjk) and "cjk" not in _warned:
        _warned.add("cjk")
        log.warning(
            "no CJK font found; CJK text will render as boxes. Install: apt-get install %s",
            " ".join(APT_PACKAGES),
        )
    return best


def font_for(
    text: str, size: int, *, bold: bool = False, lang: str | None = None
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font of `size` px whose glyphs cover `text` as far as installed fonts allow."""
    face = pick_face(text, bold=bold, lang=(lang or "").split("-")[0].lower() or None)
    if face is None:
        return ImageFont.load_default(size)
    return load_font(face.path, face.index, int(size))


def describe_fonts() -> str:
    """Which fonts postcards use for each script, for `avatar-bot doctor`."""
    parts = []
    for label, sample in (
        ("CJK", "巴黎東京タワー서울"),
        ("Arabic", "القاهرة"),
        ("Cyrillic", "Москва"),
        ("Latin", "Paris"),
    ):
        face = pick_face(sample)
        if face is None:
            parts.append(f"{label}: none (Pillow's built-in font)")
            continue
        cov = coverage(face, sample)
        note = "" if cov == 1.0 else f", only {cov:.0%} of glyphs (install {' '.join(APT_PACKAGES)})"
        parts.append(f"{label}: {face.name} ({face.path}{note})")
    parts.append(f"complex-script layout (raqm): {'yes' if features.check('raqm') else 'no, basic layout'}")
    return "; ".join(parts)
