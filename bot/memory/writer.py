"""The single writer: one connection, one task, group commit with a SAVEPOINT per job.

Every write in the store is a job: an async function that gets a `Tx` and runs statements on
the write connection. The writer task takes queued jobs in batches, runs them in ONE
transaction (each inside its own SAVEPOINT, so a failing job rolls back only itself), and
resolves each job's future only after COMMIT returned. Nothing else ever touches the write
connection, so transactions can never interleave.

A whole batch runs in one hop to aiosqlite's connection thread: the jobs are coroutines whose
only awaits are `Tx` calls, and those run the statement at once on the raw sqlite3 connection,
so each job is driven to completion there without a thread round trip per statement.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.memory.errors import StoreError, StoreUnwritable

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BATCH = 512
_UNWRITABLE = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM")


def store_error(path: Path | str, exc: BaseException) -> BaseException:
    """Turn a low-level sqlite error into a clear store error where one applies."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if isinstance(exc, sqlite3.OperationalError) and name.startswith(_UNWRITABLE):
        return StoreUnwritable(path, str(exc))
    if name == "SQLITE_NOTADB":
        return StoreError(f"{path} is not a SQLite database ({exc}); move it away or point the bot elsewhere")
    return exc


class KeyCache:
    """Keys whose rows are known to be committed, so hot writes skip the 'ensure' statements."""

    def __init__(self) -> None:
        self.channels: set[str] = set()
        self.persons: dict[str, int] = {}

    def clear(self) -> None:
        """Forget everything (after deletes or merges that may invalidate entries)."""
        self.channels.clear()
        self.persons.clear()


