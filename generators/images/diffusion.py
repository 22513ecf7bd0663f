"""Landmark scenes from a diffusers text-to-image model, plus a low-strength img2img harmonising pass."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from generators.images.generic import kind_of as generic_kind
from generators.images.generic.prompt import generic_prompt_parts
from generators.images.postcard import country_label
from generators.images.scene import Box, Scene
from generators.images.sky import SceneLight
from generators.landmarks import Landmark

if TYPE_CHECKING:
    import torch
    from diffusers import DiffusionPipeline

log = logging.getLogger(__name__)

TIME_PHRASES = {
    "dawn": "at dawn, soft pink and orange sunrise light, long shadows",
    "day": "in bright daylight, clear blue sky",
    "dusk": "at dusk, golden hour, warm sunset glow",
    "night": "at night, illuminated, deep blue night sky, city lights",
}
STYLE_PHRASES = {
    "illustration": "illustration, travel poster style, clean shapes",
    "watercolor": "watercolor painting, soft washes, paper texture",
    "photo": "photo, realistic, 35mm, natural colours",
    "anime": "anime background art, vibrant, detailed",
    "pixel": "pixel art, retro game scenery",
    "oil": "oil painting, visible brush strokes",
}
DEFAULT_STYLE = "digital illustration, travel postcard style, vibrant colours"
NEGATIVE = (
    "text, letters, watermark, logo, signature, frame, border, people, crowd, person in foreground, "
    "blurry, lowres, deformed, distorted, jpeg artifacts"
)


class DiffusionLoadError(RuntimeError):
    """The configured image model could not be loaded; `reason` says why (the caller falls back)."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"image model {model!r} did not load: {reason}")


def round_size(size: int | tuple[int, int], multiple: int) -> tuple[int, int]:
    """(width, height) rounded to the nearest multiple of `multiple` (at least one multiple)."""
    w, h = (size, size) if isinstance(size, int) else size
    return tuple(max(multiple, round(v / multiple) * multiple) for v in (w, h))  # type: ignore[return-value]


def estimate_light(image: Image.Image, time_of_day: str) -> SceneLight:
    """Tint, brightness and light direction from the image's mean colour and left/right balance."""
    small = np.asarray(image.convert("RGB").resize((32, 32), Image.Resampling.BILINEAR), dtype=np.float32)
    mean = small.reshape(-1, 3).mean(axis=0)
    luma = small @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    brightness = float(np.clip(luma.mean() / 255.0, 0.0, 1.0))
    # Tint: the mean colour normalised to full scale, pulled halfway to white so it never paints avatars.
    peak = max(float(mean.max()), 1.0)
    tint = tuple(int(round(255 * (0.5 + 0.5 * c / peak))) for c in mean)
    upper = luma[:20]
    left, right = float(upper[:, :16].mean()), float(upper[:, 16:].mean())
    direction = float(np.clip(3.0 * (right - left) / max(right + left, 1.0), -1.0, 1.0))
    is_night = time_of_day == "night" or brightness < 0.22
    return SceneLight(tint=tint, brightness=brightness, direction=direction, is_night=is_night)  # type: ignore[arg-type]


