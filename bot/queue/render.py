"""Renderers a worker runs: the image studio (postcards as bytes) and a timed stub for benchmarks."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import tempfile
import time
from pathlib import Path

from bot.queue.port import PostcardRequest, PostcardResult, Renderer
from generators.images.studio import ImageStudio


def worker_name() -> str:
    """host:pid, how heartbeats and results name this worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def studio_renderer(studio: ImageStudio) -> Renderer:
    """Postcards from the image studio, returned as JPEG bytes (the temp file is removed)."""
    from PIL import Image

    from generators.gazetteer import Gazetteer, PlaceResolver
    from generators.landmarks import Catalogue

    places = PlaceResolver(Catalogue.load(), Gazetteer.default())  # signature landmarks and `geo:` towns

    def render(request: PostcardRequest) -> PostcardResult:
        landmark = places.get(request.landmark_id)
        if landmark is None:
            raise ValueError(f"unknown landmark {request.landmark_id!r}")
        images = []
        for data in request.avatars:
            with Image.open(io.BytesIO(data)) as im:
                images.append(im.convert("RGBA"))
        with tempfile.TemporaryDirectory(prefix="postcard-") as tmp:
            made = studio.postcard(
                landmark,
                images,
                now_utc=request.now_utc,
                seed=request.seed,
                fmt=request.fmt,
                lang=request.lang,
                out_path=Path(tmp) / "postcard.jpg",
                style=request.style,
                caption_style=request.caption_style,
            )
            data = made.path.read_bytes()
        return PostcardResult(request.job_id, data, made.sha256, made.path_used, worker_name())

    return render


def stub_renderer(seconds: float = 1.0) -> Renderer:
    """A stand-in "GPU": sleeps `seconds`, then returns a tiny JPEG naming the job (benchmarks, tests).

    A seed of 13 fails for good, so the apology path can be exercised end to end.
    """
    from PIL import Image

    def render(request: PostcardRequest) -> PostcardResult:
        time.sleep(seconds)
        if request.seed == 13:
            raise RuntimeError("stub renderer: seed 13 always fails")
        buf = io.BytesIO()
        Image.new("RGB", (64, 64), (request.seed % 256, 90, 160)).save(buf, "JPEG")
        data = buf.getvalue()
        return PostcardResult(
            request.job_id, data, hashlib.sha256(data).hexdigest(), "illustrated", worker_name()
        )

    return render
