"""The image contract: one `Scene` output and the `SceneRenderer` protocol both scene paths follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from PIL import Image

from generators.images.sky import SceneLight
from generators.landmarks import Landmark

Box = tuple[int, int, int, int]


@dataclass
class SceneLayers:
    """Stages of a drawn scene that a motion loop animates, at the renderer's drawing size."""

    sky: Image.Image  # gradient, glow and stars, before the sun or moon
    sky_lit: Image.Image  # with the sun or moon, before the clouds
    sky_clouds: Image.Image  # with the clouds: the whole sky behind everything else
    unweathered: Image.Image  # the finished drawing before weather and style
    horizon_y: int


@dataclass
class Scene:
    """A landmark scene and where things are in it, from either renderer."""

    image: Image.Image
    landmark_box: Box
    ground_y: int  # where the avatars' feet stand
    light: SceneLight
    time_of_day: str
    renderer: str  # "illustrated" or "diffusers"
    weather: str = "as prompted"
    season: str | None = None
    free_zones: list[Box] = field(default_factory=list)  # foreground room beside the landmark
    prompt: str = ""  # the diffusers prompt; empty for drawn scenes
    negative_prompt: str = ""
    seed: int = 0
    layers: SceneLayers | None = None  # drawn scenes only; None from diffusers
    # Generic places only, painted apart: "sky" (RGB) then "far", "mid", "near" (RGBA) at the scene's size, before
    # weather and style, for callers that move them apart; empty for drawn landmarks and diffusers.
    depth: dict[str, Image.Image] = field(default_factory=dict)


class SceneRenderer(Protocol):
    """Draws or generates a landmark scene; the same landmark, time and seed give the same image."""

    name: str  # "illustrated" or "diffusers": the path the bot names under each postcard

    def __call__(
        self,
        landmark: Landmark,
        *,
        now_utc: datetime,
        seed: int,
        size: tuple[int, int],
        style: str | None = None,
        caption_style: str = "",
    ) -> Scene:
        """Render one scene of `size` pixels."""
        ...


class Harmoniser(Protocol):
    """A low-strength img2img pass that blends pasted avatars into a scene."""

    def harmonise(self, image: Image.Image, *, seed: int, strength: float, prompt: str = "") -> Image.Image:
        """The image blended, at its own size."""
        ...
