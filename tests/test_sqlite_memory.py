"""The SQLite backend on real files: schema, restarts, group commit, the writer thread, failures, raw rows."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.errors import UserFacingError
from bot.memory.errors import StoreError, StoreUnwritable
from bot.memory.sqlite import SqliteMemory, Tx
from bot.memory.sqlite.base import iso
from bot.memory.sqlite.messages import TRIM_EVERY
from bot.memory.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from tests.memory_helpers import (
    ANA,
    ANA_DC,
    BEN,
    ROOM,
    T0,
    ManualClock,
    add_trip,
    at,
    populate_linked_ana_and_ben,
)


async def _open(db: Path, clock: ManualClock | None = None, **kw: int) -> SqliteMemory:
    return await SqliteMemory.open(db, clock=clock or ManualClock(), **kw)


@pytest.fixture
async def store(tmp_path: Path, memory_clock: ManualClock):
    s = await _open(tmp_path / "memory.db", memory_clock)
    yield s
    await s.close()


def _tables(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def _indexes(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        con.close()


def _pragma(db: Path, name: str) -> object:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        con.close()


# ---- schema ---------------------------------------------------------------------------------------


async def test_migrations_from_empty_and_idempotent_reopen(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await _open(db)
    await store.facts.add(ANA.key, "likes tea", "user")
    await store.close()
    assert _pragma(db, "user_version") == SCHEMA_VERSION == len(MIGRATIONS) == 4
    assert _pragma(db, "journal_mode") == "wal"
    assert {"persons", "users", "channels", "messages", "facts"} <= _tables(db)
    assert {"avatars", "adventures", "link_codes", "identity_links", "settings", "usage"} <= _tables(db)
    assert "person_files" in _tables(db)
    assert "adventures_channel" in _indexes(db)
    for _ in range(2):
        store = await _open(db)
        assert [f.text for f in await store.facts.list(ANA.key)] == ["likes tea"]
        assert await store.integrity_check() == "ok"
        await store.close()
    assert _pragma(db, "user_version") == 4


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
    store = await _open(db)
    try:
        assert [f.text for f in await store.facts.list("web:old")] == ["A"]
        await store.avatars.set("web:old", "/a.png", "upload", "plain", "0" * 64)
        avatar = await store.avatars.get("web:old")
        assert avatar is not None and avatar.path == "/a.png"
    finally:
        await store.close()
    assert _pragma(db, "user_version") == 4


async def test_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(StoreError, match="newer than this bot"):
        await _open(db)


# ---- restarts and raw rows ------------------------------------------------------------------------


async def test_everything_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    clock = ManualClock()
    store = await _open(db, clock)
    await store.users.upsert_user(ANA)
    await store.users.upsert_channel(ROOM)
    await store.settings.set_channel_persona(ROOM.key, "captain")
    ids = []
    for i in range(3):
        clock.set(i)
        ids.append(await store.messages.add(ROOM.key, ANA.key, "Ana", "user", f"hello {i}"))
    clock.set(4)
    await store.facts.add(ANA.key, "has a cat named Miso", "user")
    clock.set(5)
    assert await store.avatars.set(ANA.key, "/data/avatars/a.png", "upload", "mediapipe", "f" * 64) is None
    clock.set(6)
    trip = await add_trip(store, ANA.key, 6)
    await store.settings.set("web-space:1", "default_persona", "captain")
    clock.set(7)
    await store.usage.record(ANA.key, "adventure")
    await store.close()

    store = await _open(db)
    try:
        assert await store.settings.channel_persona(ROOM.key) == "captain"
        rows = await store.messages.recent(ROOM.key, 10)
        assert [r.id for r in rows] == ids and [r.text for r in rows] == ["hello 0", "hello 1", "hello 2"]
        assert rows[0].at == at(0) and rows[0].at.tzinfo is not None
        assert [f.text for f in await store.facts.list(ANA.key)] == ["has a cat named Miso"]
        avatar = await store.avatars.get(ANA.key)
        assert avatar is not None
        assert (avatar.path, avatar.method, avatar.at) == ("/data/avatars/a.png", "mediapipe", at(5))
        journal = await store.adventures.list(ANA.key)
        assert [a.id for a in journal] == [trip] and journal[0].landmark_id == "place6"
        assert journal[0].at == at(6)
        assert await store.settings.get("web-space:1", "default_persona") == "captain"
        assert await store.usage.last(ANA.key, "adventure") == at(7)
    finally:
        await store.close()


async def test_user_times_come_from_the_clock(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    clock = ManualClock().set(3)
    store = await _open(db, clock)
    await store.users.upsert_user(BEN)
    clock.set(8)
    await store.users.upsert_user(BEN)
    await store.close()
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT first_seen, last_seen FROM users WHERE key = ?", (BEN.key,)).fetchone()
    finally:
        con.close()
    assert row == (iso(at(3)), iso(at(8)))


async def test_forget_leaves_no_trace_in_any_table(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await _open(db)
    _dm_tg, dm_dc = await populate_linked_ana_and_ben(store)
    await store.users.forget(ANA_DC.key)
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


async def test_channel_history_and_usage_stay_bounded(tmp_path: Path) -> None:
    db = tmp_path / "bounded.db"
    clock = ManualClock()
    store = await _open(db, clock, keep_messages=150)
    try:
        for n in range(400):
            await store.messages.add(ROOM.key, ANA.key, "Ana", "user", f"busy {n}")
        for n in range(5):
            await store.messages.add("web:quiet", BEN.key, "Ben", "user", f"quiet {n}")
        recent = await store.messages.recent(ROOM.key, 3)
        assert [m.text for m in recent] == ["busy 397", "busy 398", "busy 399"]
        for n in range(3):
            clock.set(n)
            await store.usage.record(ANA.key, "adventure")
        clock.wall = T0 + timedelta(days=3)
        await store.usage.record(ANA.key, "adventure")
        assert await store.usage.count_since(ANA.key, "adventure", T0 + timedelta(days=2, hours=23)) == 1
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
    assert 150 <= len(busy) < 150 + TRIM_EVERY, "trimmed to the newest turns"
    assert busy[-1] == "busy 399" and busy == [f"busy {n}" for n in range(400 - len(busy), 400)]
    assert quiet == 5, "other channels keep theirs"
    assert usage == 1, "usage rows older than two days are gone"


# ---- the writer: group commit, isolation, its thread ---------------------------------------------


async def test_200_concurrent_writers_all_commit(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    store = await _open(db)

    async def writer(n: int) -> list[int]:
        ids = []
        for i in range(5):
            ids.append(await store.messages.add(f"web:room{n % 7}", f"web:u{n}", f"u{n}", "user", f"{n}-{i}"))
            if i == 2:
                await store.facts.add(f"web:u{n}", f"fact {n}", "user")
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
    store = await _open(db)

    def broken(tx: Tx) -> None:
        tx.run("INSERT INTO channels (key, platform) VALUES ('web:broken', 'web') ON CONFLICT DO NOTHING")
        tx.insert(
            "INSERT INTO messages (channel_key, user_key, speaker, role, text, at) "
            "VALUES ('web:broken', NULL, 'x', 'user', 'must vanish', ?)",
            (T0.isoformat(),),
        )
        raise RuntimeError("job failed after writing")

    def violates(tx: Tx) -> None:
        tx.run("INSERT INTO facts (person_id, text, norm, source, at) VALUES (999999, 't', 't', 'u', 'x')")

    calls = [store.messages.add(ROOM.key, BEN.key, "Ben", "user", f"ok {i}") for i in range(40)]
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


async def test_writes_after_a_failure_keep_working(store: SqliteMemory) -> None:
    def boom(tx: Tx) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await store.write(boom)
    assert await store.facts.add(BEN.key, "still here", "user") > 0
    assert [f.text for f in await store.facts.list(BEN.key)] == ["still here"]


async def test_a_coroutine_passed_as_a_job_fails_alone(store: SqliteMemory) -> None:
    async def not_a_plain_function(tx: Tx) -> None:
        tx.run("INSERT INTO channels (key, platform) VALUES ('web:async', 'web')")

    with pytest.raises(StoreError, match="plain functions"):
        await store.write(not_a_plain_function)  # type: ignore[arg-type]
    assert await store.messages.add(ROOM.key, BEN.key, "Ben", "user", "still fine") > 0
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("SELECT count(*) FROM channels WHERE key = 'web:async'").fetchone()[0] == 0
    finally:
        con.close()
    assert await store.integrity_check() == "ok"


async def test_jobs_run_on_the_writer_thread_not_the_loop(store: SqliteMemory) -> None:
    import threading

    names = await store.write(lambda tx: threading.current_thread().name)
    assert names == "memory-writer" != threading.current_thread().name


async def test_a_cancelled_caller_does_not_cancel_its_write(store: SqliteMemory) -> None:
    pending = asyncio.ensure_future(store.messages.add(ROOM.key, BEN.key, "Ben", "user", "keep me"))
    await asyncio.sleep(0)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    await store.messages.add(ROOM.key, BEN.key, "Ben", "user", "after")  # FIFO: the first one is done by now
    assert [m.text for m in await store.messages.recent(ROOM.key, 10)] == ["keep me", "after"]


async def test_writes_after_close_are_refused_clearly(tmp_path: Path) -> None:
    store = await _open(tmp_path / "memory.db")
    pending = asyncio.ensure_future(store.messages.add(ROOM.key, BEN.key, "Ben", "user", "queued"))
    await asyncio.sleep(0)
    await store.close()
    assert isinstance(await pending, int), "writes queued before close are committed"
    with pytest.raises(StoreError, match="closed"):
        await store.facts.add(BEN.key, "too late", "user")


# ---- unwritable and broken files ------------------------------------------------------------------


async def test_a_directory_in_place_of_the_file_gives_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    db.mkdir()
    with pytest.raises(StoreUnwritable, match="cannot be written"):
        await _open(db)


async def test_unopenable_path_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StoreUnwritable) as info:
        await _open(blocker / "memory.db")
    assert isinstance(info.value, UserFacingError) and info.value.key == "store_unwritable"
    assert str(blocker / "memory.db") in str(info.value) and "writable" in str(info.value)


async def test_a_file_that_is_not_a_database_is_refused_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    db.write_bytes(b"this is a diary, not a database" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        await _open(db)
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
    store = await _open(db)
    await store.facts.add(BEN.key, "kept safe", "user")
    await store.close()
    before = db.read_bytes()
    undo = _make_read_only(db)
    try:
        with pytest.raises(StoreUnwritable, match="cannot be written") as info:
            await _open(db)
        assert info.value.key == "store_unwritable" and info.value.path == str(db)
    finally:
        undo()
    assert db.read_bytes() == before
    store = await _open(db)
    try:
        assert [f.text for f in await store.facts.list(BEN.key)] == ["kept safe"]
    finally:
        await store.close()


async def test_disk_full_fails_the_write_and_corrupts_nothing(store: SqliteMemory) -> None:
    """SQLITE_FULL for real, by capping the file's page count on the writer connection."""
    for i in range(20):
        await store.messages.add(ROOM.key, BEN.key, "Ben", "user", f"before {i}")

    def cap(tx: Tx) -> int:
        pages = tx.one("PRAGMA page_count")[0]  # type: ignore[index]
        tx.one(f"PRAGMA max_page_count = {pages + 1}")
        return pages

    await store.write(cap)
    big = "x" * 200_000
    results = await asyncio.gather(
        store.messages.add(ROOM.key, BEN.key, "Ben", "user", big),
        store.messages.add(ROOM.key, BEN.key, "Ben", "user", big),
        return_exceptions=True,
    )
    assert all(isinstance(r, StoreUnwritable) for r in results), results
    assert "full" in str(results[0])
    assert await store.integrity_check() == "ok"
    assert [r.text for r in await store.messages.recent(ROOM.key, 100)] == [f"before {i}" for i in range(20)]

    def uncap(tx: Tx) -> None:
        tx.one("PRAGMA max_page_count = 1073741823")

    await store.write(uncap)
    await store.messages.add(ROOM.key, BEN.key, "Ben", "user", "after")
    assert (await store.messages.recent(ROOM.key, 1))[0].text == "after"
