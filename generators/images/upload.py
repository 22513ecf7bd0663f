"""Uploaded avatar pictures: validate by content, decode safely, return clean pixels without metadata."""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from generators.errors import InputError

log = logging.getLogger(__name__)

FORMATS_TEXT = "PNG, JPEG, WEBP"
MAX_SIDE = 1024
MAX_ASPECT = 8.0  # a panorama is fine; a 20,000x10 strip is not a picture of anyone
_MIB = 1024 * 1024


def sniff_format(data: bytes) -> str | None:
    """The picture format from its magic bytes: 'PNG', 'JPEG', 'WEBP', or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _limit_mb(max_bytes: int) -> int | float:
    mb = max_bytes / _MIB
    return int(mb) if mb == int(mb) else round(mb, 1)


def _open_header(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    """Open lazily (header only) and check the declared size before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("image_too_many_pixels") from None
    except Exception as exc:  # the magic bytes matched but the header is broken
        log.info("upload: %s header unreadable: %s", fmt, type(exc).__name__)
        raise InputError("image_corrupt") from None
    if im.format != fmt:
        raise InputError("image_unsupported", formats=FORMATS_TEXT)
    w, h = im.size
    if w < 1 or h < 1:
        raise InputError("image_corrupt")
    if w * h > max_pixels:
        raise InputError("image_too_many_pixels")
    if max(w, h) / min(w, h) > MAX_ASPECT:
        raise InputError("image_bad_shape")
    return im


def _to_8bit(im: Image.Image) -> Image.Image:
    """Scale 16/32-bit greyscale to 8-bit (Pillow's own convert clips instead of scaling)."""
    arr = np.asarray(im).astype(np.float64)
    if im.mode == "F":
        top = 1.0 if arr.size and float(arr.max()) <= 1.0 else 255.0
    else:
        top = 65535.0 if arr.size and float(arr.max()) > 255 else 255.0
    arr = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def normalise_mode(im: Image.Image) -> Image.Image:
    """Any decoded mode to RGB, or RGBA when the picture carries transparency."""
    mode = im.mode
    if mode in ("RGB", "RGBA"):
        return im
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("PA", "LA", "La", "RGBa"):
        return im.convert("RGBA")
    if mode in ("L", "1"):
        return im.convert("RGB")
    if mode.startswith("I") or mode == "F":
        return _to_8bit(im).convert("RGB")
    if mode == "RGBX":
        return im.convert("RGB")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def fresh_copy(im: Image.Image) -> Image.Image:
    """The same pixels in a brand-new image object: no info, exif, icc or text chunks survive."""
    if im.mode not in ("RGB", "RGBA"):
        im = normalise_mode(im)
    return Image.frombytes(im.mode, im.size, im.tobytes())


def load_upload(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Validate and decode an uploaded PNG/JPEG/WEBP; a clean RGB/RGBA image, long side <= 1024."""
    if not data:
        raise InputError("image_empty")
    if len(data) > max_bytes:
        raise InputError("image_too_big", limit_mb=_limit_mb(max_bytes))
    fmt = sniff_format(data)
    if fmt is None:
        raise InputError("image_unsupported", formats=FORMATS_TEXT)
    im = _open_header(data, fmt, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)  # animated WEBP/APNG: the first frame
            if fmt == "JPEG":
                im.draft(im.mode, (MAX_SIDE, MAX_SIDE))  # decode big JPEGs at a reduced scale
            im.load()
            try:
                im = ImageOps.exif_transpose(im)
            except Exception as exc:  # broken EXIF must not lose the picture
                log.info("upload: EXIF orientation ignored: %s", type(exc).__name__)
            im = normalise_mode(im)
            if max(im.size) > MAX_SIDE:
                im = im.copy()
                im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            return fresh_copy(im)
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("image_too_many_pixels") from None
    except Exception as exc:  # truncated streams, bad CRCs, zlib errors, memory errors...
        log.info("upload: %s could not be decoded: %s", fmt, type(exc).__name__)
        raise InputError("image_corrupt") from None


def save_clean_png(img: Image.Image, path: str | os.PathLike[str]) -> None:
    """Write `img` as a PNG with no metadata, atomically (temp file then rename)."""
    clean = fresh_copy(img)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            clean.save(fh, format="PNG")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
