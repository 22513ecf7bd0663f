"""Uploaded avatar pictures: content-based format checks, hostile files, mode handling, metadata stripping."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from generators.errors import InputError
from generators.images.upload import load_upload, save_clean_png

CAP_BYTES = 10 * 1024 * 1024
CAP_PIXELS = 40_000_000


def load(data: bytes, **kw) -> Image.Image:
    return load_upload(
        data, max_bytes=kw.get("max_bytes", CAP_BYTES), max_pixels=kw.get("max_pixels", CAP_PIXELS)
    )


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **params)
    return buf.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size but carries a few bytes of compressed data (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def error_key(data: bytes, **kw) -> tuple[str, dict]:
    with pytest.raises(InputError) as info:
        load(data, **kw)
    return info.value.key, info.value.params


def photo(size=(64, 48)) -> Image.Image:
    w, h = size
    x = np.linspace(0, 255, w, dtype=np.uint8)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.uint8)[:, None].repeat(w, 1)
    return Image.fromarray(np.dstack([x, y, 255 - x]), "RGB")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_supported_formats_load_as_plain_rgb(fmt: str) -> None:
    out = load(encode(photo(), fmt))
    assert out.mode == "RGB" and out.size == (64, 48)
    assert out.info == {}


def test_zero_bytes_is_empty() -> None:
    assert error_key(b"")[0] == "image_empty"


def test_over_byte_cap_names_the_limit() -> None:
    key, params = error_key(b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024), max_bytes=3 * 1024 * 1024 // 2)
    assert key == "image_too_big" and params == {"limit_mb": 1.5}
    key, params = error_key(b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024), max_bytes=2 * 1024 * 1024)
    assert key == "image_too_big" and params == {"limit_mb": 2}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(photo(), "GIF"), id="gif"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', id="svg"
        ),
        pytest.param(
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", id="bare-svg"
        ),
        pytest.param(b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>", id="html"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 500, id="elf"),
        pytest.param(b"MZ\x90\x00" + b"\x00" * 500, id="exe"),
        pytest.param(encode(photo(), "BMP"), id="bmp"),
        pytest.param(encode(photo(), "TIFF"), id="tiff"),
        pytest.param(b"just some text that someone named avatar.png", id="text"),
    ],
)
def test_other_content_is_unsupported_whatever_the_name(data: bytes) -> None:
    key, params = error_key(data)
    assert key == "image_unsupported"
    assert params == {"formats": "PNG, JPEG, WEBP"}


def test_decompression_bomb_header_is_refused_before_decoding() -> None:
    data = png_header_only(60000, 60000)
    assert len(data) < 200
    assert error_key(data)[0] == "image_too_many_pixels"


def test_pillows_bomb_warning_counts_as_too_many_pixels() -> None:
    # 10000x10000 = 100 Mpx: over Pillow's warning threshold (~89.5 Mpx) even when our own cap is higher.
    assert error_key(png_header_only(10000, 10000), max_pixels=500_000_000)[0] == "image_too_many_pixels"


def test_pixel_cap_below_pillows_own_limit() -> None:
    # 8000x8000 = 64 Mpx: under Pillow's bomb threshold, over the configured 40 Mpx cap.
    assert error_key(png_header_only(8000, 8000))[0] == "image_too_many_pixels"
    assert error_key(encode(photo((100, 100)), "PNG"), max_pixels=5000)[0] == "image_too_many_pixels"


def test_truncated_png_is_corrupt() -> None:
    data = encode(photo((200, 200)), "PNG")
    assert error_key(data[: len(data) // 2])[0] == "image_corrupt"
    assert error_key(data[:20])[0] == "image_corrupt"


def test_truncated_jpeg_and_garbage_after_magic_are_corrupt() -> None:
    data = encode(photo((200, 200)), "JPEG")
    assert error_key(data[: len(data) // 3])[0] == "image_corrupt"
    assert error_key(b"RIFF\x00\x00\x00\x00WEBPjunkjunkjunk")[0] == "image_corrupt"
    assert error_key(b"\x89PNG\r\n\x1a\n" + b"\xde\xad\xbe\xef" * 10)[0] == "image_corrupt"


def test_thin_strip_is_bad_shape() -> None:
    strip = Image.new("RGB", (20000, 10), "red")
    assert error_key(encode(strip, "PNG"))[0] == "image_bad_shape"
    tall = Image.new("RGB", (10, 2000), "red")
    assert error_key(encode(tall, "PNG"))[0] == "image_bad_shape"


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour() -> None:
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red in CMYK
    out = load(encode(cmyk, "JPEG", quality=95))
    assert out.mode == "RGB"
    r, g, b = out.getpixel((16, 16))
    assert r > 200 and g < 60 and b < 60


def test_16_bit_png_is_scaled_to_8_bit() -> None:
    arr = np.full((16, 16), 40000, dtype=np.uint16)
    arr[:, :8] = 65535
    src = Image.fromarray(arr)
    assert src.mode.startswith("I;16")
    data = encode(src, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    out = load(data)
    assert out.mode == "RGB"
    assert out.getpixel((0, 0)) == (255, 255, 255)
    assert abs(out.getpixel((12, 0))[0] - round(40000 / 257)) <= 1  # scaled, not clipped to 255


def test_palette_png_with_transparency_becomes_rgba() -> None:
    pal = Image.new("P", (20, 20), 0)
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    pal.paste(1, (10, 0, 20, 20))
    data = encode(pal, "PNG", transparency=1)
    out = load(data)
    assert out.mode == "RGBA"
    assert out.getpixel((2, 2)) == (255, 0, 0, 255)
    assert out.getpixel((15, 2))[3] == 0


def test_la_becomes_rgba() -> None:
    la = Image.new("LA", (10, 10), (128, 0))
    la.paste((200, 255), (0, 0, 5, 10))
    out = load(encode(la, "PNG"))
    assert out.mode == "RGBA"
    assert out.getpixel((1, 1)) == (200, 200, 200, 255)
    assert out.getpixel((8, 1))[3] == 0


def test_animated_webp_gives_the_first_frame() -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue", "green")]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    assert Image.open(io.BytesIO(buf.getvalue())).n_frames == 3
    out = load(buf.getvalue())
    assert out.mode in ("RGB", "RGBA")
    assert out.convert("RGB").getpixel((16, 16)) == (255, 0, 0)


def test_exif_orientation_is_applied_and_exif_removed() -> None:
    src = Image.new("RGB", (40, 20), "blue")
    src.paste((255, 0, 0), (0, 0, 20, 20))  # red on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90 degrees clockwise
    exif[0x010F] = "SecretCam"
    data = encode(src, "JPEG", exif=exif.tobytes(), quality=95)
    out = load(data)
    assert out.size == (20, 40)
    assert out.getpixel((10, 5))[0] > 200  # red moved to the top
    assert out.getpixel((10, 35))[2] > 200
    assert out.info == {} and len(out.getexif()) == 0


def test_metadata_is_stripped_in_memory_and_on_disk(tmp_path: Path) -> None:
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Comment", "gps 51.5,-0.12 home address")
    meta.add_itxt("chara", "eyJzZWNyZXQiOiB0cnVlfQ==")
    icc = b"\x00" * 128
    data = encode(photo(), "PNG", pnginfo=meta, icc_profile=icc, dpi=(300, 300))
    assert b"home address" in data
    out = load(data)
    assert out.info == {}
    path = tmp_path / "a" / "clean.png"
    save_clean_png(out, path)
    raw = path.read_bytes()
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"eXIf", b"pHYs"):
        assert chunk not in raw
    back = Image.open(path)
    assert back.size == out.size and back.convert("RGB").tobytes() == out.convert("RGB").tobytes()
    assert not list(tmp_path.glob("a/.tmp-*"))


def test_save_clean_png_strips_a_dirty_image(tmp_path: Path) -> None:
    dirty = photo()
    dirty.info["exif"] = b"Exif\x00\x00junk"
    dirty.info["icc_profile"] = b"\x00" * 128
    save_clean_png(dirty, tmp_path / "x.png")
    raw = (tmp_path / "x.png").read_bytes()
    assert b"iCCP" not in raw and b"eXIf" not in raw


def test_large_picture_is_downscaled_to_1024() -> None:
    out = load(encode(photo((3000, 1500)), "JPEG"))
    assert out.size == (1024, 512)
    out = load(encode(photo((800, 2000)), "PNG"))
    assert max(out.size) == 1024 and out.size[0] in (409, 410)


def test_rgba_with_transparency_is_kept() -> None:
    im = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    im.paste((10, 200, 10, 255), (5, 5, 25, 25))
    out = load(encode(im, "WEBP", lossless=True))
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0 and out.getpixel((15, 15)) == (10, 200, 10, 255)
