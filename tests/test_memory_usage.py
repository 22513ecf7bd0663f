"""UsageRepo contract: counts since a time, the last use, and pruning of old rows."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ports import Memory
from tests.memory_helpers import ANA, BEN, ManualClock, at


async def test_usage_counts_and_last(memory: Memory, memory_clock: ManualClock) -> None:
    assert await memory.usage.last(BEN.key, "adventure") is None
    for m in (0, 30, 90):
        memory_clock.set(m)
        await memory.usage.record(BEN.key, "adventure")
    memory_clock.set(100)
    await memory.usage.record(BEN.key, "avatar")
    assert await memory.usage.count_since(BEN.key, "adventure", at(30)) == 2
    assert await memory.usage.count_since(BEN.key, "adventure", at(-1)) == 3
    assert await memory.usage.last(BEN.key, "adventure") == at(90)
    assert await memory.usage.last(BEN.key, "avatar") == at(100)
    assert await memory.usage.count_since(ANA.key, "adventure", at(-1)) == 0


async def test_old_usage_no_longer_counts_once_pruned(memory: Memory, memory_clock: ManualClock) -> None:
    for n in range(3):
        memory_clock.set(n)
        await memory.usage.record(ANA.key, "adventure")
    memory_clock.set(timedelta(days=3).total_seconds() / 60)
    await memory.usage.record(ANA.key, "adventure")
    assert await memory.usage.count_since(ANA.key, "adventure", at(-1)) == 1, "rows older than two days went"
    assert await memory.usage.last(ANA.key, "adventure") == at(3 * 24 * 60)
