"""Built-in personas, persona TOML files and the persona registry."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from pathlib import Path

import pytest

from bot.core.i18n import t
from generators.errors import InputError
from generators.lang import has_han
from personas.registry import PersonaRegistry
from personas.toml_io import dumps, parse_toml, read_toml

BUILTIN = Path(__file__).resolve().parents[1] / "personas"
BUILTIN_IDS = ("luna", "professor", "mango")


@pytest.fixture
def registry(tmp_path: Path) -> PersonaRegistry:
    return PersonaRegistry(BUILTIN, tmp_path / "user")


def test_builtins_load_strictly_with_required_content(registry: PersonaRegistry) -> None:
    ids = [p.id for p in registry.list()]
    assert set(BUILTIN_IDS) <= set(ids)
    for pid in BUILTIN_IDS:
        p = registry.get(pid)
        assert p.source == "builtin"
        for field in ("name", "tagline", "description", "personality", "speaking_style", "greeting"):
            assert getattr(p, field), (pid, field)
        assert p.appearance and p.caption_style and p.boundaries and p.hashtags
        assert len(p.examples) >= 2 and all(user and reply for user, reply in p.examples)
        assert p.catchphrases.get("en") and p.catchphrases.get("zh"), pid
        assert all(has_han(c) for c in p.catchphrases["zh"])
        assert not p.system_prompt and not p.post_history_instructions  # only cards bring those


def test_luna_speaks_english_and_chinese(registry: PersonaRegistry) -> None:
    luna = registry.get("luna")
    assert luna.name == "Luna"
    assert luna.languages == ("en", "zh")
    assert has_han(luna.greeting)
    assert any(has_han(user) for user, _ in luna.examples)


def test_builtin_voices_are_distinct(registry: PersonaRegistry) -> None:
    personas = [registry.get(pid) for pid in BUILTIN_IDS]
    for a, b in itertools.combinations(personas, 2):
        assert a.speaking_style != b.speaking_style
        assert a.greeting != b.greeting
        for lang in ("en", "zh"):
            assert not set(a.catchphrases[lang]) & set(b.catchphrases[lang]), (a.id, b.id, lang)
        assert set(a.hashtags) != set(b.hashtags)


@pytest.mark.parametrize("pid", BUILTIN_IDS)
def test_toml_writer_round_trips_builtins(pid: str) -> None:
    persona, warnings = read_toml(BUILTIN / f"{pid}.toml", source="builtin", strict=True)
    assert warnings == []
    again, _ = parse_toml(dumps(persona).encode(), source="builtin", strict=True)
    assert again == persona


def test_toml_writer_escapes_awkward_text() -> None:
    base, _ = read_toml(BUILTIN / "luna.toml", source="builtin")
    tricky = 'quote " backslash \\ newline\n tab\t """ triple \'\'\' [table] # not a comment 中文 🗺️'
    persona = dataclasses.replace(base, description=tricky, system_prompt=tricky, lorebook=())
    again, _ = parse_toml(dumps(persona).encode(), source="builtin")
    assert again.description == tricky and again.system_prompt == tricky


def test_get_unknown_raises_with_available_list(registry: PersonaRegistry) -> None:
    with pytest.raises(InputError) as info:
        registry.get("nobody")
    err = info.value
    assert err.key == "persona_unknown"
    assert err.params["id"] == "nobody"
    assert (
        "luna (Luna)" in err.params["available"] and "professor (Professor Quill)" in err.params["available"]
    )
    assert "nobody" in t(err.key, "zh", **err.params)


def test_find_is_case_insensitive_by_id_or_name(registry: PersonaRegistry) -> None:
    assert registry.find("LUNA").id == "luna"
    assert registry.find("  professor quill ").id == "professor"
    assert registry.find("Mango").id == "mango"
    assert registry.find("quill") is None
    assert registry.find("") is None


def _write_user(user_dir: Path, name: str, text: str) -> None:
    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / name).write_text(text, encoding="utf-8")


