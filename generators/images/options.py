"""The plain settings the image generators need, passed in by the bot (generators never read bot settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ImageBackend = Literal["auto", "diffusers", "illustrated"]


@dataclass(frozen=True)
class ImageOptions:
    """Which image path to use and how: IMAGE_* and SEGMENTATION_MODEL settings, as values."""

    model: str | None = None  # a diffusers model id or folder; None draws scenes offline
    backend: ImageBackend = "auto"  # "diffusers" makes a model that fails to load an error
    device: str = "cpu"
    steps: int = 20
    size: int = 1024  # scene width in pixels before framing
    harmonise_strength: float = 0.25
    segmentation_model: str | None = None  # a transformers image-segmentation model for cut-outs
