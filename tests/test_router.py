"""Command parsing, normalisation and the command registry's name table."""

from __future__ import annotations

import pytest

from bot.core.registry import CommandSpec, Registry, Words
from bot.core.router import normalise_text, parse_command


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("/help", "help", ""),
        ("/adventure paris seed:42", "adventure", "paris seed:42"),
        ("/adventure@AvatarBot 巴黎", "adventure", "巴黎"),
        ("／memory", "memory", ""),
        ("/REMEMBER I like tea", "remember", "I like tea"),
        ("/remember\nmulti line", "remember", "multi line"),
    ],
)
def test_parse_command(text: str, name: str, args: str) -> None:
    cmd = parse_command(text)
    assert cmd is not None
    assert (cmd.name, cmd.args) == (name, args)


@pytest.mark.parametrize("text", ["hello", "", "/", "/ space", "a/b", "/<script>"])
def test_plain_text_is_not_a_command(text: str) -> None:
    assert parse_command(text) is None


def test_normalise_drops_zero_width_and_controls_but_keeps_newlines() -> None:
    assert normalise_text("\u200bhi\u200d there\x00\x07\nnext  ") == "hi there\nnext"
    assert normalise_text("ｈｅｌｌｏ") == "hello"
    assert normalise_text("\u202eevil") == "evil"


async def _noop(ctx) -> None:
    return None


def test_registry_aliases_and_suggestions() -> None:
    r = Registry()
    r.add(CommandSpec("journal", Words("j", "j"), _noop, aliases=("passport",)))
    r.add(CommandSpec("adventure", Words("a", "a"), _noop))
    assert r.resolve("passport").name == "journal"
    assert r.resolve("nope") is None
    assert r.suggest("adventur") == "adventure"
    assert r.suggest("zzzzzz") is None
    assert r.names == ["adventure", "journal"]
    with pytest.raises(ValueError):
        r.add(CommandSpec("passport", Words("p", "p"), _noop))