def test_broken_user_files_are_skipped_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    user = tmp_path / "user"
    _write_user(user, "good.toml", 'id = "good"\nname = "Good One"\nlanguages = ["en"]\n')
    _write_user(user, "syntax.toml", 'id = "syntax"\nname = "Broken\n')
    _write_user(user, "types.toml", 'id = "types"\nname = "Types"\nlanguages = "en"\n')
    _write_user(user, "noname.toml", 'id = "noname"\n')
    _write_user(user, "badid.toml", 'id = "../up"\nname = "Up"\n')
    _write_user(user, "shadow.toml", 'id = "luna"\nname = "Fake Luna"\n')
    _write_user(user, "claims.toml", 'id = "claims"\nname = "Claims"\nsource = "builtin"\n')
    (user / "binary.toml").write_bytes(b"\xff\xfe\x00garbage")
    with caplog.at_level(logging.WARNING, logger="personas.registry"):
        reg = PersonaRegistry(BUILTIN, user)
    ids = {p.id for p in reg.list()}
    assert ids == {*BUILTIN_IDS, "good", "claims"}
    assert reg.get("luna").name == "Luna" and reg.get("luna").source == "builtin"
    assert reg.get("claims").source == "user"
    for name in ("syntax.toml", "types.toml", "noname.toml", "badid.toml", "shadow.toml", "binary.toml"):
        assert any(name in r.getMessage() for r in caplog.records), name


def test_broken_builtin_raises(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    _write_user(builtin, "oops.toml", 'id = "oops"\nname = "Oops"\nspeaking_stlye = "typo"\n')
    with pytest.raises(InputError) as info:
        PersonaRegistry(builtin, tmp_path / "user")
    assert info.value.key == "persona_invalid" and "speaking_stlye" in info.value.params["reason"]


def test_import_toml_gets_fresh_id_and_persists(tmp_path: Path) -> None:
    user = tmp_path / "user"
    reg = PersonaRegistry(BUILTIN, user)
    src = tmp_path / "mine.toml"
    src.write_text(dumps(reg.get("mango")), encoding="utf-8")
    imported = reg.import_file(src)
    assert imported.id == "mango-2" and imported.source == "toml"
    assert dataclasses.replace(imported, id="mango", source="builtin") == reg.get("mango")
    assert (user / "mango-2.toml").is_file()
    reloaded = PersonaRegistry(BUILTIN, user)
    assert reloaded.get("mango-2") == imported


def test_import_twice_never_overwrites(tmp_path: Path) -> None:
    reg = PersonaRegistry(BUILTIN, tmp_path / "user")
    src = tmp_path / "x.toml"
    src.write_text('id = "x"\nname = "Explorer"\n', encoding="utf-8")
    first, second = reg.import_file(src), reg.import_file(src)
    assert (first.id, second.id) == ("explorer", "explorer-2")
    assert sorted(p.name for p in (tmp_path / "user").iterdir()) == ["explorer-2.toml", "explorer.toml"]


def test_import_invalid_toml_changes_nothing(tmp_path: Path) -> None:
    reg = PersonaRegistry(BUILTIN, tmp_path / "user")
    src = tmp_path / "bad.toml"
    src.write_text('name = "No id"\nexamples = "nope"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        reg.import_file(src)
    assert info.value.key == "persona_invalid"
    assert not (tmp_path / "user").exists() or not any((tmp_path / "user").iterdir())
    assert len(reg.list()) == len(BUILTIN_IDS)


def test_import_missing_file_is_a_clear_error(registry: PersonaRegistry, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        registry.import_file(tmp_path / "nope.png")
    assert info.value.key == "card_invalid" and "can't be read" in info.value.params["reason"]


def test_export_errors_and_formats(registry: PersonaRegistry, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        registry.export("luna", tmp_path / "missing-dir" / "luna.png")
    assert info.value.key == "persona_export_failed"
    with pytest.raises(InputError) as info:
        registry.export("ghost", tmp_path / "g.png")
    assert info.value.key == "persona_unknown"
    with pytest.raises(ValueError):
        registry.export("luna", tmp_path / "luna.gif", fmt="gif")
    out = registry.export("professor", tmp_path / "p.toml", fmt="toml")
    again, _ = read_toml(out, source="builtin", strict=True)
    assert again == registry.get("professor")


def test_message_keys_have_en_and_zh() -> None:
    for key in ("card_invalid", "persona_invalid", "persona_export_failed"):
        en = t(key, "en", reason="REASON", path="PATH")
        zh = t(key, "zh", reason="REASON", path="PATH")
        assert en != zh and "REASON" in en and "REASON" in zh
        assert en != t("sorry", "en")
