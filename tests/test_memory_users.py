"""UserRepo contract: identity links (one-time, expiring codes; merged memory) and /forget across them."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ports import Memory
from tests.memory_helpers import (
    ANA,
    ANA_DC,
    BEN,
    ROOM,
    ManualClock,
    add_trip,
    at,
    populate_linked_ana_and_ben,
)

TEN_MINUTES = timedelta(minutes=10)


async def test_linking_shares_memory_and_codes_are_one_time(
    memory: Memory, memory_clock: ManualClock
) -> None:
    await memory.users.upsert_user(ANA)
    await memory.users.upsert_user(ANA_DC)
    memory_clock.set(1)
    await memory.facts.add(ANA.key, "Likes tea", "user")
    await memory.facts.add(ANA_DC.key, "likes TEA", "user")
    await memory.avatars.set(ANA.key, "/d/old.png", "upload", "plain", "1" * 64)
    memory_clock.set(2)
    await memory.facts.add(ANA_DC.key, "plays chess", "user")
    memory_clock.set(3)
    await memory.avatars.set(ANA_DC.key, "/d/new.png", "cartoon", "python-avatars", "2" * 64)
    memory_clock.set(4)
    await add_trip(memory, ANA.key, 4)
    memory_clock.set(5)
    await memory.usage.record(ANA_DC.key, "adventure")

    memory_clock.set(0)
    await memory.users.create_link_code(ANA.key, "ABCD2345", TEN_MINUTES)
    memory_clock.set(1)
    assert await memory.users.redeem_link_code("ABCD2345", ANA.key) == ANA.key, "own code: nothing linked"
    assert await memory.users.redeem_link_code("NOPE2345", ANA_DC.key) is None
    memory_clock.set(2)
    assert await memory.users.redeem_link_code("ABCD2345", ANA_DC.key) == ANA.key
    assert await memory.users.redeem_link_code("ABCD2345", ANA_DC.key) is None, "codes are one-time"

    assert await memory.users.linked_keys(ANA_DC.key) == sorted([ANA.key, ANA_DC.key])
    for key in (ANA.key, ANA_DC.key):
        assert sorted(f.text.lower() for f in await memory.facts.list(key)) == ["likes tea", "plays chess"]
        avatar = await memory.avatars.get(key)
        assert avatar is not None and avatar.path == "/d/new.png", "the newest avatar wins"
        assert [a.landmark_id for a in await memory.adventures.list(key)] == ["place4"]
        assert await memory.usage.count_since(key, "adventure", at(0)) == 1
    assert await memory.adventures.take_orphan_files() == ["/d/old.png"]
    assert await memory.adventures.take_orphan_files() == []
    assert await memory.users.linked_keys(BEN.key) == [BEN.key]


async def test_expired_link_code_does_nothing(memory: Memory, memory_clock: ManualClock) -> None:
    await memory.users.create_link_code(ANA.key, "LATE2345", TEN_MINUTES)
    memory_clock.set(11)
    assert await memory.users.redeem_link_code("LATE2345", BEN.key) is None
    assert await memory.users.linked_keys(BEN.key) == [BEN.key]


async def test_a_new_code_replaces_the_earlier_one(memory: Memory) -> None:
    await memory.users.create_link_code(ANA.key, "FIRST234", TEN_MINUTES)
    await memory.users.create_link_code(ANA.key, "SECOND23", TEN_MINUTES)
    assert await memory.users.redeem_link_code("FIRST234", BEN.key) is None
    assert await memory.users.redeem_link_code("SECOND23", BEN.key) == ANA.key


async def test_forget_across_linked_identities(memory: Memory, memory_clock: ManualClock) -> None:
    dm_tg, dm_dc = await populate_linked_ana_and_ben(memory)

    report = await memory.users.forget(ANA_DC.key)
    assert sorted(report.keys) == sorted([ANA.key, ANA_DC.key])
    assert (report.facts, report.avatars, report.adventures) == (1, 1, 1)
    assert report.messages == 4
    assert sorted(report.files) == sorted(["/data/avatars/ana.png", f"/data/postcards/{ANA.key}-8.jpg"])

    assert [f.text for f in await memory.facts.list(BEN.key)] == ["Ben's fact"]
    ben_avatar = await memory.avatars.get(BEN.key)
    assert ben_avatar is not None and ben_avatar.path == "/data/avatars/ben.png"
    assert len(await memory.adventures.list(BEN.key)) == 1
    assert await memory.facts.list(ANA.key) == [] and await memory.avatars.get(ANA.key) is None
    assert (
        await memory.adventures.list(ANA.key) == [] and await memory.usage.last(ANA.key, "adventure") is None
    )
    assert await memory.settings.get(f"user:{ANA.key}", "lang_notice:fr") is None
    assert await memory.settings.get(f"channel:{dm_tg.key}", "persona_locked") is None
    assert await memory.settings.get("web-space:x", "allowed_channels") == "[]"
    assert (
        await memory.messages.recent(dm_tg.key, 10) == []
        and await memory.messages.recent(dm_dc.key, 10) == []
    )
    assert [m.text for m in await memory.messages.recent(ROOM.key, 10)] == ["Ben stays"]
    assert await memory.users.redeem_link_code("UNUSED23", BEN.key) is None, "their codes are gone"
    assert await memory.integrity_check() == "ok"
    again = await memory.users.forget(ANA.key)
    assert (again.facts, again.messages, again.files) == (0, 0, [])
    await memory.facts.add(ANA.key, "a new beginning", "user")
    assert [f.text for f in await memory.facts.list(ANA.key)] == ["a new beginning"]
    assert await memory.users.linked_keys(ANA.key) == [ANA.key], "the link is gone too"


async def test_upsert_user_and_channel_are_idempotent(memory: Memory, memory_clock: ManualClock) -> None:
    await memory.users.upsert_user(BEN)
    memory_clock.set(5)
    await memory.users.upsert_user(BEN)
    await memory.users.upsert_channel(ROOM)
    await memory.users.upsert_channel(ROOM, BEN.key)
    assert await memory.users.linked_keys(BEN.key) == [BEN.key]
    assert await memory.integrity_check() == "ok"
