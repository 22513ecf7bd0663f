"""Postcards: formats, file limits, no metadata, CJK/Arabic text with covering fonts, the AI label."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from generators.images.fonts import candidates, covers, describe_fonts, font_for, pick_face
from generators.images.formats import FORMAT_NAMES, FORMATS
from generators.images.postcard import ai_label, cover_crop_box, make_postcard
from tests.tiny_diffusers import StandInLandmark

WHEN = datetime(2026, 11, 28, 21, 5)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scene(size=(1024, 1024)) -> Image.Image:
    im = Image.new("RGB", size, (120, 170, 230))
    d = ImageDraw.Draw(im)
    w, h = size
    d.rectangle((0, int(h * 0.8), w, h), fill=(90, 150, 80))
    d.polygon([(w // 2, h // 10), (w * 0.4, h * 0.8), (w * 0.6, h * 0.8)], fill=(200, 40, 40))
    return im


PARIS = StandInLandmark(names={"en": "Paris", "zh": "巴黎"}, local="巴黎", city={"en": "Paris", "zh": "巴黎"})
TOKYO = StandInLandmark(
    id="tokyo-tower",
    names={"en": "Tokyo Tower", "zh": "东京塔"},
    local="東京タワー",
    city={"en": "Tokyo", "zh": "东京"},
    country="JP",
)


def card(tmp_path: Path, fmt="1:1", landmark=PARIS, lang="en", name="card.jpg", **kw):
    return make_postcard(
        scene(kw.pop("size", (1024, 1024))),
        landmark=landmark,
        fmt=fmt,
        when_local=WHEN,
        lang=lang,
        path_used="illustrated",
        out_path=tmp_path / name,
        **kw,
    )


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_formats_sizes_and_clean_jpeg(tmp_path: Path, fmt: str) -> None:
    out = card(tmp_path, fmt, TOKYO, name=f"{fmt.replace(':', 'x')}.jpg")
    data = out.path.read_bytes()
    assert (out.width, out.height) == FORMATS[fmt].size and out.size_bytes == len(data) < 8 * 1024 * 1024
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.size == FORMATS[fmt].size
        assert len(im.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(im.info)
    assert b"Exif\x00" not in data and b"http://ns.adobe.com/xap" not in data
    assert not list(tmp_path.glob("*.part"))


def test_png_has_no_text_chunks(tmp_path: Path) -> None:
    out = card(tmp_path, "4:5", name="card.png")
    data = out.path.read_bytes()
    assert data.startswith(b"\x89PNG") and out.size_bytes < 8 * 1024 * 1024
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk not in data


def test_cjk_fonts_cover_place_names() -> None:
    for text in ("巴黎", "東京タワー", "AI-generated · 由AI生成"):
        font = font_for(text, 40)
        assert covers(font, text), f"no CJK font: install fonts-noto-cjk ({describe_fonts()})"
    assert not covers(ImageFont.truetype(DEJAVU, 40), "巴黎")  # the check tells tofu apart
    assert covers(font_for("Москва", 30), "Москва") and covers(font_for("القاهرة", 30), "القاهرة")
    assert pick_face("Paris").path.endswith("DejaVuSans.ttf")


def _mask(font, text: str) -> np.ndarray:
    return np.asarray(font.getmask(text), dtype=np.uint8).reshape(font.getmask(text).size[::-1])


def test_cjk_text_renders_real_glyphs_not_tofu() -> None:
    a, b = _mask(font_for("巴黎", 48), "巴黎"), _mask(font_for("東京", 48), "東京")
    assert a.shape != b.shape or np.abs(a.astype(int) - b).sum() > 1000
    tofu = ImageFont.truetype(DEJAVU, 48)
    assert np.array_equal(_mask(tofu, "巴黎"), _mask(tofu, "東京"))  # what a missing font would give


def test_postcard_draws_the_local_name(tmp_path: Path) -> None:
    p, t = card(tmp_path, landmark=PARIS, name="p.png"), card(tmp_path, landmark=TOKYO, name="t.png")
    assert p.texts[0] == "巴黎" and t.texts[0] == "東京タワー" and "Tokyo Tower" in t.texts
    assert any("Japan" in line for line in t.texts)  # ISO code shown as a country name
    with Image.open(p.path) as pi, Image.open(t.path) as ti:
        box = (p.name_box[0], p.name_box[1], p.name_box[0] + 90, p.name_box[3])
        pa, ta = np.asarray(pi.convert("L").crop(box)), np.asarray(ti.convert("L").crop(box))
    assert pa.min() < 100 and np.abs(pa.astype(int) - ta).mean() > 5


def test_ai_label_is_drawn_and_localised(tmp_path: Path) -> None:
    out = card(tmp_path, lang="zh", name="zh.png")
    assert out.texts[-1].startswith("AI-generated · 由AI生成") and "illustrated" in out.texts[-1]
    assert ai_label("fr").startswith("AI-generated") and ai_label("xx") == "AI-generated"
    with Image.open(out.path) as im:
        region = np.asarray(im.convert("L").crop(out.label_box))
    assert out.label_box[2] <= out.width and out.label_box[3] <= out.height
    assert region.min() < 160 and (region < 200).mean() > 0.03


def test_arabic_name_renders(tmp_path: Path) -> None:
    cairo = StandInLandmark(
        id="pyramids",
        names={"en": "Pyramids of Giza"},
        local="أهرامات الجيزة",
        city={"en": "Giza"},
        country="EG",
    )
    out = card(tmp_path, "9:16", cairo, lang="ar", name="ar.jpg", size=(576, 1024))
    assert out.texts[0] == "أهرامات الجيزة" and out.size_bytes > 0


def test_cover_crop_keeps_focus_in_frame() -> None:
    focus = (900, 300, 1000, 700)
    x0, y0, x1, y1 = cover_crop_box((1024, 768), (500, 700), focus)
    assert x0 <= focus[0] and focus[2] <= x1 and 0 <= x0 and x1 <= 1024
    assert abs((x1 - x0) / (y1 - y0) - 500 / 700) < 0.01
    assert cover_crop_box((800, 800), (800, 800), None) == (0, 0, 800, 800)


def test_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="3:2"):
        card(tmp_path, "3:2")


def test_env_font_comes_first(monkeypatch) -> None:
    monkeypatch.setenv("AVATAR_FONT", DEJAVU)
    assert candidates("巴黎")[0].path == DEJAVU
    # It lacks CJK glyphs, so CJK text still picks a covering font after it.
    assert covers(font_for("巴黎", 20), "巴黎")


@pytest.mark.parametrize("landmark_id", ["tokyo_tower", "gyeongbokgung", "burj_khalifa", "saint_basils"])
def test_real_catalogue_landmarks_render_local_scripts(tmp_path: Path, landmark_id: str) -> None:
    from generators.landmarks.catalogue import Catalogue

    lm = Catalogue.load().get(landmark_id)
    assert lm is not None
    local = lm.local_name()
    assert covers(font_for(local, 60, bold=True), local)
    out = make_postcard(
        scene((1024, 1024)),
        landmark=lm,
        fmt="1:1",
        when_local=lm.local_time(datetime(2026, 11, 28, 12, 0)),
        lang="zh",
        path_used="illustrated",
        out_path=tmp_path / f"{landmark_id}.jpg",
    )
    assert out.texts[0] == local and out.size_bytes < 8 * 1024 * 1024
    assert any(lm.city_name("zh") in line for line in out.texts)


def test_long_names_shrink_or_truncate_inside_the_card(tmp_path: Path) -> None:
    long = StandInLandmark(names={"en": "The Very Long Name " * 6}, local="名字很长的地方" * 8)
    out = card(tmp_path, "1:1", long, name="long.jpg")
    assert out.name_box[2] <= out.width - 30 and out.texts[0].endswith("…")


def test_language_hint_picks_the_cjk_variant() -> None:
    ja, zh = pick_face("富士山", lang="ja"), pick_face("富士山", lang="zh")
    assert ja is not None and zh is not None and ja.cjk and zh.cjk
    if ja.path.endswith("NotoSansCJK-Regular.ttc"):
        assert (ja.index, zh.index) == (0, 2)  # JP and SC faces of the collection
    assert pick_face("경복궁").name == pick_face("경복궁", lang="zh").name  # hangul decides by itself
