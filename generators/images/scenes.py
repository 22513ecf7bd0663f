"""Adventure images end to end: a scene (diffusers or the offline renderer), avatars, postcard."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

log = logging.getLogger(__name__)

FORMATS = {"1:1": (1, 1), "4:5": (4, 5), "9:16": (9, 16)}


@dataclass(frozen=True)
class AdventureImage:
    """A finished postcard and how it was made."""

    path: Path
    sha256: str
    path_used: str
    width: int
    height: int
    size_bytes: int
    seed: int
    landmark_box: tuple[int, int, int, int]
    avatar_boxes: tuple[tuple[int, int, int, int], ...]


def scene_size(fmt: str, base: int) -> tuple[int, int]:
    """Scene pixel size for a postcard format, a multiple of 8 with `base` as the width."""
    w, h = FORMATS.get(fmt, (1, 1))
    width = max(64, base // 8 * 8)
    return width, max(64, round(width * h / w / 8) * 8)


class SceneMaker:
    """Renders a landmark scene, stands the avatars in it, and frames it as a postcard."""

    def __init__(
        self,
        renderer: Any,
        diffusion: Any | None = None,
        *,
        size: int = 1024,
        steps: int = 20,
        harmonise_strength: float = 0.25,
        fallback_reason: str | None = None,
    ) -> None:
        self.renderer = renderer
        self.diffusion = diffusion
        self.size = size
        self.steps = steps
        self.harmonise_strength = harmonise_strength
        self.fallback_reason = fallback_reason

    @property
    def path_name(self) -> str:
        """Which path makes images: "diffusers" or "illustrated"."""
        return "diffusers" if self.diffusion is not None else "illustrated"

    @classmethod
    def from_settings(cls, settings: Any) -> SceneMaker:
        """Load the diffusers pipeline once when configured; otherwise use the offline renderer."""
        from generators.images.illustrated import IllustratedRenderer

        renderer = IllustratedRenderer()
        diffusion, reason = None, None
        wants = settings.image_backend
        if wants == "illustrated":
            reason = "IMAGE_BACKEND=illustrated"
        elif not settings.image_model:
            reason = "no IMAGE_MODEL configured"
        else:
            try:
                from generators.images.diffusion import DiffusionScenePipeline

                diffusion = DiffusionScenePipeline.from_pretrained(
                    settings.image_model, device=settings.image_device
                )
            except Exception as exc:
                why = str(getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}")
                reason = f"IMAGE_MODEL {settings.image_model!r} did not load: {why}"[:300]
                log.warning("image model fallback: %s", reason)
                if wants == "diffusers":
                    raise
        return cls(
            renderer,
            diffusion,
            size=settings.image_size,
            steps=settings.image_steps,
            harmonise_strength=settings.image_harmonise_strength,
            fallback_reason=reason,
        )

    def __call__(
        self,
        landmark: Any,
        avatars: list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        style: str | None = None,
        caption_style: str = "",
    ) -> AdventureImage:
        """Make one postcard; deterministic for (landmark, avatars, now_utc, seed, fmt)."""
        from generators.images.composite import composite_avatars
        from generators.images.postcard import make_postcard

        size = scene_size(fmt, self.size)
        if self.diffusion is not None:
            scene = self.diffusion(
                landmark,
                now_utc=now_utc,
                seed=seed,
                size=size,
                style=style,
                steps=self.steps,
                caption_style=caption_style,
            )
        else:
            scene = self.renderer(landmark, now_utc=now_utc, seed=seed, size=size, style=style)
        comp = composite_avatars(
            scene.image,
            avatars,
            landmark_box=scene.landmark_box,
            ground_y=scene.ground_y,
            light=scene.light,
            free_zones=scene.free_zones,
            seed=seed,
        )
        image = comp.image
        if self.diffusion is not None and self.harmonise_strength > 0:
            image = self.diffusion.harmonise(
                image, seed=seed, strength=self.harmonise_strength, steps=self.steps, prompt=scene.prompt
            )
        boxes = [tuple(scene.landmark_box), *(tuple(b) for b in comp.avatar_boxes)]
        focus = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        card = make_postcard(
            image,
            focus=focus,
            landmark=landmark,
            fmt=fmt,
            when_local=landmark.local_time(now_utc),
            lang=lang,
            path_used=self.path_name,
            out_path=out_path,
        )
        return AdventureImage(
            path=card.path,
            sha256=card.sha256,
            path_used=self.path_name,
            width=card.width,
            height=card.height,
            size_bytes=card.size_bytes,
            seed=seed,
            landmark_box=tuple(scene.landmark_box),
            avatar_boxes=tuple(tuple(b) for b in comp.avatar_boxes),
        )


def describe_scenes(settings: Any) -> str:
    """Which image path is configured, for `avatar-bot doctor` (loads nothing)."""
    if settings.image_backend == "illustrated":
        return "offline illustrated renderer (IMAGE_BACKEND=illustrated)"
    if not settings.image_model:
        return "offline illustrated renderer (no IMAGE_MODEL configured; diffusers is used when one is)"
    return (
        f"diffusers {settings.image_model!r} on {settings.image_device} when it loads "
        "(falls back to the offline illustrated renderer otherwise)"
    )
