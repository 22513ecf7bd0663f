"""Pure parsing: self-statements worth remembering, and /adventure arguments."""

from __future__ import annotations

import pytest

from bot.core.adventure_args import MAX_SEED, parse_adventure_args, parse_seed
from bot.core.errors import UserFacingError
from bot.core.facts import extract_facts


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Hi! My name is Ana and I'm new here.", "My name is Ana"),
        ("我叫小明，我喜欢猫", "我喜欢猫"),
        ("I love green tea", "I love green tea"),
        ("honestly i like rainy days. what about you?", "I like rainy days"),
        ("I'm from Lisbon", "I'm from Lisbon"),
        ("我喜欢猫。你呢？", "我喜欢猫"),
        ("我叫小明", "我叫小明"),
    ],
)
def test_self_statements_become_facts(text: str, fact: str) -> None:
    assert fact in extract_facts(text)


@pytest.mark.parametrize("text", ["hello there", "I love it", "what do you like?", "x" * 5000, ""])
def test_ordinary_chat_is_not_a_fact(text: str) -> None:
    assert extract_facts(text) == []


def test_adventure_args_split_place_and_options() -> None:
    a = parse_adventure_args("take me to paris please seed:42 format:9:16 style:watercolor")
    assert (a.place, a.seed, a.fmt, a.style) == ("take me to paris please", 42, "9:16", "watercolor")
    b = parse_adventure_args("巴黎 seed：７ 4:5")
    assert (b.place, b.seed, b.fmt) == ("巴黎", 7, "4:5")
    c = parse_adventure_args("tokyo with @Ben and @Chen")
    assert (c.place, c.friends, c.fmt, c.seed) == ("tokyo", ("Ben", "Chen"), "1:1", None)


@pytest.mark.parametrize("raw", ["-1", "abc", str(MAX_SEED + 1), "99999999999999999999", "", "1.5"])
def test_bad_seeds_are_rejected_clearly(raw: str) -> None:
    with pytest.raises(UserFacingError) as err:
        parse_seed(raw)
    assert err.value.key == "seed_invalid"


def test_unicode_digit_seeds_are_accepted() -> None:
    assert parse_seed("４２") == 42
    assert parse_seed("٤٢") == 42
    assert parse_seed(str(MAX_SEED)) == MAX_SEED


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(UserFacingError) as err:
        parse_adventure_args("paris format:3:2")
    assert err.value.key == "format_invalid"
