"""Tiny random-weight Stable Diffusion pipelines built from configs, with a local tokenizer (no hub)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CROSS_ATTENTION_DIM = 32
WORDS = (
    "a photo of the tower bridge city at dawn day dusk night painting illustration watercolor style "
    "landmark sky river street people sunny cloudy blurry ugly text watermark warm light golden hour"
).split()


def _bytes_to_unicode() -> dict[int, str]:
    """The byte -> printable character table that byte-level BPE vocabularies use (GPT-2/CLIP scheme)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    keep += list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def write_tokenizer_files(directory: Path) -> Path:
    """Write a small CLIP BPE vocabulary (bytes, a few whole words) and its merges into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in _bytes_to_unicode().values():
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    merges: list[str] = []
    for word in WORDS:
        # Merge left to right: w+o -> wo, wo+r -> wor, ..., last step carries the end-of-word marker.
        cur = word[0]
        for i, ch in enumerate(word[1:], start=1):
            nxt = ch + ("</w>" if i == len(word) - 1 else "")
            merge = f"{cur} {nxt}"
            if merge not in merges:
                merges.append(merge)
            cur = cur + nxt
            vocab.setdefault(cur, len(vocab))
    (directory / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (directory / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return directory


def build_tiny_pipeline(tokenizer_dir: Path | None = None):  # -> StableDiffusionPipeline
    """A tiny StableDiffusionPipeline with fixed random weights (torch.manual_seed(0) per component)."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    tok_dir = write_tokenizer_files(tokenizer_dir or Path(tempfile.mkdtemp(prefix="tiny-clip-tok-")))
    tokenizer = CLIPTokenizer.from_pretrained(str(tok_dir), model_max_length=77)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=CROSS_ATTENTION_DIM,
        norm_num_groups=2,
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    torch.manual_seed(0)
    vae = AutoencoderKL(
        block_out_channels=(4, 8),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=2,
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=CROSS_ATTENTION_DIM,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
        )
    )
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def save_tiny_pipeline(directory: Path) -> Path:
    """Build the tiny pipeline and `save_pretrained` it into `directory` (a diffusers model folder)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tiny-clip-tok-") as tok:
        pipe = build_tiny_pipeline(Path(tok))
        pipe.save_pretrained(str(directory))
    return directory


class StandInLandmark:
    """A minimal Landmark-shaped object for image tests (the real catalogue lives in generators/landmarks)."""

    def __init__(
        self,
        id: str = "eiffel-tower",
        names: dict[str, str] | None = None,
        local: str = "Tour Eiffel",
        city: dict[str, str] | None = None,
        country: str = "FR",
        utc_offset_h: int = 1,
        description: str = "the Eiffel Tower, a wrought-iron lattice tower on the Champ de Mars",
        tod: str = "day",
    ) -> None:
        self.id = id
        self.names = names or {"en": "Eiffel Tower", "zh": "埃菲尔铁塔"}
        self.local = local
        self.city = city or {"en": "Paris", "zh": "巴黎"}
        self.country = country
        self.offset = utc_offset_h
        self.description = description
        self.palette = {"accent": "#1f4e79"}
        self.tod = tod

    def name(self, lang: str) -> str:
        return self.names.get(lang, self.names["en"])

    def city_name(self, lang: str) -> str:
        return self.city.get(lang, self.city["en"])

    def local_name(self) -> str:
        return self.local

    def local_time(self, now_utc):  # -> datetime
        from datetime import timedelta

        return now_utc + timedelta(hours=self.offset)

    def time_of_day(self, now_utc) -> str:
        return self.tod


def tiny_studio(*, scenes=None, diffusers: bool = False, size: int = 256):  # -> ImageStudio
    """An ImageStudio from tiny components: the offline renderer (or the tiny random diffusers pipeline),
    a cut-out chain with no segmentation models, and the cartoon maker. `scenes` replaces the scene maker."""
    from generators.images.cartoon import CartoonAvatarGenerator
    from generators.images.cutout import AvatarCutout
    from generators.images.illustrated import IllustratedRenderer
    from generators.images.scenes import SceneMaker
    from generators.images.studio import ImageStudio

    if scenes is None and diffusers:
        from diffusers import AutoPipelineForImage2Image

        from generators.images.diffusion import DiffusionScenePipeline

        text2img = build_tiny_pipeline()
        pipe = DiffusionScenePipeline(text2img, AutoPipelineForImage2Image.from_pipe(text2img), steps=2)
        scenes = SceneMaker(pipe, harmoniser=pipe, size=size)
    elif scenes is None:
        scenes = SceneMaker(IllustratedRenderer(), size=size)
    return ImageStudio(scenes=scenes, cutout=AvatarCutout(), cartoon=CartoonAvatarGenerator())
