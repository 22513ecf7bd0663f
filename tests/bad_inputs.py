"""Builders for hostile and broken inputs (images, cards), shared by the bad-input tests."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

from PIL import Image


def png_bytes(size: tuple[int, int] = (64, 64), mode: str = "RGB", color: object = "teal") -> bytes:
    """A small valid PNG."""
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def decompression_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG whose header claims billions of pixels while the file stays tiny."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * 64
    idat = zlib.compress(row * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def truncated_png() -> bytes:
    """A PNG cut off half-way."""
    data = png_bytes((256, 256), color="orange")
    noisy = Image.effect_noise((256, 256), 80).convert("RGB")
    buf = io.BytesIO()
    noisy.save(buf, format="PNG")
    data = buf.getvalue()
    return data[: len(data) // 2]


def gif_bytes() -> bytes:
    """A GIF (unsupported)."""
    buf = io.BytesIO()
    Image.new("P", (16, 16)).save(buf, format="GIF")
    return buf.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
HTML = b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 120


def strip_png() -> bytes:
    """A 20,000 x 10 strip."""
    return png_bytes((20_000, 10))


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG (valid; converted)."""
    buf = io.BytesIO()
    Image.new("CMYK", (64, 64), (0, 128, 255, 0)).save(buf, format="JPEG")
    return buf.getvalue()


def png16() -> bytes:
    """A 16-bit greyscale PNG (valid; converted)."""
    buf = io.BytesIO()
    Image.new("I;16", (64, 64), 40_000).save(buf, format="PNG")
    return buf.getvalue()


def palette_transparent_png() -> bytes:
    """A palette PNG with a transparent index (valid; becomes RGBA)."""
    im = Image.new("P", (64, 64), 0)
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    im.paste(1, (16, 16, 48, 48))
    buf = io.BytesIO()
    im.save(buf, format="PNG", transparency=0)
    return buf.getvalue()


def animated_webp() -> bytes:
    """A two-frame animated WEBP (valid; first frame used)."""
    frames = [Image.new("RGB", (64, 64), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def card_png(payload: bytes, keyword: bytes = b"chara") -> bytes:
    """A PNG carrying `payload` in a tEXt chunk (a Character Card carrier)."""
    base = png_bytes((8, 8))
    iend = base.rindex(b"IEND") - 4
    return base[:iend] + _chunk(b"tEXt", keyword + b"\x00" + payload) + base[iend:]


def card_json(data: dict) -> bytes:
    """Base64 of a card's JSON, as stored in a chunk."""
    return base64.b64encode(json.dumps(data).encode())


# Playground websocket frames that must get an error for their sender only (issue 10).
BAD_WS_FRAMES = [
    '{"type":"say","text":"x\\ud800y"}',  # a lone surrogate
    '{"type":"say","text":"ok","lang":"\\udfff"}',
    '{"type":"say","text":5}',
    '{"type":"say","text":"ok","reply":true,"reply_to":["x"]}',
    "not json at all",
    '["type","say"]',
    '{"type":"shout","text":"hi"}',
]

# Playground JSON bodies with a wrong-type, missing or unencodable field: each must get a 400 with a reason.
BAD_JSON_BODIES = [
    ("/api/channels", {"name": "x", "title": "t", "lang": 5}),
    ("/api/channels", {"name": 5, "title": "t"}),
    ("/api/channels", {"name": "x", "title": ["t"]}),
    ("/api/channels", {"name": "x"}),
    ("/api/channels", {"name": "x\ud800", "title": "t"}),
    ("/api/channels", {"name": "x", "title": "t" * 5000}),
    ("/api/action", {"name": "x", "channel": "lobby", "action": {"a": 1}, "message_id": "m"}),
    ("/api/action", {"name": "x", "channel": 7, "action": "a", "message_id": "m"}),
    ("/api/action", {"name": "x", "channel": "lobby", "action": "a", "message_id": None}),
    ("/api/action", {"name": "x", "channel": "lobby", "action": "a", "message_id": "m", "lang": True}),
]


def deeply_nested_toml(depth: int = 5000) -> str:
    """A persona TOML whose one value nests arrays `depth` deep (tomllib recurses on each)."""
    return 'id = "deep"\nname = "Deep"\nlanguages = ' + "[" * depth + "]" * depth + "\n"
