"""The SQLite memory store on real files: schema, memory, concurrency, linking, /forget, failures."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.errors import UserFacingError
from bot.core.models import Channel, ChannelKind, User
from bot.memory.errors import StoreError, StoreUnwritable
from bot.memory.schema import MIGRATIONS, SCHEMA_VERSION
from bot.memory.store import Store
from bot.memory.writer import Tx

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ANA = User("telegram", "1", "Ana", locale="en")
ANA_DC = User("discord", "2", "Ana D")
BEN = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP, title="Lobby")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "memory.db")
    yield s
    await s.close()


def _tables(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def _pragma(db: Path, name: str) -> object:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        con.close()


async def _adventure(store: Store, user_key: str, n: int, channel: str = ROOM.key) -> int:
    return await store.add_adventure(
        user_key=user_key,
        channel_key=channel,
        landmark_id=f"place{n}",
        at=at(n),
        seed=n,
        image_path=f"/data/postcards/{user_key}-{n}.jpg",
        image_sha256=f"{n:064d}",
        caption=f"caption {n} for {user_key}",
        path_used="illustrated",
        format="1:1",
    )


# ---- schema ---------------------------------------------------------------------------------------


async def test_migrations_from_empty_and_idempotent_reopen(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await Store.open(db)
    await store.add_fact(ANA.key, "likes tea", "user", at(0))
    await store.close()
    assert _pragma(db, "user_version") == SCHEMA_VERSION == len(MIGRATIONS) == 2
    assert _pragma(db, "journal_mode") == "wal"
    assert {"persons", "users", "channels", "messages", "facts"} <= _tables(db)
    assert {"avatars", "adventures", "link_codes", "identity_links", "settings", "usage"} <= _tables(db)
    for _ in range(2):
        store = await Store.open(db)
        assert [f.text for f in await store.facts(ANA.key)] == ["likes tea"]
        assert await store.integrity_check() == "ok"
        await store.close()
    assert _pragma(db, "user_version") == 2


async def test_version_1_database_is_upgraded_keeping_its_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    for statement in MIGRATIONS[0]:
        con.execute(statement)
    con.execute("INSERT INTO persons (id, created_at) VALUES (1, ?)", (T0.isoformat(),))
    con.execute(
        "INSERT INTO users VALUES ('web:old', 1, 'web', 'Old', NULL, ?, ?)", (T0.isoformat(), T0.isoformat())
    )
    con.execute(
        "INSERT INTO facts (person_id, text, norm, source, at) VALUES (1, 'A', 'a', 'user', ?)",
        (T0.isoformat(),),
    )
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    assert "avatars" not in _tables(db)
    store = await Store.open(db)
    try:
        assert [f.text for f in await store.facts("web:old")] == ["A"]
        await store.set_avatar("web:old", "/a.png", "upload", "plain", "0" * 64, at(1))
        assert (await store.get_avatar("web:old")).path == "/a.png"
    finally:
        await store.close()
    assert _pragma(db, "user_version") == 2


async def test_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(StoreError, match="newer than this bot"):
        await Store.open(db)


# ---- memory ---------------------------------------------------------------------------------------


async def test_everything_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await Store.open(db)
    await store.upsert_user(ANA, at(0))
    await store.upsert_channel(ROOM)
    await store.set_channel_persona(ROOM.key, "captain")
    ids = [await store.add_message(ROOM.key, ANA.key, "Ana", "user", f"hello {i}", at(i)) for i in range(3)]
    await store.add_fact(ANA.key, "has a cat named Miso", "user", at(4))
    assert (
        await store.set_avatar(ANA.key, "/data/avatars/a.png", "upload", "mediapipe", "f" * 64, at(5)) is None
    )
    trip = await _adventure(store, ANA.key, 6)
    await store.set_setting("web-space:1", "default_persona", "captain")
    await store.record_usage(ANA.key, "adventure", at(7))
    await store.close()

    store = await Store.open(db)
    try:
        assert await store.get_channel_persona(ROOM.key) == "captain"
        rows = await store.recent_messages(ROOM.key, 10)
        assert [r.id for r in rows] == ids and [r.text for r in rows] == ["hello 0", "hello 1", "hello 2"]
        assert rows[0].at == at(0) and rows[0].at.tzinfo is not None
        assert [f.text for f in await store.facts(ANA.key)] == ["has a cat named Miso"]
        avatar = await store.get_avatar(ANA.key)
        assert (avatar.path, avatar.method, avatar.at) == ("/data/avatars/a.png", "mediapipe", at(5))
        journal = await store.adventures(ANA.key)
        assert [a.id for a in journal] == [trip] and journal[0].landmark_id == "place6"
        assert await store.get_setting("web-space:1", "default_persona") == "captain"
        assert await store.last_usage(ANA.key, "adventure") == at(7)
    finally:
        await store.close()


async def test_recent_messages_order_limit_and_reset(store: Store) -> None:
    for i in range(6):
        await store.add_message(ROOM.key, BEN.key, "Ben", "user", f"m{i}", at(i))
    await store.add_message("web:other", BEN.key, "Ben", "user", "elsewhere", at(0))
    assert [r.text for r in await store.recent_messages(ROOM.key, 3)] == ["m3", "m4", "m5"]
    assert [r.text for r in await store.recent_messages(ROOM.key, 100)] == [f"m{i}" for i in range(6)]
    assert await store.recent_messages(ROOM.key, 0) == []
    await store.reset_channel(ROOM.key, at(10))
    assert await store.recent_messages(ROOM.key, 10) == []
    assert [r.text for r in await store.recent_messages("web:other", 10)] == ["elsewhere"]
    await store.add_message(ROOM.key, None, "Captain", "assistant", "fresh start", at(11))
    rows = await store.recent_messages(ROOM.key, 10)
    assert [(r.text, r.role, r.user_key) for r in rows] == [("fresh start", "assistant", None)]


async def test_facts_dedupe_ignoring_case_and_spacing_per_person(store: Store) -> None:
    first = await store.add_fact(ANA.key, "I love  Croissants", "user", at(0))
    again = await store.add_fact(ANA.key, "i love croissants ", "auto", at(1))
    other = await store.add_fact(BEN.key, "I love croissants", "user", at(2))
    assert first == again != other
    facts = await store.facts(ANA.key)
    assert [(f.text, f.source) for f in facts] == [("I love  Croissants", "user")]
    assert await store.delete_fact(ANA.key, other) is False, "Ana cannot delete Ben's fact"
    assert await store.delete_fact(ANA.key, first) is True
    assert await store.facts(ANA.key) == [] and len(await store.facts(BEN.key)) == 1
    with pytest.raises(ValueError):
        await store.add_fact(ANA.key, "   ", "user", at(3))


async def test_avatar_replace_returns_old_path_and_delete(store: Store) -> None:
    assert await store.set_avatar(BEN.key, "/d/1.png", "upload", "plain", "1" * 64, at(0)) is None
    assert (
        await store.set_avatar(BEN.key, "/d/2.png", "cartoon", "python-avatars", "2" * 64, at(1))
        == "/d/1.png"
    )
    assert (await store.get_avatar(BEN.key)).kind == "cartoon"
    removed = await store.delete_avatar(BEN.key)
    assert removed is not None and removed.path == "/d/2.png"
    assert await store.get_avatar(BEN.key) is None and await store.delete_avatar(BEN.key) is None


async def test_journal_is_newest_first_and_private(store: Store) -> None:
    for n in (1, 3, 2):
        await _adventure(store, ANA.key, n)
    await _adventure(store, BEN.key, 9)
    assert [a.landmark_id for a in await store.adventures(ANA.key)] == ["place3", "place2", "place1"]
    assert [a.landmark_id for a in await store.adventures(ANA.key, limit=1)] == ["place3"]
    assert [a.user_key for a in await store.adventures(BEN.key)] == [BEN.key]
    with pytest.raises(ValueError, match="path_used"):
        await store.add_adventure(
            user_key=ANA.key,
            channel_key=ROOM.key,
            landmark_id="x",
            at=at(0),
            seed=1,
            image_path="/x",
            image_sha256="",
            caption="",
            path_used="magic",
            format="1:1",
        )


async def test_settings_and_usage(store: Store) -> None:
    assert await store.get_setting("channel:web:lobby", "persona_locked") is None
    await store.set_setting("channel:web:lobby", "persona_locked", "1")
    await store.set_setting("channel:web:lobby", "persona_locked", "0")
    assert await store.get_setting("channel:web:lobby", "persona_locked") == "0"
    await store.set_setting("channel:web:lobby", "persona_locked", None)
    assert await store.get_setting("channel:web:lobby", "persona_locked") is None
    assert await store.last_usage(BEN.key, "adventure") is None
    for m in (0, 30, 90):
        await store.record_usage(BEN.key, "adventure", at(m))
    await store.record_usage(BEN.key, "avatar", at(100))
    assert await store.usage_since(BEN.key, "adventure", at(30)) == 2
    assert await store.usage_since(BEN.key, "adventure", at(-1)) == 3
    assert await store.last_usage(BEN.key, "adventure") == at(90)
    assert await store.usage_since(ANA.key, "adventure", at(-1)) == 0


# ---- concurrency ----------------------------------------------------------------------------------


async def test_200_concurrent_writers_all_commit(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await Store.open(db)

    async def writer(n: int) -> list[int]:
        ids = []
        for i in range(5):
            ids.append(
                await store.add_message(f"web:room{n % 7}", f"web:u{n}", f"u{n}", "user", f"{n}-{i}", at(i))
            )
            if i == 2:
                await store.add_fact(f"web:u{n}", f"fact {n}", "user", at(i))
        return ids

    results = await asyncio.gather(*(writer(n) for n in range(200)))
    ids = [i for r in results for i in r]
    assert len(set(ids)) == 1000
    assert store.stats()["batches"] < store.stats()["jobs"], "jobs were grouped into shared commits"
    await store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 1000
        assert con.execute("SELECT count(*) FROM facts").fetchone()[0] == 200
        assert {r[0] for r in con.execute("SELECT id FROM messages")} == set(ids)
    finally:
        con.close()


async def test_a_failing_job_in_a_batch_rolls_back_only_itself(tmp_path: Path) -> None:
    """The bug DESIGN.md describes: a rollback next to other transactions must not lose their commits."""
    db = tmp_path / "memory.db"
    store = await Store.open(db)

    async def broken(tx: Tx) -> None:
        await tx.run(
            "INSERT INTO channels (key, platform) VALUES ('web:broken', 'web') ON CONFLICT DO NOTHING"
        )
        await tx.insert(
            "INSERT INTO messages (channel_key, user_key, speaker, role, text, at) "
            "VALUES ('web:broken', NULL, 'x', 'user', 'must vanish', ?)",
            (T0.isoformat(),),
        )
        raise RuntimeError("job failed after writing")

    async def violates(tx: Tx) -> None:
        await tx.run(
            "INSERT INTO facts (person_id, text, norm, source, at) VALUES (999999, 't', 't', 'u', 'x')"
        )

    calls = [store.add_message(ROOM.key, BEN.key, "Ben", "user", f"ok {i}", at(i)) for i in range(40)]
    calls.insert(10, store.write(broken))
    calls.insert(25, store.write(violates))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results[10], RuntimeError)
    assert isinstance(results[25], sqlite3.IntegrityError), "foreign keys are enforced"
    good = [r for i, r in enumerate(results) if i not in (10, 25)]
    assert all(isinstance(r, int) for r in good)
    assert store.stats()["replays"] >= 1, "the batch was replayed with a savepoint per job"
    await store.close()

    con = sqlite3.connect(db)
    try:
        texts = {r[0] for r in con.execute("SELECT text FROM messages")}
        assert texts == {f"ok {i}" for i in range(40)}
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


async def test_writes_after_a_failure_keep_working(store: Store) -> None:
    async def boom(tx: Tx) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await store.write(boom)
    assert await store.add_fact(BEN.key, "still here", "user", at(0)) > 0
    assert [f.text for f in await store.facts(BEN.key)] == ["still here"]


# ---- identity links and /forget -------------------------------------------------------------------


async def test_linking_shares_memory_and_codes_are_one_time(store: Store) -> None:
    await store.upsert_user(ANA, at(0))
    await store.upsert_user(ANA_DC, at(0))
    await store.add_fact(ANA.key, "Likes tea", "user", at(1))
    await store.add_fact(ANA_DC.key, "likes TEA", "user", at(1))
    await store.add_fact(ANA_DC.key, "plays chess", "user", at(2))
    await store.set_avatar(ANA.key, "/d/old.png", "upload", "plain", "1" * 64, at(1))
    await store.set_avatar(ANA_DC.key, "/d/new.png", "cartoon", "python-avatars", "2" * 64, at(3))
    await _adventure(store, ANA.key, 4)
    await store.record_usage(ANA_DC.key, "adventure", at(5))

    await store.create_link_code(ANA.key, "ABCD2345", at(10))
    assert await store.redeem_link_code("ABCD2345", ANA.key, at(1)) == ANA.key, "own code: nothing linked"
    assert await store.redeem_link_code("NOPE2345", ANA_DC.key, at(1)) is None
    assert await store.redeem_link_code("ABCD2345", ANA_DC.key, at(2)) == ANA.key
    assert await store.redeem_link_code("ABCD2345", ANA_DC.key, at(2)) is None, "codes are one-time"

    assert await store.linked_keys(ANA_DC.key) == sorted([ANA.key, ANA_DC.key])
    for key in (ANA.key, ANA_DC.key):
        assert sorted(f.text.lower() for f in await store.facts(key)) == ["likes tea", "plays chess"]
        assert (await store.get_avatar(key)).path == "/d/new.png", "the newest avatar wins"
        assert [a.landmark_id for a in await store.adventures(key)] == ["place4"]
        assert await store.usage_since(key, "adventure", at(0)) == 1
    assert await store.take_orphan_files() == ["/d/old.png"]
    assert await store.take_orphan_files() == []
    assert await store.linked_keys(BEN.key) == [BEN.key]


async def test_expired_link_code_does_nothing(store: Store) -> None:
    await store.create_link_code(ANA.key, "LATE2345", at(10))
    assert await store.redeem_link_code("LATE2345", BEN.key, at(11)) is None
    assert await store.linked_keys(BEN.key) == [BEN.key]


async def test_forget_across_linked_identities_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await Store.open(db)
    dm_tg = Channel("telegram", "1", ChannelKind.DIRECT, title="Ana")
    dm_dc = Channel("discord", "dm2", ChannelKind.DIRECT)
    for user in (ANA, ANA_DC, BEN):
        await store.upsert_user(user, at(0))
    await store.upsert_channel(dm_tg)
    await store.upsert_channel(dm_dc, ANA_DC.key)
    await store.upsert_channel(ROOM, BEN.key)
    await store.create_link_code(ANA_DC.key, "LINK2345", at(60))
    await store.redeem_link_code("LINK2345", ANA.key, at(1))
    await store.add_message(dm_tg.key, ANA.key, "Ana", "user", "secret-zebra in a DM", at(2))
    await store.add_message(dm_tg.key, None, "Captain", "assistant", "reply about secret-zebra", at(3))
    await store.add_message(dm_dc.key, None, "Captain", "assistant", "hello Ana D", at(3))
    await store.add_message(ROOM.key, ANA_DC.key, "Ana D", "user", "secret-zebra in the room", at(4))
    await store.add_message(ROOM.key, BEN.key, "Ben", "user", "Ben stays", at(5))
    await store.add_fact(ANA.key, "secret-zebra fact", "user", at(6))
    await store.add_fact(BEN.key, "Ben's fact", "user", at(6))
    await store.set_avatar(ANA_DC.key, "/data/avatars/ana.png", "upload", "plain", "a" * 64, at(7))
    await store.set_avatar(BEN.key, "/data/avatars/ben.png", "upload", "plain", "b" * 64, at(7))
    await _adventure(store, ANA.key, 8, channel=dm_tg.key)
    await _adventure(store, BEN.key, 9)
    await store.record_usage(ANA.key, "adventure", at(8))
    await store.set_setting(f"user:{ANA.key}", "lang_notice:fr", "1")
    await store.set_setting(f"channel:{dm_tg.key}", "persona_locked", "1")
    await store.set_setting("web-space:x", "allowed_channels", "[]")
    await store.create_link_code(ANA.key, "UNUSED23", at(60))

    report = await store.forget_user(ANA_DC.key)
    assert sorted(report.keys) == sorted([ANA.key, ANA_DC.key])
    assert (report.facts, report.avatars, report.adventures) == (1, 1, 1)
    assert report.messages == 4
    assert sorted(report.files) == sorted(["/data/avatars/ana.png", f"/data/postcards/{ANA.key}-8.jpg"])
    await store.close()

    needles = [ANA.key, ANA_DC.key, "secret-zebra", "Ana D", "ana.png", dm_dc.key]
    con = sqlite3.connect(db)
    try:
        hits = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in con.execute(f'SELECT * FROM "{table}"'):
                blob = " ".join(str(v) for v in row)
                hits += [f"{table}: {n}" for n in needles if n in blob]
        assert hits == []
        assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM settings").fetchone()[0] == 1
    finally:
        con.close()

    store = await Store.open(db)
    try:
        assert [f.text for f in await store.facts(BEN.key)] == ["Ben's fact"]
        assert (await store.get_avatar(BEN.key)).path == "/data/avatars/ben.png"
        assert len(await store.adventures(BEN.key)) == 1
        assert await store.facts(ANA.key) == [] and await store.get_avatar(ANA.key) is None
        assert await store.integrity_check() == "ok"
        again = await store.forget_user(ANA.key)
        assert (again.facts, again.messages, again.files) == (0, 0, [])
        await store.add_fact(ANA.key, "a new beginning", "user", at(20))
        assert [f.text for f in await store.facts(ANA.key)] == ["a new beginning"]
        assert await store.linked_keys(ANA.key) == [ANA.key], "the link is gone too"
    finally:
        await store.close()


# ---- unwritable and broken files ------------------------------------------------------------------


async def test_a_directory_in_place_of_the_file_gives_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    db.mkdir()
    with pytest.raises(StoreUnwritable, match="cannot be written"):
        await Store.open(db)


async def test_unopenable_path_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StoreUnwritable) as info:
        await Store.open(blocker / "memory.db")
    assert isinstance(info.value, UserFacingError) and info.value.key == "store_unwritable"
    assert str(blocker / "memory.db") in str(info.value) and "writable" in str(info.value)


async def test_a_file_that_is_not_a_database_is_refused_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    db.write_bytes(b"this is a diary, not a database" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        await Store.open(db)
    assert db.read_bytes().startswith(b"this is a diary")


def _make_read_only(path: Path) -> Callable[[], None]:
    """Make `path` truly read-only (root ignores modes, so root uses the immutable attribute)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], check=False).returncode:
        pytest.skip("running as root without chattr +i: cannot make a file read-only here")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_read_only_database_gives_a_clear_error_and_stays_intact(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await Store.open(db)
    await store.add_fact(BEN.key, "kept safe", "user", at(0))
    await store.close()
    before = db.read_bytes()
    undo = _make_read_only(db)
    try:
        with pytest.raises(StoreUnwritable, match="cannot be written") as info:
            await Store.open(db)
        assert info.value.key == "store_unwritable" and info.value.path == str(db)
    finally:
        undo()
    assert db.read_bytes() == before
    store = await Store.open(db)
    try:
        assert [f.text for f in await store.facts(BEN.key)] == ["kept safe"]
    finally:
        await store.close()


async def test_disk_full_fails_the_write_and_corrupts_nothing(store: Store) -> None:
    """SQLITE_FULL for real, by capping the file's page count on the writer connection."""
    for i in range(20):
        await store.add_message(ROOM.key, BEN.key, "Ben", "user", f"before {i}", at(i))

    async def cap(tx: Tx) -> int:
        pages = (await tx.one("PRAGMA page_count"))[0]
        await tx.one(f"PRAGMA max_page_count = {pages + 1}")
        return pages

    await store.write(cap)
    big = "x" * 200_000
    results = await asyncio.gather(
        store.add_message(ROOM.key, BEN.key, "Ben", "user", big, at(30)),
        store.add_message(ROOM.key, BEN.key, "Ben", "user", big, at(31)),
        return_exceptions=True,
    )
    assert all(isinstance(r, StoreUnwritable) for r in results), results
    assert "full" in str(results[0])
    assert await store.integrity_check() == "ok"
    assert [r.text for r in await store.recent_messages(ROOM.key, 100)] == [f"before {i}" for i in range(20)]

    async def uncap(tx: Tx) -> None:
        await tx.one("PRAGMA max_page_count = 1073741823")

    await store.write(uncap)
    await store.add_message(ROOM.key, BEN.key, "Ben", "user", "after", at(40))
    assert (await store.recent_messages(ROOM.key, 1))[0].text == "after"


async def test_writes_after_close_are_refused_clearly(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "memory.db")
    pending = asyncio.ensure_future(store.add_message(ROOM.key, BEN.key, "Ben", "user", "queued", at(0)))
    await asyncio.sleep(0)
    await store.close()
    assert isinstance(await pending, int), "writes queued before close are committed"
    with pytest.raises(StoreError, match="closed"):
        await store.add_fact(BEN.key, "too late", "user", at(1))


async def test_channel_history_and_usage_stay_bounded(tmp_path: Path) -> None:
    db = tmp_path / "bounded.db"
    store = await Store.open(db, keep_messages=150)
    try:
        for n in range(400):
            await store.add_message(ROOM.key, ANA.key, "Ana", "user", f"busy {n}", at(n))
        for n in range(5):
            await store.add_message("web:quiet", BEN.key, "Ben", "user", f"quiet {n}", at(n))
        recent = await store.recent_messages(ROOM.key, 3)
        assert [m.text for m in recent] == ["busy 397", "busy 398", "busy 399"]
        for n in range(3):
            await store.record_usage(ANA.key, "adventure", at(n))
        later = T0 + timedelta(days=3)
        await store.record_usage(ANA.key, "adventure", later)
        assert await store.usage_since(ANA.key, "adventure", T0 + timedelta(days=2, hours=23)) == 1
        assert await store.integrity_check() == "ok"
    finally:
        await store.close()
    con = sqlite3.connect(db)
    try:
        busy = [
            r[0]
            for r in con.execute("SELECT text FROM messages WHERE channel_key = ? ORDER BY id", (ROOM.key,))
        ]
        quiet = con.execute("SELECT count(*) FROM messages WHERE channel_key = 'web:quiet'").fetchone()[0]
        usage = con.execute("SELECT count(*) FROM usage").fetchone()[0]
    finally:
        con.close()
    assert 150 <= len(busy) < 150 + Store.TRIM_EVERY, "trimmed to the newest turns"
    assert busy[-1] == "busy 399" and busy == [f"busy {n}" for n in range(400 - len(busy), 400)]
    assert quiet == 5, "other channels keep theirs"
    assert usage == 1, "usage rows older than two days are gone"


async def test_a_job_that_awaits_anything_but_its_tx_fails_alone(store: Store) -> None:
    async def sleepy(tx: Tx) -> None:
        await tx.run("INSERT INTO channels (key, platform) VALUES ('web:sleepy', 'web')")
        await asyncio.sleep(0)  # jobs run on the connection's thread; they must not wait on the loop

    with pytest.raises(StoreError, match="awaited something other than its Tx"):
        await store.write(sleepy)
    assert await store.add_message(ROOM.key, BEN.key, "Ben", "user", "still fine", at(0)) > 0
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("SELECT count(*) FROM channels WHERE key = 'web:sleepy'").fetchone()[0] == 0
    finally:
        con.close()
    assert await store.integrity_check() == "ok"
