"""Offline avatar cut-out: alpha, real MediaPipe segmentation, a tiny transformers model, sticker fallbacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generators.images.cutout import AvatarCutout, CutoutOutput, describe_chain

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ASTRONAUT = FIXTURES / "photos" / "astronaut.png"
FACE_CENTRE = (225, 115)  # the astronaut's face, in the fixture's pixels
BACKDROP = (490, 30)  # grey studio backdrop, top right


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    if not ASTRONAUT.is_file():
        pytest.skip(f"shared fixture missing: {ASTRONAUT}")
    return Image.open(ASTRONAUT).convert("RGB")


@pytest.fixture(scope="module")
def cutter() -> AvatarCutout:
    pytest.importorskip("mediapipe")
    pytest.importorskip("cv2")
    cut = AvatarCutout.from_pretrained()
    assert "mediapipe" in cut.methods and "sticker-face" in cut.methods, cut.notes
    return cut


def gradient(w: int = 400, h: int = 300) -> Image.Image:
    x = np.linspace(0, 255, w).astype(np.uint8)
    return Image.fromarray(
        np.dstack([np.tile(x, (h, 1)), np.tile(x[::-1], (h, 1)), np.full((h, w), 90, np.uint8)])
    )


def to_output(out: CutoutOutput, point: tuple[int, int]) -> tuple[int, int]:
    """Map a point of the input picture into the padded output image."""
    bw = out.subject_box[2] - out.subject_box[0]
    pad = (out.image.width - bw) // 2
    return point[0] - out.subject_box[0] + pad, point[1] - out.subject_box[1] + pad


def alpha_at(out: CutoutOutput, xy: tuple[int, int]) -> int:
    return out.image.getpixel(xy)[3]


def test_mediapipe_cuts_out_the_astronaut(cutter: AvatarCutout, astronaut: Image.Image) -> None:
    out = cutter(astronaut)
    assert out.method == "mediapipe"
    assert out.image.mode == "RGBA"
    w, h = out.image.size
    for corner in ((0, 0), (w - 1, 0)):
        assert alpha_at(out, corner) == 0
    face = to_output(out, FACE_CENTRE)
    assert alpha_at(out, face) == 255
    assert out.image.getpixel(face)[:3] == astronaut.getpixel(FACE_CENTRE)  # real pixels, not a drawing
    assert alpha_at(out, to_output(out, BACKDROP)) == 0
    assert alpha_at(out, (w // 2, h // 2)) > 0
    coverage = (np.asarray(out.image.getchannel("A")) > 128).mean()
    assert 0.3 < coverage < 0.95
    left, top, right, bottom = out.subject_box
    assert right - left > 300 and bottom - top > 400  # the whole person, not just the face


def test_cut_out_has_a_white_outline(cutter: AvatarCutout, astronaut: Image.Image) -> None:
    out = cutter(astronaut)
    arr = np.asarray(out.image)
    rim = (arr[..., 3] > 200) & (arr[..., :3].min(axis=2) >= 250)
    # White opaque pixels sit just outside the subject along the top edge of the head.
    col = to_output(out, FACE_CENTRE)[0]
    first = int(np.argmax(arr[:, col, 3] > 200))
    assert rim[first, col]


def test_same_picture_same_result(cutter: AvatarCutout, astronaut: Image.Image) -> None:
    a, b = cutter(astronaut), cutter(astronaut)
    assert a.subject_box == b.subject_box and a.image.tobytes() == b.image.tobytes()


def test_large_picture_reports_box_in_its_own_pixels(cutter: AvatarCutout, astronaut: Image.Image) -> None:
    big = astronaut.resize((1536, 1536))
    small, large = cutter(astronaut), cutter(big)
    assert large.method == "mediapipe"
    assert max(large.image.size) <= 1024 + 40
    for s, b in zip(small.subject_box, large.subject_box, strict=True):
        assert abs(b - 3 * s) <= 12


def test_rgba_with_transparency_takes_the_alpha_path(cutter: AvatarCutout) -> None:
    im = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((50, 80, 250, 280), fill=(30, 120, 220, 255))
    out = cutter(im)
    assert out.method == "alpha"
    assert out.subject_box == (50, 80, 251, 281)
    centre = to_output(out, (150, 180))
    assert out.image.getpixel(centre) == (30, 120, 220, 255)
    outside = to_output(out, (150, 78))  # two pixels above the disc: the white outline
    r, g, b, a = out.image.getpixel(outside)
    assert a > 128 and min(r, g, b) > 240
    assert alpha_at(out, (0, 0)) == 0


def test_opaque_rgba_is_segmented_not_alpha(cutter: AvatarCutout, astronaut: Image.Image) -> None:
    out = cutter(astronaut.convert("RGBA"))
    assert out.method == "mediapipe"


def test_no_person_gives_a_centre_sticker(cutter: AvatarCutout) -> None:
    out = cutter(gradient())
    assert out.method == "sticker-centre"
    assert out.subject_box == (65, 15, 335, 285)
    w, h = out.image.size
    assert w == h
    assert alpha_at(out, (0, 0)) == 0 and alpha_at(out, (w - 1, h - 1)) == 0
    assert alpha_at(out, (w // 2, h // 2)) == 255
    arr = np.asarray(out.image)
    row = arr[h // 2]
    edge = int(np.argmax(row[:, 3] > 200))
    assert row[edge + 1, :3].min() > 240  # the white rim comes first


def test_sticker_around_the_face_without_segmentation(cutter: AvatarCutout, astronaut: Image.Image) -> None:
    faces_only = AvatarCutout(face_cascade=cutter.face_cascade)
    out = faces_only(astronaut)
    assert out.method == "sticker-face"
    left, top, right, bottom = out.subject_box
    assert left < FACE_CENTRE[0] < right and top < FACE_CENTRE[1] < bottom
    assert right - left < astronaut.width  # cropped around the face, not the whole picture
    assert alpha_at(out, (0, 0)) == 0


def test_bare_chain_still_makes_a_sticker(astronaut: Image.Image) -> None:
    out = AvatarCutout()(astronaut)
    assert out.method == "sticker-centre"
    assert out.image.mode == "RGBA"


def test_describe_chain_lists_every_step() -> None:
    rows = describe_chain()
    assert [r[0] for r in rows] == ["alpha", "transformers", "mediapipe", "sticker-face", "sticker-centre"]
    assert rows[1][1] is False and "not set" in rows[1][2]
    assert rows[-1][1] is True
    configured = describe_chain("some/segformer")
    assert configured[1][1] is True and "some/segformer" in configured[1][2]


def test_broken_segmentation_model_is_skipped_with_a_reason(astronaut: Image.Image, tmp_path: Path) -> None:
    pytest.importorskip("mediapipe")
    cut = AvatarCutout.from_pretrained(segmentation_model=str(tmp_path / "nope"))
    assert "transformers" not in cut.methods
    assert "did not load" in cut.notes["transformers"]
    assert cut(astronaut).method == "mediapipe"
    cut.close()
    assert "mediapipe" not in cut.methods
    assert cut(astronaut).method == "sticker-face"


def test_transformers_segmentation_model(astronaut: Image.Image, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("mediapipe")
    from transformers import SegformerConfig, SegformerForSemanticSegmentation, SegformerImageProcessor

    torch.manual_seed(0)
    config = SegformerConfig(
        num_encoder_blocks=1,
        depths=[1],
        sr_ratios=[1],
        hidden_sizes=[8],
        patch_sizes=[7],
        strides=[4],
        num_attention_heads=[1],
        mlp_ratios=[2],
        decoder_hidden_size=8,
        num_labels=2,
        id2label={0: "background", 1: "person"},
        label2id={"background": 0, "person": 1},
    )
    model = SegformerForSemanticSegmentation(config)
    head = model.decode_head.classifier
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(torch.tensor([0.0, 5.0]))  # every pixel is "person"
    model.save_pretrained(tmp_path)
    SegformerImageProcessor(size={"height": 64, "width": 64}).save_pretrained(tmp_path)

    cut = AvatarCutout.from_pretrained(segmentation_model=str(tmp_path))
    assert cut.methods[:3] == ["alpha", "transformers", "mediapipe"]
    out = cut(astronaut)
    assert out.method == "transformers"
    assert out.subject_box == (0, 0, 512, 512)

    loaded_head = cut.hf_segmenter.model.decode_head.classifier
    with torch.no_grad():
        loaded_head.bias.copy_(torch.tensor([5.0, 0.0]))  # now nothing is "person": fall through
    assert cut(astronaut).method == "mediapipe"
