"""Animated postcards: the still postcard's scene rendered once, then a short seamless loop of it
(drifting clouds, shimmering water, twinkling stars, flickering windows, parallax, bobbing avatars)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

from generators.images.loops import LoopEncoder
from generators.images.motion_scene import Motion, MotionScene, build_motion_scene
from generators.images.postcard import draw_postcard
from generators.images.scenes import ComposedScene, SceneMaker
from generators.landmarks import Landmark


@dataclass(frozen=True)
class MotionOutput:
    """A written motion loop and how it was made."""

    path: Path
    mime: str  # video/mp4, or image/webp or image/gif without an H.264 encoder
    frames: int
    fps: int
    duration_s: float
    size_bytes: int
    width: int
    height: int
    seed: int
    path_used: str


class MotionMaker:
    """Renders a postcard as a short loop: built from a SceneMaker and a LoopEncoder, seeded per call."""

    def __init__(
        self,
        scenes: SceneMaker,
        encoder: LoopEncoder,
        *,
        width: int = 720,
        fps: int = 12,
        frames: int = 30,
        motion: Motion | None = None,
    ) -> None:
        self.scenes = scenes
        self.encoder = encoder
        self.width = max(64, width // 2 * 2)
        self.fps = max(1, fps)
        self.frame_count = max(2, frames)
        self.motion = motion or Motion()

    @classmethod
    def from_scenes(cls, scenes: SceneMaker, *, encoder: str = "auto") -> MotionMaker:
        """A motion maker on an existing scene maker; MP4 when PyAV with libx264 is installed."""
        return cls(scenes, LoopEncoder.detect(encoder))

    @property
    def suffix(self) -> str:
        """The suffix of the files it writes (.mp4, or .webp without an H.264 encoder)."""
        return self.encoder.suffix

    def prepare(
        self,
        landmark: Landmark,
        avatars: list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        style: str | None = None,
        caption_style: str = "",
        composed: ComposedScene | None = None,
    ) -> MotionScene:
        """The postcard's scene and frame taken apart into the loop's layers; `composed` is the
        un-harmonised scene when the still postcard already rendered it."""
        made = composed or self.scenes.compose(
            landmark,
            avatars,
            now_utc=now_utc,
            seed=seed,
            fmt=fmt,
            style=style,
            caption_style=caption_style,
            harmonise=False,  # an img2img pass per frame would cost minutes and flicker
        )
        drawn = draw_postcard(
            made.image,
            focus=made.focus,
            landmark=landmark,
            fmt=fmt,
            when_local=landmark.local_time(now_utc),
            lang=lang,
            path_used=self.scenes.path_name,
        )
        return build_motion_scene(
            made.scene, made.placement, drawn, width=self.width, seed=seed, style=style, motion=self.motion
        )

    def frames(self, scene: MotionScene) -> list[np.ndarray]:
        """One loop's frames; the frame after the last would be the first again."""
        n = self.frame_count
        return [scene.frame(i / n) for i in range(n)]

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
        composed: ComposedScene | None = None,
    ) -> MotionOutput:
        """Render and write one loop to `out_path`; the same arguments give the same frames and bytes.
        `composed`: the scene `SceneMaker.compose(..., harmonise=False)` made for the same arguments."""
        scene = self.prepare(
            landmark,
            avatars,
            now_utc=now_utc,
            seed=seed,
            fmt=fmt,
            lang=lang,
            style=style,
            caption_style=caption_style,
            composed=composed,
        )
        frames = self.frames(scene)
        size = self.encoder.write(frames, self.fps, out_path)
        w, h = scene.size
        return MotionOutput(
            path=Path(out_path),
            mime=self.encoder.mime,
            frames=len(frames),
            fps=self.fps,
            duration_s=len(frames) / self.fps,
            size_bytes=size,
            width=w,
            height=h,
            seed=seed,
            path_used=self.scenes.path_name,
        )
