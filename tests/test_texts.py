"""The text catalogue: built from every source at composition, strict about keys, complete in en and zh."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from bot.core.i18n import SUPPORTED, Catalogue, UnknownText, t
from bot.texts import build_catalogue

ROOT = Path(__file__).resolve().parents[1]
CODE = [ROOT / "bot", ROOT / "generators", ROOT / "personas"]
# Calls whose argument at this position is a text key: t("k"), _http(cls, "k"), ctx.text("k"), ctx.reply("k").
KEY_FUNCTIONS = {"t": 0, "_http": 1}
KEY_METHODS = {"text": 0, "reply": 0}
KEY_ERRORS = {"InputError", "UserFacingError"}  # errors whose first argument is a text key
NOT_KEYS = {"handled"}  # UserFacingError("handled"): the user was already answered


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _trees() -> dict[Path, ast.Module]:
    files = [f for folder in CODE for f in folder.rglob("*.py")]
    return {f: ast.parse(f.read_text(encoding="utf-8")) for f in files}


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """InputError and every class that (through any chain) derives from it."""
    bases = {
        node.name: {_name(b) for b in node.bases}
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    found = set(KEY_ERRORS)
    while grown := {name for name, parents in bases.items() if parents & found} - found:
        found |= grown
    return found


def _used_keys() -> tuple[set[str], set[str]]:
    """Literal text keys used in code, and the literal prefixes of f-string keys (f"method_{m}")."""
    trees = _trees()
    errors = _error_classes(trees)
    keys: set[str] = set()
    prefixes: set[str] = set()

    def take(arg: ast.expr) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            keys.add(arg.value)
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            prefixes.add(str(arg.values[0].value))

    for tree in trees.values():
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in errors]:
            for call in ast.walk(cls):  # super().__init__("key", ...) inside a key-carrying error
                if isinstance(call, ast.Call) and _name(call.func) == "__init__" and call.args:
                    take(call.args[0])
        for call in [n for n in ast.walk(tree) if isinstance(n, ast.Call)]:
            name = _name(call.func)
            table = KEY_METHODS if isinstance(call.func, ast.Attribute) else KEY_FUNCTIONS
            pos = 0 if name in errors else table.get(name)
            if pos is not None and len(call.args) > pos:
                take(call.args[pos])
    return keys - NOT_KEYS, prefixes


def test_the_scan_finds_keys_in_every_pattern() -> None:
    keys, prefixes = _used_keys()
    # one key per pattern, from different modules
    assert {"sorry", "reset_done", "help", "web_bad_name", "web_slow_down"} <= keys  # t, reply, text, _http
    assert {"store_unwritable", "card_invalid", "image_corrupt", "link_invalid"} <= keys  # errors
    assert "method_" in prefixes


def test_every_key_used_in_code_exists_in_english_and_chinese() -> None:
    catalogue = build_catalogue()
    keys, prefixes = _used_keys()
    assert sorted(k for k in keys if k not in catalogue) == []
    for key in keys:
        for lang in SUPPORTED:
            assert catalogue.template(key, lang), (key, lang)
    assert sorted(p for p in prefixes if not any(k.startswith(p) for k in catalogue.keys())) == []


def test_chinese_texts_take_no_field_the_english_ones_do_not() -> None:
    """A field only one translation names would show up as a raw "{field}" (callers follow English)."""
    catalogue = build_catalogue()
    for key in catalogue.keys():
        en, zh = (
            {f for _, f, _, _ in string.Formatter().parse(catalogue.template(key, lang)) if f}
            for lang in SUPPORTED
        )
        assert zh <= en, key


def test_an_unknown_key_is_an_error() -> None:
    catalogue = Catalogue({"hi": {"en": "Hi {name}", "zh": "你好 {name}"}})
    with pytest.raises(UnknownText):
        catalogue.text("no_such_key", "en")
    with pytest.raises(UnknownText):
        t("no_such_key", "zh")


def test_catalogue_formats_falls_back_to_english_and_keeps_unknown_fields() -> None:
    catalogue = Catalogue(
        {
            "hi": {"en": "Hi {name}, {n} file{n_s} {later}", "zh": "你好 {name}"},
            "plain": {"en": "{", "zh": "{"},
        }
    )
    assert catalogue.text("hi", "en", name="Ana", n=1) == "Hi Ana, 1 file {later}"
    assert catalogue.text("hi", "en", name="Ana", n=3) == "Hi Ana, 3 files {later}"
    assert catalogue.text("hi", "zh", name="Ana") == "你好 Ana"
    assert catalogue.text("hi", "fr", name="Ana", n=2).startswith("Hi Ana, 2 files")
    assert "hi" in catalogue and catalogue.keys() == {"hi", "plain"}


def test_a_key_declared_twice_or_missing_a_language_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Catalogue({"a": {"en": "A", "zh": "甲"}}, {"a": {"en": "A2", "zh": "乙"}})
    with pytest.raises(ValueError, match="no zh version"):
        Catalogue({"a": {"en": "A"}})


def test_texts_are_plain_data_registered_nowhere() -> None:
    """No module adds texts as a side effect of being imported: build_catalogue lists every source."""
    from bot.core import i18n

    assert not hasattr(i18n, "register")
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "bot.core.i18n":
                assert "register" not in {a.name for a in node.names}, path
