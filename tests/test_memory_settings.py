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
