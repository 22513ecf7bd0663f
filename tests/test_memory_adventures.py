"""AdventureRepo contract: the journal is newest first and private; entries by id; orphan files."""

from __future__ import annotations

import pytest

from bot.core.ports import Memory
from tests.memory_helpers import ANA, BEN, ROOM, ManualClock, add_trip, at


async def test_journal_is_newest_first_and_private(memory: Memory, memory_clock: ManualClock) -> None:
    for n in (1, 3, 2):
        memory_clock.set(n)
        await add_trip(memory, ANA.key, n)
    await add_trip(memory, BEN.key, 9)
    assert [a.landmark_id for a in await memory.adventures.list(ANA.key)] == ["place3", "place2", "place1"]
    assert [a.landmark_id for a in await memory.adventures.list(ANA.key, limit=1)] == ["place3"]
    assert [a.user_key for a in await memory.adventures.list(BEN.key)] == [BEN.key]
    with pytest.raises(ValueError, match="path_used"):
        await memory.adventures.add(
            user_key=ANA.key,
            channel_key=ROOM.key,
            landmark_id="x",
            seed=1,
            image_path="/x",
            image_sha256="",
            caption="",
            path_used="magic",
            format="1:1",
        )


async def test_an_entry_by_id_whoever_made_it(memory: Memory, memory_clock: ManualClock) -> None:
    memory_clock.set(5)
    trip = await add_trip(memory, BEN.key, 5)
    record = await memory.adventures.get(trip)
    assert record is not None
    assert (record.user_key, record.landmark_id, record.seed, record.at) == (BEN.key, "place5", 5, at(5))
    assert (record.caption, record.path_used, record.format) == (
        f"caption 5 for {BEN.key}",
        "illustrated",
        "1:1",
    )
    assert await memory.adventures.get(trip + 1000) is None
    assert await memory.adventures.take_orphan_files() == [], "nothing is orphaned by adding trips"
