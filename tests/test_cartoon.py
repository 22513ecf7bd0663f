"""Cartoon avatars: words steer options (en and zh), the seed decides the rest, transparent output."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from generators.images.cartoon import CartoonAvatarGenerator, parse_description

LONG = {
    "long_not_too_long",
    "straight_1",
    "straight_2",
    "straight_strand",
    "loose_hair",
    "big_hair",
    "curvy",
    "curly",
    "curly_2",
    "long_hair_curly",
    "dreads",
    "braids",
    "twist_long_hair",
    "twist_long_hair_2",
}
GLASSES = {"prescription_01", "prescription_02", "round", "wayfarers"}
PINK = "#FF488E"
BROWN_HAIR = "#724133"


@pytest.fixture(scope="module")
def gen() -> CartoonAvatarGenerator:
    return CartoonAvatarGenerator.from_pretrained()


def near(image: Image.Image, hex_colour: str, tol: int = 12) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    arr = np.asarray(image).astype(int)
    return (np.abs(arr[..., :3] - rgb).max(axis=2) <= tol) & (arr[..., 3] > 200)


def test_long_brown_hair_glasses_pink_hoodie(gen: CartoonAvatarGenerator) -> None:
    out = gen("long brown hair, glasses, pink hoodie", seed=7)
    o = out.options
    assert o["top_kind"] == "hair" and o["top"] in LONG
    assert o["hair_color"] == BROWN_HAIR
    assert o["accessory"] in GLASSES
    assert o["clothing"] == "hoodie" and o["clothing_color"] == PINK
    assert o["steered"] == ["accessory", "clothing", "clothing_color", "hair_color", "top"]
    # The pixels agree with the options: a pink hoodie in the lower part, brown hair above it.
    pink = near(out.image, PINK)
    assert pink[384:].mean() > 0.15 and pink[:200].mean() < 0.01
    assert near(out.image, BROWN_HAIR)[:256].mean() > 0.03


@pytest.mark.parametrize("zh", ["长发 眼镜 粉色卫衣", "棕色长发，戴眼镜，穿粉色卫衣"])
def test_chinese_words_steer_the_same_options(gen: CartoonAvatarGenerator, zh: str) -> None:
    o = gen(zh, seed=7).options
    assert o["top"] in LONG and o["accessory"] in GLASSES
    assert o["clothing"] == "hoodie" and o["clothing_color"] == PINK


def test_same_meaning_in_both_languages_draws_the_same_avatar(gen: CartoonAvatarGenerator) -> None:
    en = gen("long brown hair, glasses, pink hoodie", seed=11)
    zh = gen("棕色长发，戴眼镜，穿粉色卫衣", seed=11)
    assert en.options == zh.options
    assert en.image.tobytes() == zh.image.tobytes()


def test_deterministic_per_seed(gen: CartoonAvatarGenerator) -> None:
    a = gen("curly hair, blue shirt", seed=42)
    b = CartoonAvatarGenerator()("curly hair, blue shirt", seed=42)
    assert a.options == b.options
    assert a.image.tobytes() == b.image.tobytes()


def test_different_seeds_differ(gen: CartoonAvatarGenerator) -> None:
    images = {gen("", seed=s).image.tobytes() for s in range(6)}
    assert len(images) >= 5
    steered = [gen("pink hoodie", seed=s).options for s in range(6)]
    assert all(o["clothing"] == "hoodie" and o["clothing_color"] == PINK for o in steered)
    assert len({(o["top"], o["skin_color"], o["hair_color"]) for o in steered}) >= 4


def test_transparent_background(gen: CartoonAvatarGenerator) -> None:
    img = gen("short black hair, white shirt", seed=3, size=512).image
    assert img.mode == "RGBA" and img.size == (512, 512)
    alpha = np.asarray(img.getchannel("A"))
    for y, x in ((0, 0), (0, 511), (5, 256), (300, 2), (300, 509)):
        assert alpha[y, x] == 0
    assert alpha[511, 256] == 255  # standing on the bottom edge
    assert 0.25 < (alpha > 128).mean() < 0.8


def test_a_word_changes_only_what_it_names(gen: CartoonAvatarGenerator) -> None:
    plain = gen("", seed=5).options
    glasses = gen("sunglasses", seed=5).options
    assert glasses["accessory"] in {"sunglasses", "sunglasses_2", "wayfarers_2"}
    changed = {k for k in plain if plain[k] != glasses[k]}
    assert changed <= {"accessory", "steered"}


def test_small_sizes_keep_their_colours(gen: CartoonAvatarGenerator) -> None:
    big = gen("pink hoodie, long red hair", seed=9, size=512).image
    small = gen("pink hoodie, long red hair", seed=9, size=128).image
    assert small.size == (128, 128)
    for colour in (PINK, "#C93305"):
        a, b = near(big, colour, 20).mean(), near(small, colour, 20).mean()
        assert a > 0.02 and abs(a - b) / a < 0.25, (colour, a, b)


def test_bad_size_is_refused(gen: CartoonAvatarGenerator) -> None:
    with pytest.raises(ValueError):
        gen("", seed=1, size=8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "short curly red hair, beard, blue shirt, smiling",
            {
                "hair_len": "short",
                "hair_style": "curly",
                "hair_color": "red",
                "facial_hair": "beard",
                "clothing": "shirt",
                "clothing_color": "blue",
                "mouth": "smile",
            },
        ),
        (
            "pink hoodie and brown hair",
            {"clothing": "hoodie", "clothing_color": "pink", "hair_color": "brown"},
        ),
        ("a hoodie in pink", {"clothing": "hoodie", "clothing_color": "pink"}),
        ("blonde bun, no glasses", {"hair_color": "blonde", "hair_style": "bun", "accessory": "none"}),
        (
            "bald, sunglasses, grey blazer",
            {"hair_style": "bald", "accessory": "sunglasses", "clothing": "blazer", "clothing_color": "grey"},
        ),
        ("hijab and a green sweater", {"hat": "hijab", "clothing": "sweater", "clothing_color": "green"}),
        ("red hat, dark skin", {"hat": "hat", "hat_color": "red", "skin": "dark_brown"}),
        (
            "black glasses, white t-shirt",
            {"accessory": "glasses", "clothing": "shirt", "clothing_color": "white"},
        ),
        (
            "短发 卷发 红发 胡子",
            {"hair_len": "short", "hair_style": "curly", "hair_color": "red", "facial_hair": "beard"},
        ),
        (
            "金发，白皙，戴墨镜，蓝色衬衫",
            {
                "hair_color": "blonde",
                "skin": "pale",
                "accessory": "sunglasses",
                "clothing": "shirt",
                "clothing_color": "blue",
            },
        ),
        (
            "黑框眼镜，灰色西装，微笑",
            {"accessory": "glasses", "clothing": "blazer", "clothing_color": "grey", "mouth": "smile"},
        ),
        (
            "黑色长发，不戴眼镜，红色帽子",
            {
                "hair_color": "black",
                "hair_len": "long",
                "accessory": "none",
                "hat": "hat",
                "hat_color": "red",
            },
        ),
        ("光头 大胡子 小麦色", {"hair_style": "bald", "facial_hair": "big_beard", "skin": "tanned"}),
        (
            "girl with long hair in a red dress",
            {"hair_len": "long", "clothing_color": "red", "facial_hair": "none"},
        ),
        ("long hair and a red scarf", {"hair_len": "long", "clothing_color": "red"}),
        ("hair: brown", {"hair_color": "brown"}),
        ("shorts and a t-shirt, blue jeans", {"clothing": "shirt"}),
        ("穿红色连衣裙的长发女孩", {"clothing_color": "red", "hair_len": "long", "facial_hair": "none"}),
        ("不笑，白色卫衣", {"mouth": "serious", "clothing": "hoodie", "clothing_color": "white"}),
        ("", {}),
    ],
)
def test_parse_description(text: str, expected: dict[str, str]) -> None:
    assert parse_description(text) == expected


def test_hat_replaces_the_hair_and_keeps_its_colour(gen: CartoonAvatarGenerator) -> None:
    out = gen("red beanie", seed=2)
    assert out.options["top_kind"] == "hat"
    assert out.options["top"].startswith("winter_hat_")
    assert out.options["hat_color"] == "#FF5C5C"
    assert near(out.image, "#FF5C5C")[:200].mean() > 0.02


def test_hijab_and_bald_render(gen: CartoonAvatarGenerator) -> None:
    hijab = gen("hijab", seed=1)
    assert (hijab.options["top_kind"], hijab.options["top"]) == ("hat", "hijab")
    bald = gen("bald", seed=1)
    assert bald.options["top"] == "no_hair"
    assert hijab.image.tobytes() != bald.image.tobytes()


def test_a_woman_never_gets_a_random_beard_but_asking_for_one_still_works(
    gen: CartoonAvatarGenerator,
) -> None:
    # The daily postcard draws the persona from its card: Luna (a young woman) came out bearded.
    plain = [gen("short hair", seed=s).options["facial_hair"] for s in range(40)]
    assert any(f != "none" for f in plain), "without a word, some seeds draw a beard"
    for words in ("a young woman with a ponytail", "短发女孩", "a lady in a red coat"):
        assert {gen(words, seed=s).options["facial_hair"] for s in range(40)} == {"none"}, words
    assert gen("a woman with a beard", seed=1).options["facial_hair"] != "none"
