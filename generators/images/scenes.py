"""Adventure postcards end to end: a scene from a SceneRenderer, the avatars stood in it, the frame."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from generators.images.formats import FORMATS
from generators.images.options import ImageOptions
from generators.images.scene import Box, Harmoniser, Scene, SceneRenderer
from generators.landmarks import Landmark

if TYPE_CHECKING:
    from generators.images.composite import AvatarPlacement

log = logging.getLogger(__name__)


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
    landmark_box: Box
    avatar_boxes: tuple[Box, ...]


@dataclass
class ComposedScene:
    """A rendered scene, where its avatars stand, the picture with them, and the box to keep in frame."""

    scene: Scene
    placement: AvatarPlacement
    image: Image.Image
    focus: Box


def scene_size(fmt: str, base: int) -> tuple[int, int]:
    """Scene pixel size for a postcard format, a multiple of 8 with `base` as the width."""
    w, h = FORMATS[fmt].ratio if fmt in FORMATS else (1, 1)
    width = max(64, base // 8 * 8)
    return width, max(64, round(width * h / w / 8) * 8)


class SceneMaker:
    """Renders a landmark scene, stands the avatars in it, and frames it as a postcard."""

    def __init__(
        self,
        renderer: SceneRenderer,
        *,
        harmoniser: Harmoniser | None = None,
        size: int = 1024,
        harmonise_strength: float = 0.25,
        fallback_reason: str | None = None,
    ) -> None:
        self.renderer = renderer
        self.harmoniser = harmoniser
        self.size = size
        self.harmonise_strength = harmonise_strength
        self.fallback_reason = fallback_reason  # why diffusers is not in use, when it is not

    @property
    def path_name(self) -> str:
        """Which path makes images: "diffusers" or "illustrated"."""
        return self.renderer.name

    @classmethod
    def from_options(cls, options: ImageOptions) -> SceneMaker:
        """Load the diffusers pipeline once when configured; otherwise use the offline renderer."""
        from generators.images.illustrated import IllustratedRenderer

        reason = None
        wants = options.backend
        if wants == "illustrated":
            reason = "IMAGE_BACKEND=illustrated"
        elif not options.model:
            reason = "no IMAGE_MODEL configured"
        else:
            try:
                from generators.images.diffusion import DiffusionScenePipeline

                pipe = DiffusionScenePipeline.from_pretrained(
                    options.model, device=options.device, steps=options.steps
                )
            except Exception as exc:
                why = str(getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}")
                reason = f"IMAGE_MODEL {options.model!r} did not load: {why}"[:300]
                log.warning("image model fallback: %s", reason)
                if wants == "diffusers":
                    raise
            else:
                return cls(
                    pipe,
                    harmoniser=pipe,
                    size=options.size,
                    harmonise_strength=options.harmonise_strength,
                )
        return cls(
            IllustratedRenderer(),
            size=options.size,
            harmonise_strength=options.harmonise_strength,
            fallback_reason=reason,
        )

    def compose(
        self,
        landmark: Landmark,
        avatars: list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        style: str | None = None,
        caption_style: str = "",
        harmonise: bool = True,
    ) -> ComposedScene:
        """The scene with the avatars stood in it (harmonised when asked and a harmoniser is set)."""
        from generators.images.composite import MAX_GROUP, place_avatars

        size = scene_size(fmt, self.size)
        scene = self.renderer(
            landmark, now_utc=now_utc, seed=seed, size=size, style=style, caption_style=caption_style
        )
        placement = place_avatars(
            scene.image.size,
            avatars,
            landmark_box=scene.landmark_box,
            ground_y=scene.ground_y,
            light=scene.light,
            free_zones=scene.free_zones,
            seed=seed,
            max_avatars=MAX_GROUP,  # the adventure feature decides how many travel together
        )
        boxes = [tuple(scene.landmark_box), *(tuple(b) for b in placement.boxes)]
        focus = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        made = ComposedScene(scene, placement, placement.draw(scene.image).image, focus)
        return self.harmonise(made, seed=seed) if harmonise else made

    def harmonise(self, made: ComposedScene, *, seed: int) -> ComposedScene:
        """The composed scene after the img2img pass that blends the avatars in (as it is without one)."""
        if self.harmoniser is None or self.harmonise_strength <= 0:
            return made
        image = self.harmoniser.harmonise(
            made.image, seed=seed, strength=self.harmonise_strength, prompt=made.scene.prompt
        )
        return dataclasses.replace(made, image=image)

    def __call__(
        self,
        landmark: Landmark,
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
        made = self.compose(
            landmark, avatars, now_utc=now_utc, seed=seed, fmt=fmt, style=style, caption_style=caption_style
        )
        return self.finish(made, landmark, now_utc=now_utc, seed=seed, fmt=fmt, lang=lang, out_path=out_path)

    def finish(
        self,
        made: ComposedScene,
        landmark: Landmark,
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
    ) -> AdventureImage:
        """Frame a composed scene as the postcard and write it to `out_path`."""
        from generators.images.postcard import make_postcard

        card = make_postcard(
            made.image,
            focus=made.focus,
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
            landmark_box=tuple(made.scene.landmark_box),
            avatar_boxes=tuple(tuple(b) for b in made.placement.boxes),
        )


def describe_scenes(options: ImageOptions) -> str:
    """Which image path is configured, for `avatar-bot doctor` (loads nothing)."""
    if options.backend == "illustrated":
        return "offline illustrated renderer (IMAGE_BACKEND=illustrated)"
    if not options.model:
        return "offline illustrated renderer (no IMAGE_MODEL configured; diffusers is used when one is)"
    return (
        f"diffusers {options.model!r} on {options.device} when it loads "
        "(falls back to the offline illustrated renderer otherwise)"
    )