def estimate_landmark_box(image: Image.Image, ground_y: int) -> Box:
    """The landmark's likely box: the upper central window with the most edge energy, centre-weighted."""
    w, h = image.size
    n = 64
    gray = np.asarray(image.convert("L").resize((n, n), Image.Resampling.BILINEAR), dtype=np.float32)
    gy, gx = np.gradient(gray)
    energy = np.hypot(gx, gy)
    ground_row = max(2, min(n, int(n * ground_y / h)))
    energy = energy[:ground_row]
    cols = energy.sum(axis=0)
    xs = np.arange(n)
    cols = cols * np.exp(-(((xs - n / 2) / (n * 0.3)) ** 2)) + 1e-6
    win = int(n * 0.42)
    sums = np.convolve(cols, np.ones(win), mode="valid")
    x0 = int(np.argmax(sums))
    rows = energy[:, x0 : x0 + win].mean(axis=1)
    active = np.nonzero(rows > rows.mean() * 0.6)[0]
    top = int(active[0]) if active.size else int(n * 0.1)
    top = min(max(top, int(n * 0.05)), int(n * 0.4))
    box = (x0 * w // n, top * h // n, min(w, (x0 + win) * w // n), ground_y)
    return box


def free_zones_beside(box: Box, size: tuple[int, int], ground_y: int) -> list[Box]:
    """Foreground zones left and right of the landmark box, from mid-height to the bottom."""
    w, h = size
    top = max(0, ground_y - int(h * 0.5))
    zones = []
    if box[0] > w * 0.08:
        zones.append((0, top, box[0], h))
    if box[2] < w * 0.92:
        zones.append((box[2], top, w, h))
    return zones


def _dtype_keyword() -> str:
    """diffusers renamed `torch_dtype` to `dtype` (the old name warns); use whichever this version takes."""
    try:
        from diffusers.utils import deprecation_utils
    except ImportError:
        return "torch_dtype"
    return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"


class DiffusionScenePipeline:
    """A text-to-image pipeline for landmark scenes and an img2img pipeline sharing its weights."""

    name = "diffusers"

    def __init__(
        self,
        text2img: DiffusionPipeline,
        img2img: DiffusionPipeline,
        *,
        device: str = "cpu",
        steps: int = 20,
        guidance: float = 7.0,
    ) -> None:
        self.text2img = text2img
        self.img2img = img2img
        self.device = device
        self.steps = steps
        self.guidance = guidance
        for pipe in (text2img, img2img):
            if hasattr(pipe, "set_progress_bar_config"):
                pipe.set_progress_bar_config(disable=True)
        self.size_multiple = max(8, int(getattr(text2img, "vae_scale_factor", 8) or 8))
        self.has_safety_checker = getattr(text2img, "safety_checker", None) is not None

    @classmethod
    def from_pretrained(
        cls,
        model_id_or_path: str,
        *,
        device: str = "cpu",
        steps: int = 20,
        torch_dtype: torch.dtype | None = None,
    ) -> DiffusionScenePipeline:
        """Load a diffusers model once (text2img) and derive img2img from it; DiffusionLoadError on failure."""
        model = str(model_id_or_path)
        local = Path(model).expanduser()
        if model.startswith(("/", ".", "~")) or local.is_dir():
            if not local.is_dir():
                raise DiffusionLoadError(model, "no such directory")
            if not (local / "model_index.json").is_file():
                raise DiffusionLoadError(model, "not a diffusers model folder (no model_index.json)")
            model = str(local)
        try:
            import torch
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForText2Image
        except ImportError as exc:
            raise DiffusionLoadError(str(model_id_or_path), f"diffusers/torch not installed ({exc})") from exc
        kwargs: dict[str, Any] = {_dtype_keyword(): torch_dtype or torch.float32}
        try:
            # The model's own safety checker stays; a model without one simply loads with None.
            text2img = AutoPipelineForText2Image.from_pretrained(model, **kwargs)
            img2img = AutoPipelineForImage2Image.from_pipe(text2img)
            text2img.to(device)
            img2img.to(device)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:240]
            raise DiffusionLoadError(str(model_id_or_path), reason) from exc
        return cls(text2img, img2img, device=device, steps=steps)

    def build_prompt(
        self,
        landmark: Landmark,
        *,
        time_of_day: str,
        style: str | None = None,
        caption_style: str = "",
        now_utc: datetime | None = None,
    ) -> tuple[str, str]:
        """(prompt, negative prompt) for a landmark at a time of day in a style.

        A generic place (no drawn landmark) is described by its name, country, continent, kind of
        scenery, and, given `now_utc`, its season and local hour.
        """
        kind = generic_kind(tuple(getattr(landmark, "shapes", ()) or ()))
        if kind:
            country = country_label(landmark, "en")
            parts = generic_prompt_parts(
                landmark, kind, time_of_day=time_of_day, country=country, now_utc=now_utc
            )
        else:
            desc = (getattr(landmark, "description", "") or landmark.name("en")).strip().rstrip(".")
            parts = [desc, TIME_PHRASES.get(time_of_day, TIME_PHRASES["day"])]
        if style:
            phrase = STYLE_PHRASES.get(style.lower().strip())
            parts.append(f"{style} style, {phrase}" if phrase else f"{style} style")
        else:
            parts.append(DEFAULT_STYLE)
        if caption_style.strip():
            parts.append(f"{caption_style.strip()} mood")
        parts.append("wide shot, empty foreground")
        return ", ".join(parts), NEGATIVE

    def _generator(self, seed: int) -> torch.Generator:
        import torch

        dev = self.device if str(self.device).startswith("cuda") else "cpu"
        return torch.Generator(dev).manual_seed(int(seed))

    def __call__(
        self,
        landmark: Landmark,
        *,
        now_utc: datetime,
        seed: int,
        size: int | tuple[int, int],
        style: str | None = None,
        caption_style: str = "",
        steps: int | None = None,
        guidance: float | None = None,
    ) -> Scene:
        """Generate the landmark scene; the same seed gives the same image (steps/guidance: this call only)."""
        tod = landmark.time_of_day(now_utc)
        prompt, negative = self.build_prompt(
            landmark, time_of_day=tod, style=style, caption_style=caption_style, now_utc=now_utc
        )
        width, height = round_size(size, self.size_multiple)
        result = self.text2img(
            prompt=prompt,
            negative_prompt=negative,
            width=width,
            height=height,
            num_inference_steps=max(1, int(self.steps if steps is None else steps)),
            guidance_scale=self.guidance if guidance is None else guidance,
            generator=self._generator(seed),
            output_type="pil",
        )
        image = result.images[0].convert("RGB")
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        ground_y = int(height * 0.82)
        box = estimate_landmark_box(image, ground_y)
        return Scene(
            image=image,
            landmark_box=box,
            ground_y=ground_y,
            light=estimate_light(image, tod),
            time_of_day=tod,
            renderer=self.name,
            free_zones=free_zones_beside(box, image.size, ground_y),
            prompt=prompt,
            negative_prompt=negative,
            seed=seed,
        )

    def harmonise(
        self,
        image: Image.Image,
        *,
        seed: int,
        strength: float = 0.25,
        prompt: str = "",
        steps: int | None = None,
    ) -> Image.Image:
        """A low-strength img2img pass that blends pasted avatars into the scene; keeps the size."""
        size = image.size
        strength = float(min(max(strength, 0.01), 1.0))
        # img2img runs int(steps * strength) steps; make sure at least one happens.
        steps = max(int(self.steps if steps is None else steps), math.ceil(1 / strength))
        work = image.convert("RGB")
        rounded = round_size(size, self.size_multiple)
        if rounded != size:
            work = work.resize(rounded, Image.Resampling.LANCZOS)
        result = self.img2img(
            prompt=prompt or "a travel postcard scene",
            negative_prompt=NEGATIVE,
            image=work,
            strength=strength,
            num_inference_steps=steps,
            generator=self._generator(seed),
            output_type="pil",
        )
        out = result.images[0].convert("RGB")
        return out if out.size == size else out.resize(size, Image.Resampling.LANCZOS)
