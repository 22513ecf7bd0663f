"""Encode a looping animation: H.264 MP4 through PyAV's bundled FFmpeg, else animated WebP or GIF (Pillow)."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

LoopKind = Literal["mp4", "webp", "gif"]
SUFFIX: dict[str, str] = {"mp4": ".mp4", "webp": ".webp", "gif": ".gif"}
MIME: dict[str, str] = {"mp4": "video/mp4", "webp": "image/webp", "gif": "image/gif"}


def h264_available() -> bool:
    """True when PyAV is installed and its FFmpeg has the libx264 encoder."""
    try:
        import av
    except ImportError:
        return False
    return "libx264" in av.codecs_available


def describe_loops() -> str:
    """Which encoder motion loops use, for `avatar-bot doctor` (imports PyAV, encodes nothing)."""
    if h264_available():
        import av

        return f"H.264 MP4 through PyAV {av.__version__} (FFmpeg with libx264)"
    return "animated WebP (no H.264 encoder: PyAV with libx264 is not installed)"


@dataclass(frozen=True)
class LoopEncoder:
    """Writes RGB frames as a silent, looping animation file; the same frames give the same bytes."""

    kind: LoopKind = "mp4"
    crf: int = 23  # H.264 quality: lower is better and bigger
    preset: str = "veryfast"
    webp_quality: int = 70

    @classmethod
    def detect(cls, prefer: str = "auto") -> LoopEncoder:
        """MP4 when an H.264 encoder is installed (or `prefer` names a kind), animated WebP otherwise."""
        if prefer in ("webp", "gif"):
            return cls(prefer)  # type: ignore[arg-type]
        if h264_available():
            return cls("mp4")
        if prefer == "mp4":
            raise RuntimeError("no H.264 encoder: install PyAV (pip install av)")
        log.info("PyAV with libx264 is not installed; motion loops are animated WebP")
        return cls("webp")

    @property
    def suffix(self) -> str:
        """The file suffix this encoder writes (.mp4, .webp or .gif)."""
        return SUFFIX[self.kind]

    @property
    def mime(self) -> str:
        """The MIME type of what it writes."""
        return MIME[self.kind]

    def encode(self, frames: Sequence[np.ndarray], fps: int) -> bytes:
        """The animation's bytes: `frames` are HxWx3 uint8 arrays of one even size."""
        if not frames:
            raise ValueError("no frames to encode")
        if self.kind == "mp4":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "loop.mp4"
                _mp4(frames, fps, self.crf, self.preset, path)
                return path.read_bytes()
        images = [Image.fromarray(f) for f in frames]
        buf = io.BytesIO()
        duration = round(1000 / fps)
        if self.kind == "webp":
            images[0].save(
                buf,
                "WEBP",
                save_all=True,
                append_images=images[1:],
                duration=duration,
                loop=0,
                quality=self.webp_quality,
                method=0,
            )
        else:
            palette = images[0].quantize(255, method=Image.Quantize.MEDIANCUT)
            frames_p = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
            frames_p[0].save(buf, "GIF", save_all=True, append_images=frames_p[1:], duration=duration, loop=0)
        return buf.getvalue()

    def write(self, frames: Sequence[np.ndarray], fps: int, out_path: Path) -> int:
        """Encode to `out_path` atomically; returns the file's size in bytes."""
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_path.with_name(out_path.name + ".part")
        try:
            if self.kind == "mp4":
                _mp4(frames, fps, self.crf, self.preset, tmp)
            else:
                tmp.write_bytes(self.encode(frames, fps))
            os.replace(tmp, out_path)
        finally:
            tmp.unlink(missing_ok=True)
        return out_path.stat().st_size


def _mp4(frames: Sequence[np.ndarray], fps: int, crf: int, preset: str, path: Path) -> None:
    """H.264 High profile, yuv420p, no audio, moov first (plays while it downloads), loop-friendly."""
    import av

    h, w = frames[0].shape[:2]
    if w % 2 or h % 2:
        raise ValueError(f"H.264 yuv420p needs even dimensions, got {w}x{h}")
    # A file, not a buffer: +faststart rewrites it to put the index first (plays while downloading).
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        # One thread: the output does not depend on how many cores this machine has.
        stream.codec_context.options = {"crf": str(crf), "preset": preset, "threads": "1"}
        for arr in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
