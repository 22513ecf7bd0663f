"""SettingsRepo contract: scoped values with delete-by-None, and each channel's persona."""

from __future__ import annotations

from bot.core.ports import Memory
from tests.memory_helpers import ROOM


async def test_settings_set_overwrite_and_delete(memory: Memory) -> None:
    assert await memory.settings.get("channel:web:lobby", "persona_locked") is None
    await memory.settings.set("channel:web:lobby", "persona_locked", "1")
    await memory.settings.set("channel:web:lobby", "persona_locked", "0")
    assert await memory.settings.get("channel:web:lobby", "persona_locked") == "0"
    assert await memory.settings.get("channel:web:other", "persona_locked") is None
    await memory.settings.set("channel:web:lobby", "persona_locked", None)
    assert await memory.settings.get("channel:web:lobby", "persona_locked") is None


async def test_channel_persona_is_per_channel_and_changes(memory: Memory) -> None:
    assert await memory.settings.channel_persona(ROOM.key) is None
    await memory.settings.set_channel_persona(ROOM.key, "captain")
    assert await memory.settings.channel_persona(ROOM.key) == "captain"
    await memory.settings.set_channel_persona(ROOM.key, "professor")
    assert await memory.settings.channel_persona(ROOM.key) == "professor"
    assert await memory.settings.channel_persona("web:elsewhere") is None


async def test_a_channel_cast_is_kept_per_channel_and_survives_bad_data(memory: Memory, tmp_path) -> None:
    from bot.app import PERSONAS_DIR
    from bot.core.cast import MAX_CAST, ChannelCast
    from personas.registry import PersonaRegistry

    personas = PersonaRegistry(PERSONAS_DIR, tmp_path / "none")
    cast = ChannelCast(memory.settings, personas)
    luna = personas.get("luna")
    assert [p.id for p in await cast.members(ROOM.key, luna)] == ["luna"]
    await cast.set_extra_ids(ROOM.key, ["mango", "gone", "luna", "professor"])
    # A persona file removed since, or the channel persona listed again, is skipped.
    assert [p.id for p in await cast.members(ROOM.key, luna)] == ["luna", "mango", "professor"]
    assert await cast.extra_ids("web:elsewhere") == []
    await cast.set_extra_ids(ROOM.key, ["a", "b", "c", "d", "e", "f"])
    assert len(await cast.extra_ids(ROOM.key)) == MAX_CAST - 1
    await memory.settings.set(f"channel:{ROOM.key}", "cast", "{not json")
    assert [p.id for p in await cast.members(ROOM.key, luna)] == ["luna"]
    await cast.set_extra_ids(ROOM.key, [])
    assert await memory.settings.get(f"channel:{ROOM.key}", "cast") is None


async def test_claim_sets_only_once(memory: Memory) -> None:
    scope = "channel:web:lobby"
    assert await memory.settings.claim(scope, "daily_slot:2026-05-01", "eiffel") is True
    assert await memory.settings.claim(scope, "daily_slot:2026-05-01", "louvre") is False
    assert await memory.settings.get(scope, "daily_slot:2026-05-01") == "eiffel"
    assert await memory.settings.claim("channel:web:other", "daily_slot:2026-05-01", "louvre") is True


async def test_with_key_and_prefixed_find_settings(memory: Memory) -> None:
    await memory.settings.set("channel:web:b", "daily", "B")
    await memory.settings.set("channel:web:a", "daily", "A")
    await memory.settings.set("channel:web:a", "daily_slot:2026-05-02", "x")
    await memory.settings.set("channel:web:a", "daily_slot:2026-05-01", "y")
    await memory.settings.set("channel:web:a", "dailyish", "z")
    await memory.settings.set("channel:web:b", "daily_slot:2026-05-03", "w")
    assert await memory.settings.with_key("daily") == [("channel:web:a", "A"), ("channel:web:b", "B")]
    assert await memory.settings.prefixed("channel:web:a", "daily_slot:") == {
        "daily_slot:2026-05-01": "y",
        "daily_slot:2026-05-02": "x",
    }
    await memory.settings.set("channel:web:b", "daily", None)
    assert await memory.settings.with_key("daily") == [("channel:web:a", "A")]
    assert await memory.settings.prefixed("channel:web:c", "daily_slot:") == {}
