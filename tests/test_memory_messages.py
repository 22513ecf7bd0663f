"""MessageRepo contract: order, limits, /reset, and a cached tail that stays right after every write."""

from __future__ import annotations

import asyncio

from bot.core.ports import Memory
from tests.memory_helpers import ANA, BEN, ROOM, ManualClock, at


async def test_recent_messages_order_limit_and_reset(memory: Memory, memory_clock: ManualClock) -> None:
    for i in range(6):
        memory_clock.set(i)
        await memory.messages.add(ROOM.key, BEN.key, "Ben", "user", f"m{i}")
    await memory.messages.add("web:other", BEN.key, "Ben", "user", "elsewhere")
    assert [r.text for r in await memory.messages.recent(ROOM.key, 3)] == ["m3", "m4", "m5"]
    assert [r.text for r in await memory.messages.recent(ROOM.key, 100)] == [f"m{i}" for i in range(6)]
    assert [r.at for r in await memory.messages.recent(ROOM.key, 2)] == [at(4), at(5)]
    assert await memory.messages.recent(ROOM.key, 0) == []
    memory_clock.set(10)
    await memory.messages.reset_channel(ROOM.key)
    assert await memory.messages.recent(ROOM.key, 10) == []
    assert [r.text for r in await memory.messages.recent("web:other", 10)] == ["elsewhere"]
    memory_clock.set(11)
    await memory.messages.add(ROOM.key, None, "Captain", "assistant", "fresh start")
    rows = await memory.messages.recent(ROOM.key, 10)
    assert [(r.text, r.role, r.user_key, r.at) for r in rows] == [("fresh start", "assistant", None, at(11))]


async def test_cached_tail_matches_the_database_after_writes(memory: Memory) -> None:
    """Reads between writes fill the tail cache; every later read must equal a fresh read."""
    for i in range(70):
        await memory.messages.add(ROOM.key, ANA.key, "Ana", "user", f"a{i}")
        if i % 9 == 0:
            await memory.messages.recent(ROOM.key, 5)
    await asyncio.gather(*(memory.messages.add(ROOM.key, BEN.key, "Ben", "user", f"b{i}") for i in range(30)))
    cached = await memory.messages.recent(ROOM.key, 64)
    fresh = await memory.messages.recent(ROOM.key, 65)  # past the tail window: always read from the store
    assert [m.id for m in cached] == [m.id for m in fresh[1:]]
    assert [m.id for m in cached] == sorted(m.id for m in cached)
    await memory.facts.add(ANA.key, "a fact write drops the caches", "user")
    assert [m.id for m in await memory.messages.recent(ROOM.key, 64)] == [m.id for m in cached]


async def test_forget_empties_a_cached_tail(memory: Memory) -> None:
    await memory.messages.add(ROOM.key, ANA.key, "Ana", "user", "about Ana")
    await memory.messages.add(ROOM.key, BEN.key, "Ben", "user", "about Ben")
    assert len(await memory.messages.recent(ROOM.key, 10)) == 2
    await memory.users.forget(ANA.key)
    assert [m.text for m in await memory.messages.recent(ROOM.key, 10)] == ["about Ben"]
