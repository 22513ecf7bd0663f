"""AvatarRepo contract: replacing returns the old file, delete returns the record, times from the clock."""

from __future__ import annotations

from bot.core.ports import Memory
from tests.memory_helpers import BEN, ManualClock, at


async def test_avatar_replace_returns_old_path_and_delete(memory: Memory, memory_clock: ManualClock) -> None:
    assert await memory.avatars.set(BEN.key, "/d/1.png", "upload", "plain", "1" * 64) is None
    memory_clock.set(1)
    assert await memory.avatars.set(BEN.key, "/d/2.png", "cartoon", "python-avatars", "2" * 64) == "/d/1.png"
    avatar = await memory.avatars.get(BEN.key)
    assert avatar is not None and (avatar.kind, avatar.at, avatar.user_key) == ("cartoon", at(1), BEN.key)
    removed = await memory.avatars.delete(BEN.key)
    assert removed is not None and removed.path == "/d/2.png"
    assert await memory.avatars.get(BEN.key) is None and await memory.avatars.delete(BEN.key) is None
