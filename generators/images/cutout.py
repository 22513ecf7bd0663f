"""Offline avatar cut-out: own alpha, then person segmentation, then a round sticker crop."""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

log = logging.getLogger(__name__)

METHODS = ("alpha", "transformers", "mediapipe", "sticker-face", "sticker-centre")
MAX_SIDE = 1024
MIN_SUBJECT = 0.02  # a mask covering less than 2% of the picture means "no person here"
_PERSON_LABEL = re.compile(r"person|human|people|man|woman|boy|girl|child|foreground", re.I)
_CASCADE = "haarcascade_frontalface_default.xml"

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class CutoutOutput:
    """A cut-out avatar: RGBA with a transparent surround, how it was made, where the subject was."""

    image: Image.Image
    method: str
    subject_box: Box  # (left, top, right, bottom) in the input picture's pixels


def _mediapipe_model_dir() -> Path | None:
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "modules" / "selfie_segmentation"


def _cascade_path() -> Path | None:
    spec = importlib.util.find_spec("cv2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / _CASCADE
    return path if path.is_file() else None


def describe_chain(segmentation_model: str | None = None) -> list[tuple[str, bool, str]]:
    """The cut-out chain in order as (name, available, reason), for `avatar-bot doctor`; loads nothing."""
    rows: list[tuple[str, bool, str]] = [("alpha", True, "pictures with their own transparency")]
    model = segmentation_model
    if not model:
        rows.append(("transformers", False, "SEGMENTATION_MODEL not set"))
    elif importlib.util.find_spec("transformers") is None:
        rows.append(("transformers", False, f"{model} configured but transformers is not installed"))
    else:
        rows.append(("transformers", True, f"{model} (loaded at first upload; skipped if it fails)"))
    mp_dir = _mediapipe_model_dir()
    if mp_dir is None:
        rows.append(("mediapipe", False, "mediapipe not installed (pip install '.[segment]')"))
    elif not (mp_dir / "selfie_segmentation.tflite").is_file():
        rows.append(("mediapipe", False, "mediapipe has no bundled selfie_segmentation.tflite (use 0.10.21)"))
    else:
        rows.append(("mediapipe", True, "selfie segmentation, bundled model"))
    cascade = _cascade_path()
    rows.append(
        ("sticker-face", cascade is not None, "OpenCV Haar frontal face" if cascade else "no OpenCV cascades")
    )
    rows.append(("sticker-centre", True, "round crop of the centre, always available"))
    return rows


# ---------------------------------------------------------------------------------------------- helpers
def _scaled(image: Image.Image) -> Image.Image:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    if max(image.size) > MAX_SIDE:
        image = image.copy()
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def _meaningful_alpha(image: Image.Image) -> bool:
    if image.mode != "RGBA":
        return False
    a = np.asarray(image.getchannel("A"))
    return bool((a < 128).mean() >= 0.01 and (a >= 128).mean() >= MIN_SUBJECT)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for the segmenters; transparent areas become white instead of undefined colour."""
    if image.mode == "RGB":
        return image
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")


def _outline_width(size: tuple[int, int]) -> int:
    return max(2, round(max(size) / 160))


def add_outline(rgba: Image.Image, width: int) -> Image.Image:
    """Pad by `width` and put a soft white outline of that width around the opaque shape."""
    pad = width + 2
    canvas = Image.new("RGBA", (rgba.width + 2 * pad, rgba.height + 2 * pad), (255, 255, 255, 0))
    alpha = Image.new("L", canvas.size, 0)
    alpha.paste(rgba.getchannel("A"), (pad, pad))
    grown = alpha.point(lambda v: 255 if v >= 96 else 0)
    for _ in range((width + 2) // 3):  # repeated 7x7 max filters: a roundish dilation, cheap in C
        grown = grown.filter(ImageFilter.MaxFilter(7 if width >= 3 else 5))
    grown = grown.filter(ImageFilter.GaussianBlur(0.8))
    canvas.putalpha(grown)
    subject = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    subject.paste(rgba, (pad, pad))
    return Image.alpha_composite(canvas, subject)


def refine_mask(soft: np.ndarray) -> np.ndarray | None:
    """Threshold, clean, keep the largest person blob and feather it; None when nearly empty."""
    import cv2

    h, w = soft.shape
    hard = (soft > 0.5).astype(np.uint8)
    if hard.mean() < MIN_SUBJECT:
        return None
    k = max(3, (min(h, w) // 150) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    hard = cv2.morphologyEx(hard, cv2.MORPH_OPEN, kernel)
    hard = cv2.morphologyEx(hard, cv2.MORPH_CLOSE, kernel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(hard, connectivity=8)
    if n <= 1:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    keep = (labels == largest).astype(np.uint8)
    if keep.mean() < MIN_SUBJECT:
        return None
    # Fill small enclosed holes (segmentation speckle), not large ones like the gap of an arm on a hip.
    n_bg, bg_labels, bg_stats, _ = cv2.connectedComponentsWithStats(1 - keep, connectivity=4)
    border = set(np.unique(np.concatenate([bg_labels[0], bg_labels[-1], bg_labels[:, 0], bg_labels[:, -1]])))
    for lab in range(1, n_bg):
        if lab not in border and bg_stats[lab, cv2.CC_STAT_AREA] < 0.01 * h * w:
            keep[bg_labels == lab] = 1
    sigma = max(0.8, max(h, w) / 500)
    feathered = cv2.GaussianBlur(keep.astype(np.float32), (0, 0), sigma)
    return np.clip(feathered * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _crop_to_subject(image: Image.Image, alpha: np.ndarray) -> tuple[Image.Image, Box]:
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.fromarray(alpha))
    ys, xs = np.nonzero(alpha > 8)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return rgba.crop(box), box


# ---------------------------------------------------------------------------------------------- pipeline
class AvatarCutout:
    """Cuts a person out of a picture offline, falling back to a round sticker crop."""

    def __init__(
        self,
        *,
        selfie_segmenter: Any = None,
        hf_segmenter: Any = None,
        face_cascade: Any = None,
        notes: dict[str, str] | None = None,
    ) -> None:
        self.selfie_segmenter = selfie_segmenter  # mediapipe SelfieSegmentation (has .process(rgb))
        self.hf_segmenter = hf_segmenter  # transformers image-segmentation pipeline
        self.face_cascade = face_cascade  # cv2.CascadeClassifier
        self.notes = dict(notes or {})  # why a step is missing
        self._lock = threading.Lock()  # the mediapipe graph is not safe to share between threads

    @classmethod
    def from_pretrained(
        cls, *, segmentation_model: str | None = None, device: str = "cpu", model_selection: int = 0
    ) -> AvatarCutout:
        """Load every segmenter available offline; each missing one is skipped with a logged reason."""
        notes: dict[str, str] = {}
        hf = None
        model = segmentation_model
        if model:
            try:
                from transformers import pipeline

                hf = pipeline("image-segmentation", model=model, device=device)
            except Exception as exc:
                notes["transformers"] = f"{model} did not load: {type(exc).__name__}: {str(exc)[:200]}"
                log.warning("cut-out: skipping segmentation model: %s", notes["transformers"])
        else:
            notes["transformers"] = "no segmentation model configured"
        selfie = None
        try:
            import mediapipe as mp  # slow import (~1 s), so only here

            selfie = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=model_selection)
        except Exception as exc:
            notes["mediapipe"] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
            log.warning("cut-out: skipping mediapipe: %s", notes["mediapipe"])
        cascade = None
        try:
            import cv2

            cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / _CASCADE))
            if cascade.empty():
                raise OSError("cascade file missing")
        except Exception as exc:
            cascade = None
            notes["sticker-face"] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
            log.warning("cut-out: no face detection: %s", notes["sticker-face"])
        return cls(selfie_segmenter=selfie, hf_segmenter=hf, face_cascade=cascade, notes=notes)

    @property
    def methods(self) -> list[str]:
        """The steps this instance will try, in order."""
        steps = ["alpha"]
        steps += ["transformers"] if self.hf_segmenter is not None else []
        steps += ["mediapipe"] if self.selfie_segmenter is not None else []
        steps += ["sticker-face"] if self.face_cascade is not None else []
        return steps + ["sticker-centre"]

    def close(self) -> None:
        """Release the MediaPipe graph (the other components need no cleanup)."""
        if self.selfie_segmenter is not None and hasattr(self.selfie_segmenter, "close"):
            with self._lock:
                self.selfie_segmenter.close()
                self.selfie_segmenter = None

    def __call__(self, image: Image.Image) -> CutoutOutput:
        """Cut the subject out; deterministic for the same picture."""
        original = image.size
        image = _scaled(image)
        scale = original[0] / image.width
        out = self._cut(image)
        if scale != 1.0:
            box = tuple(round(v * scale) for v in out.subject_box)
            out = CutoutOutput(out.image, out.method, box)  # type: ignore[arg-type]
        return out

    def _cut(self, image: Image.Image) -> CutoutOutput:
        if _meaningful_alpha(image):
            alpha = np.asarray(image.getchannel("A"))
            crop, box = _crop_to_subject(image, alpha)
            return CutoutOutput(add_outline(crop, _outline_width(crop.size)), "alpha", box)
        rgb = _flatten(image)
        for method, segment in (("transformers", self._segment_hf), ("mediapipe", self._segment_mediapipe)):
            try:
                soft = segment(rgb)
                alpha = refine_mask(soft) if soft is not None else None
            except Exception:
                log.exception("cut-out: %s failed; trying the next step", method)
                continue
            if alpha is not None:
                crop, box = _crop_to_subject(rgb, alpha)
                return CutoutOutput(add_outline(crop, _outline_width(crop.size)), method, box)
        return self._sticker(rgb)

    def _segment_mediapipe(self, rgb: Image.Image) -> np.ndarray | None:
        if self.selfie_segmenter is None:
            return None
        arr = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
        with self._lock:
            result = self.selfie_segmenter.process(arr)
        mask = getattr(result, "segmentation_mask", None)
        return None if mask is None else np.asarray(mask, dtype=np.float32)

    def _segment_hf(self, rgb: Image.Image) -> np.ndarray | None:
        if self.hf_segmenter is None:
            return None
        with self._lock:
            segments = self.hf_segmenter(rgb)
        soft = np.zeros((rgb.height, rgb.width), dtype=np.float32)
        for seg in segments:
            if seg.get("label") and _PERSON_LABEL.search(str(seg["label"])):
                mask = seg["mask"]
                if mask.size != rgb.size:
                    mask = mask.resize(rgb.size, Image.Resampling.BILINEAR)
                soft = np.maximum(soft, np.asarray(mask.convert("L"), dtype=np.float32) / 255.0)
        return soft

    def _find_face(self, rgb: Image.Image) -> Box | None:
        if self.face_cascade is None:
            return None
        import cv2

        small = rgb.copy()
        small.thumbnail((512, 512))
        k = rgb.width / small.width
        grey = cv2.equalizeHist(np.asarray(small.convert("L")))
        side = max(24, min(small.size) // 12)
        with self._lock:
            faces = self.face_cascade.detectMultiScale(
                grey, scaleFactor=1.1, minNeighbors=5, minSize=(side, side)
            )
        if len(faces) == 0:
            return None
        x, y, w, h = max((tuple(int(v) for v in f) for f in faces), key=lambda f: f[2] * f[3])
        return round(x * k), round(y * k), round((x + w) * k), round((y + h) * k)

    def _sticker(self, rgb: Image.Image) -> CutoutOutput:
        w, h = rgb.size
        face = self._find_face(rgb)
        if face is not None:
            fw, fh = face[2] - face[0], face[3] - face[1]
            cx, cy = (face[0] + face[2]) / 2, (face[1] + face[3]) / 2 + 0.2 * fh  # include chin and shoulders
            r = 1.25 * max(fw, fh)
            method = "sticker-face"
        else:
            cx, cy, r = w / 2, h / 2, 0.45 * min(w, h)
            method = "sticker-centre"
        r = max(4.0, min(r, w / 2, h / 2))
        cx, cy = min(max(cx, r), w - r), min(max(cy, r), h - r)
        box = (round(cx - r), round(cy - r), round(cx + r), round(cy + r))
        return CutoutOutput(round_sticker(rgb.crop(box)), method, box)


def round_sticker(square: Image.Image) -> Image.Image:
    """A circular crop with a white rim and a subtle drop shadow, on a transparent canvas."""
    side = min(square.size)
    square = square.resize((side, side)) if square.size != (side, side) else square
    rim = max(3, round(side / 40))
    shadow_blur = max(2, round(side / 60))
    pad = rim + 2 * shadow_blur + 2
    total = side + 2 * pad

    def disc(diameter: int, inset: int) -> Image.Image:
        big = Image.new("L", (total * 4, total * 4), 0)
        ImageDraw.Draw(big).ellipse(
            (inset * 4, inset * 4, (inset + diameter) * 4 - 1, (inset + diameter) * 4 - 1), fill=255
        )
        return big.resize((total, total), Image.Resampling.LANCZOS)

    outer = disc(side + 2 * rim, pad - rim)
    inner = disc(side, pad)
    canvas = Image.new("RGBA", (total, total), (0, 0, 0, 0))
    shadow = Image.new("RGBA", (total, total), (0, 0, 0, 0))
    shadow_alpha = Image.new("L", (total, total), 0)
    shadow_alpha.paste(outer, (0, max(1, shadow_blur // 2)))
    shadow_alpha = shadow_alpha.filter(ImageFilter.GaussianBlur(shadow_blur)).point(lambda v: v * 35 // 100)
    shadow.putalpha(shadow_alpha)
    canvas = Image.alpha_composite(canvas, shadow)
    white = Image.new("RGBA", (total, total), (255, 255, 255, 0))
    white.putalpha(outer)
    canvas = Image.alpha_composite(canvas, white)
    photo = Image.new("RGBA", (total, total), (0, 0, 0, 0))
    photo.paste(square.convert("RGBA"), (pad, pad))
    photo.putalpha(inner)
    return Image.alpha_composite(canvas, photo)