@dataclass
class Tx:
    """What a job sees: the write connection, the committed-key cache, and its own new keys.

    Its methods are coroutines so jobs read as ordinary async code, but they never suspend: they
    run on the connection's own thread while the writer drives the job there.
    """

    conn: sqlite3.Connection
    cache: KeyCache
    new_channels: set[str] = field(default_factory=set)
    new_persons: dict[str, int] = field(default_factory=dict)
    invalidated: bool = False

    def invalidate(self) -> None:
        """Drop cached keys: this job deletes or merges users or channels."""
        self.invalidated = True
        self.cache.clear()
        self.new_channels.clear()
        self.new_persons.clear()

    async def one(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        """Run a statement and return its first row."""
        rows = self.conn.execute(sql, params).fetchall()
        return rows[0] if rows else None

    async def all(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Run a statement and return all rows."""
        return self.conn.execute(sql, params).fetchall()

    async def run(self, sql: str, params: tuple = ()) -> int:
        """Run a statement; returns the number of changed rows."""
        return self.conn.execute(sql, params).rowcount

    async def insert(self, sql: str, params: tuple = ()) -> int:
        """Run an INSERT; returns the new rowid."""
        rowid = self.conn.execute(sql, params).lastrowid
        if rowid is None:
            raise StoreError("insert returned no row id")
        return rowid


def _drive(coro: Any) -> Any:
    """Run a job coroutine that never suspends to completion, on the current thread."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise StoreError("a write job awaited something other than its Tx")


Job = Callable[[Tx], Awaitable[T]]


@dataclass
class _Item(Generic[T]):
    job: Job[T]
    future: asyncio.Future[T]
    retried: bool = False


class Writer:
    """Owns the write connection; `submit` queues a job and waits for its commit."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.cache = KeyCache()
        self._queue: asyncio.Queue[_Item[Any] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.optimistic = True
        self.batches = 0
        self.jobs = 0
        self.replays = 0

    def start(self) -> None:
        """Start the writer task on the running loop."""
        self._task = asyncio.create_task(self._run(), name="memory-writer")

    async def submit(self, job: Job[T]) -> T:
        """Queue `job`; return its result once its transaction has committed."""
        if self._closing or self._task is None or self._task.done():
            raise StoreError("the memory store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)  # a cancelled caller leaves no "exception never retrieved"
        self._queue.put_nowait(_Item(job, future))
        # shield: a cancelled caller must not cancel a job that may already be in a transaction
        return await asyncio.shield(future)

    async def close(self) -> None:
        """Finish queued jobs, then stop the task."""
        if self._task is None:
            return
        self._closing = True
        self._queue.put_nowait(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        stop = False
        while not stop:
            first = await self._queue.get()
            if first is None:
                break
            # One loop turn lets tasks that are ready right now queue their writes into this batch:
            # fewer, larger transactions (group commit) at the cost of a single scheduling step.
            await asyncio.sleep(0)
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                retry = await self._commit(batch)
            except Exception as exc:  # never let the writer die; fail the batch instead
                log.exception("memory writer batch failed")
                await self._abandon()
                _fail(batch, store_error(self.path, exc))
                continue
            while retry:
                try:
                    retry = await self._commit(retry)
                except Exception as exc:
                    _fail(retry, exc)
                    retry = []

    async def _abandon(self) -> None:
        try:
            await self.db._execute(lambda: _rollback(self.db._conn))
        except Exception:  # the connection itself is gone; nothing to roll back
            log.exception("memory writer could not roll back")

    async def _commit(self, batch: list[_Item[Any]], isolate: bool | None = None) -> list[_Item[Any]]:
        """Run one batch in one transaction. Returns jobs to run again when SQLite dropped the transaction.

        Fast path (`isolate` False): the jobs run without savepoints. If one fails, the whole
        transaction is rolled back before anything was acknowledged and the batch is replayed
        with one SAVEPOINT per job, so a failing job rolls back only itself.
        """
        if isolate is None:
            isolate = not self.optimistic
        out: _Outcome = await self.db._execute(self._run_batch, batch, isolate)
        if out.replay:
            self.cache.clear()
            self.replays += 1
            return await self._commit(batch, isolate=True)
        if out.fail_all is not None:
            _fail(batch, out.fail_all)
            return []
        if out.again is not None:
            broken, exc = out.again
            _fail_each(out.failed, self.path)
            return _again(batch, broken, exc)
        self.batches += 1
        self.jobs += len(batch)
        if out.invalidated:
            self.cache.clear()
        else:
            self.cache.channels |= out.new_channels
            self.cache.persons.update(out.new_persons)
        for item, result in out.done:
            if not item.future.done():
                item.future.set_result(result)
        _fail_each(out.failed, self.path)
        return []

    def _run_batch(self, batch: list[_Item[Any]], isolate: bool) -> _Outcome:
        """The transaction itself, on the connection's thread; futures are resolved by the caller."""
        conn: sqlite3.Connection = self.db._conn  # aiosqlite's connection, on its own thread here
        out = _Outcome()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except Exception as exc:
            out.fail_all = store_error(self.path, exc)
            return out
        for item in batch:
            tx = Tx(conn, self.cache, set(out.new_channels), dict(out.new_persons))
            try:
                if isolate:
                    conn.execute("SAVEPOINT job")
                result = _drive(item.job(tx))
                if isolate:
                    conn.execute("RELEASE job")
            except Exception as exc:
                if not isolate:
                    _rollback(conn)
                    out.replay = True
                    return out
                if tx.invalidated:
                    out.invalidated = True
                    out.new_channels.clear()
                    out.new_persons.clear()
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back (disk full, I/O error): nothing of
                    # this batch is committed, so the other jobs are run once more in a new one.
                    out.failed.append((item, exc))
                    out.again = (item, store_error(self.path, exc))
                    return out
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                out.failed.append((item, exc))
                continue
            if tx.invalidated:
                out.invalidated = True
                out.new_channels.clear()
                out.new_persons.clear()
            out.new_channels |= tx.new_channels
            out.new_persons.update(tx.new_persons)
            out.done.append((item, result))
        try:
            conn.execute("COMMIT")
        except Exception as exc:
            _rollback(conn)
            out.fail_all = store_error(self.path, exc)
        return out


@dataclass
class _Outcome:
    """What one batch did, handed back from the connection's thread to the writer task."""

    done: list[tuple[_Item[Any], Any]] = field(default_factory=list)
    failed: list[tuple[_Item[Any], BaseException]] = field(default_factory=list)
    new_channels: set[str] = field(default_factory=set)
    new_persons: dict[str, int] = field(default_factory=dict)
    invalidated: bool = False
    replay: bool = False
    again: tuple[_Item[Any], BaseException] | None = None
    fail_all: BaseException | None = None


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except Exception:
        log.exception("memory writer could not roll back")


def _again(batch: list[_Item[Any]], broken: _Item[Any], exc: BaseException) -> list[_Item[Any]]:
    """The batch's unresolved jobs, for one more try; jobs already retried fail instead."""
    out = []
    for item in batch:
        if item is broken or item.future.done():
            continue
        if item.retried:
            item.future.set_exception(exc)
        else:
            item.retried = True
            out.append(item)
    return out


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _fail(items: list[_Item[Any]], exc: BaseException) -> None:
    for item in items:
        if not item.future.done():
            item.future.set_exception(exc)


def _fail_each(failed: list[tuple[_Item[Any], BaseException]], path: Path) -> None:
    for item, exc in failed:
        if not item.future.done():
            item.future.set_exception(store_error(path, exc))
