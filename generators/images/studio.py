"""The image studio: every image maker the adventures use, built once and handed to the feature."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from generators.images.options import ImageOptions

if TYPE_CHECKING:  # the component modules pull in numpy and friends; import them when building
    from PIL import Image

    from generators.images.cartoon import CartoonAvatarGenerator, CartoonOutput
    from generators.images.cutout import AvatarCutout, CutoutOutput
    from generators.images.motion import MotionMaker, MotionOutput
    from generators.images.scenes import AdventureImage, SceneMaker
    from generators.landmarks import Landmark

T = TypeVar("T")


class Lazy(Generic[T]):
    """A component loaded by `load` on first use, once, safely across worker threads.

    The studio's only lazy loading: mediapipe and diffusers cost seconds, which start-up should not pay.
    """

    def __init__(self, load: Callable[[], T]) -> None:
        self._load: Callable[[], T] | None = load
        self._value: T | None = None
        self._lock = threading.Lock()

    @classmethod
    def built(cls, value: T) -> Lazy[T]:
        """A component that is already built."""
        lazy: Lazy[T] = cls(lambda: value)
        lazy.get()
        return lazy

    @property
    def loaded(self) -> bool:
        """True once the component exists."""
        return self._load is None

    def get(self) -> T:
        """The component, loading it on the first call."""
        with self._lock:
            if self._load is not None:
                self._value = self._load()
                self._load = None
            return self._value  # type: ignore[return-value]


class ImageStudio:
    """Scenes and postcards, avatar cut-outs and cartoon avatars, from components built by the caller."""

    def __init__(
        self,
        *,
        scenes: SceneMaker | Lazy[SceneMaker],
        cutout: AvatarCutout | Lazy[AvatarCutout],
        cartoon: CartoonAvatarGenerator | Lazy[CartoonAvatarGenerator],
        motion: MotionMaker | Lazy[MotionMaker] | None = None,
    ) -> None:
        self._scenes = scenes if isinstance(scenes, Lazy) else Lazy.built(scenes)
        self._cutout = cutout if isinstance(cutout, Lazy) else Lazy.built(cutout)
        self._cartoon = cartoon if isinstance(cartoon, Lazy) else Lazy.built(cartoon)
        if motion is None:  # loops of the same scenes; the encoder is chosen on first use

            def make_motion() -> MotionMaker:
                from generators.images.motion import MotionMaker

                return MotionMaker.from_scenes(self.scenes)

            motion = Lazy(make_motion)
        self._motion = motion if isinstance(motion, Lazy) else Lazy.built(motion)

    @classmethod
    def from_options(cls, options: ImageOptions) -> ImageStudio:
        """The only place image models are loaded: diffusers when a model is set, the offline renderer
        otherwise. Each component is imported and loaded on first use, so start-up pays for none."""

        def scenes() -> SceneMaker:
            from generators.images.scenes import SceneMaker

            return SceneMaker.from_options(options)

        def cutout() -> AvatarCutout:
            from generators.images.cutout import AvatarCutout

            return AvatarCutout.from_pretrained(
                segmentation_model=options.segmentation_model, device=options.device
            )

        def cartoon() -> CartoonAvatarGenerator:
            from generators.images.cartoon import CartoonAvatarGenerator

            return CartoonAvatarGenerator.from_pretrained()

        return cls(scenes=Lazy(scenes), cutout=Lazy(cutout), cartoon=Lazy(cartoon))

    @property
    def loaded(self) -> frozenset[str]:
        """Which components ("scenes", "cutout", "cartoon", "motion") exist so far."""
        parts = {
            "scenes": self._scenes,
            "cutout": self._cutout,
            "cartoon": self._cartoon,
            "motion": self._motion,
        }
        return frozenset(name for name, part in parts.items() if part.loaded)

    @property
    def scenes(self) -> SceneMaker:
        """The postcard maker (loads the scene model on first use)."""
        return self._scenes.get()

    def postcard(
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
        """One postcard of the avatars at the landmark; deterministic for its arguments."""
        return self.scenes(
            landmark,
            avatars,
            now_utc=now_utc,
            seed=seed,
            fmt=fmt,
            lang=lang,
            out_path=out_path,
            style=style,
            caption_style=caption_style,
        )

    @property
    def motion_suffix(self) -> str:
        """The suffix motion loops are written with: .mp4, or .webp without an H.264 encoder."""
        from generators.images.loops import LoopEncoder

        if self._motion.loaded:
            return self._motion.get().suffix
        return LoopEncoder.detect().suffix

    def motion(
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
    ) -> MotionOutput:
        """A short seamless loop of the postcard with the same arguments (clouds, water, lights, avatars)."""
        return self._motion.get()(
            landmark,
            avatars,
            now_utc=now_utc,
            seed=seed,
            fmt=fmt,
            lang=lang,
            out_path=out_path,
            style=style,
            caption_style=caption_style,
        )

    def postcard_with_loop(
        self,
        landmark: Landmark,
        avatars: list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        loop_path: Path,
        style: str | None = None,
        caption_style: str = "",
    ) -> tuple[AdventureImage, MotionOutput]:
        """The postcard and its motion loop from one rendered scene: the same as `postcard` and then
        `motion` with these arguments, without drawing (or generating) the scene twice."""
        scenes = self.scenes
        made = scenes.compose(
            landmark,
            avatars,
            now_utc=now_utc,
            seed=seed,
            fmt=fmt,
            style=style,
            caption_style=caption_style,
            harmonise=False,  # the loop takes the scene before the img2img pass; the still after it
        )
        same = dict(now_utc=now_utc, seed=seed, fmt=fmt, lang=lang)
        card = scenes.finish(scenes.harmonise(made, seed=seed), landmark, out_path=out_path, **same)
        loop = self._motion.get()(
            landmark,
            avatars,
            out_path=loop_path,
            style=style,
            caption_style=caption_style,
            composed=made,
            **same,
        )
        return card, loop

    def cut_out(self, image: Image.Image) -> CutoutOutput:
        """The person in an uploaded picture on a transparent background (or a round sticker)."""
        return self._cutout.get()(image)

    def cartoon(self, description: str, *, seed: int, size: int = 512) -> CartoonOutput:
        """A cartoon avatar drawn from a description; deterministic for a seed."""
        return self._cartoon.get()(description, seed=seed, size=size)

    def close(self) -> None:
        """Release what the loaded components hold (the MediaPipe graph)."""
        if self._cutout.loaded:
            self._cutout.get().close()
