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


async def test_a_channels_trips_are_everyones_there_and_only_there(
    memory: Memory, memory_clock: ManualClock
) -> None:
    other = "web:elsewhere"
    await memory.users.upsert_user(ANA)  # Ben was never seen: his name comes back empty
    for n, (who, channel) in enumerate(
        [(ANA.key, ROOM.key), (BEN.key, ROOM.key), (ANA.key, other), (ANA.key, ROOM.key)], 1
    ):
        memory_clock.set(n)
        await add_trip(memory, who, n, channel=channel)
    trips = await memory.adventures.list_channel(ROOM.key)
    assert [(t.trip.landmark_id, t.trip.user_key, t.traveller) for t in trips] == [
        ("place4", ANA.key, "Ana"),
        ("place2", BEN.key, ""),
        ("place1", ANA.key, "Ana"),
    ]
    assert trips[0].trip.at == at(4) and trips[0].trip.channel_key == ROOM.key
    assert [t.trip.landmark_id for t in await memory.adventures.list_channel(ROOM.key, limit=2)] == [
        "place4",
        "place2",
    ]
    assert [t.trip.landmark_id for t in await memory.adventures.list_channel(other)] == ["place3"]
    assert await memory.adventures.list_channel("web:nobody") == []
    await memory.users.forget(BEN.key)
    assert [t.trip.user_key for t in await memory.adventures.list_channel(ROOM.key)] == [ANA.key, ANA.key]
