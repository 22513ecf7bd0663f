"""The single writer: its own thread, its own sqlite3 connection, group commit with a SAVEPOINT per job.

Every write is a job: a plain function `job(tx) -> T` that runs statements through its `Tx`. The
writer thread takes queued jobs in batches, runs them in ONE transaction and resolves each
caller's future only after COMMIT returned. Nothing else ever touches the write connection, so
transactions can never interleave. In WAL mode with synchronous=NORMAL a commit that returned
survives the process being killed.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from bot.memory.errors import StoreError, StoreUnwritable

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BATCH = 512
_UNWRITABLE = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM")
Params = tuple[str | int | float | bytes | None, ...]


def store_error(path: Path | str, exc: BaseException) -> BaseException:
    """Turn a low-level sqlite error into a clear store error where one applies."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if isinstance(exc, sqlite3.OperationalError) and name.startswith(_UNWRITABLE):
        return StoreUnwritable(path, str(exc))
    if name == "SQLITE_NOTADB":
        return StoreError(f"{path} is not a SQLite database ({exc}); move it away or point the bot elsewhere")
    return exc


class KeyCache:
    """Keys whose rows are known to be committed, so hot writes skip the 'ensure' statements.

    Only the writer thread reads or changes it.
    """

    def __init__(self) -> None:
        self.channels: set[str] = set()
        self.persons: dict[str, int] = {}

    def clear(self) -> None:
        """Forget everything (after deletes or merges that may invalidate entries)."""
        self.channels.clear()
        self.persons.clear()


@dataclass
class Tx:
    """What a job sees: the write connection, the committed-key cache, and its own new keys."""

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

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a statement and return its first row."""
        rows = self.conn.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a statement and return all rows."""
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of changed rows."""
        return self.conn.execute(sql, params).rowcount

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new rowid."""
        rowid = self.conn.execute(sql, params).lastrowid
        if rowid is None:
            raise StoreError("insert returned no row id")
        return rowid


Job = Callable[[Tx], T]


@dataclass
class _Item(Generic[T]):
    job: Job[T]
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop
    retried: bool = False


# (item, result, error): what the writer thread hands back to the caller's event loop
_Settled = tuple[_Item[Any], Any, BaseException | None]


class Writer:
    """Owns the write connection and the thread that uses it; `submit` queues a job and waits for its commit."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.cache = KeyCache()
        # Jobs submitted during one event-loop turn go to the thread together (one wake-up, one
        # batch): the same grouping the loop gives concurrent tasks that are ready at once.
        self._pending: list[_Item[Any]] = []
        self._queue: queue.SimpleQueue[list[_Item[Any]] | None] = queue.SimpleQueue()
        # daemon: a store nobody closed must not keep the interpreter alive; commits are atomic anyway
        self._thread = threading.Thread(target=self._run, name="memory-writer", daemon=True)
        self._closing = False
        self.optimistic = True
        self.batches = 0
        self.jobs = 0
        self.replays = 0

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    async def submit(self, job: Job[T]) -> T:
        """Queue `job`; return its result once its transaction has committed."""
        if self._closing or not self._thread.is_alive():
            raise StoreError("the memory store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        future.add_done_callback(_consume)  # a cancelled caller leaves no "exception never retrieved"
        self._pending.append(_Item(job, future, loop))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        # shield: a cancelled caller must not cancel a job that may already be in a transaction
        return await asyncio.shield(future)

    def _flush(self) -> None:
        items, self._pending = self._pending, []
        if items:
            self._queue.put(items)

    async def close(self) -> None:
        """Finish queued jobs, then stop the thread and close the connection."""
        if self._closing:
            return
        self._closing = True
        if self._thread.is_alive():
            self._flush()
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
        else:
            self.conn.close()

    # ---- on the writer thread ------------------------------------------------------------------

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            items = list(first)
            while len(items) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                items += more
            for start in range(0, len(items), MAX_BATCH):
                self._batch(items[start : start + MAX_BATCH])
        self._shutdown()

    def _batch(self, batch: list[_Item[Any]]) -> None:
        try:
            retry = self._commit(batch)
        except Exception as exc:  # never let the writer die; fail the batch instead
            log.exception("memory writer batch failed")
            _rollback(self.conn)
            _deliver([(item, None, store_error(self.path, exc)) for item in batch])
            return
        while retry:
            try:
                retry = self._commit(retry)
            except Exception as exc:
                _rollback(self.conn)
                _deliver([(item, None, exc) for item in retry])
                retry = []

    def _shutdown(self) -> None:
        try:
            self.conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            log.debug("PRAGMA optimize failed", exc_info=True)
        self.conn.close()

    def _commit(self, batch: list[_Item[Any]], isolate: bool | None = None) -> list[_Item[Any]]:
        """Run one batch in one transaction. Returns jobs to run again when SQLite dropped the transaction.

        Fast path (`isolate` False): the jobs run without savepoints. If one fails, the whole
        transaction is rolled back before anything was acknowledged and the batch is replayed
        with one SAVEPOINT per job, so a failing job rolls back only itself.
        """
        if isolate is None:
            isolate = not self.optimistic
        out = self._run_batch(batch, isolate)
        if out.replay:
            self.cache.clear()
            self.replays += 1
            return self._commit(batch, isolate=True)
        if out.fail_all is not None:
            _deliver([(item, None, out.fail_all) for item in batch])
            return []
        failed = [(item, None, store_error(self.path, exc)) for item, exc in out.failed]
        if out.again is not None:
            _broken, exc = out.again
            again, gave_up = _again(batch, {id(item) for item, _ in out.failed}, exc)
            _deliver(failed + gave_up)
            return again
        self.batches += 1
        self.jobs += len(batch)
        if out.invalidated:
            self.cache.clear()
        else:
            self.cache.channels |= out.new_channels
            self.cache.persons.update(out.new_persons)
        _deliver([(item, result, None) for item, result in out.done] + failed)
        return []

    def _run_batch(self, batch: list[_Item[Any]], isolate: bool) -> _Outcome:
        """The transaction itself; nothing is delivered to callers here."""
        conn = self.conn
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
                result = _call(item.job, tx)
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
    """What one batch did."""

    done: list[tuple[_Item[Any], Any]] = field(default_factory=list)
    failed: list[tuple[_Item[Any], BaseException]] = field(default_factory=list)
    new_channels: set[str] = field(default_factory=set)
    new_persons: dict[str, int] = field(default_factory=dict)
    invalidated: bool = False
    replay: bool = False
    again: tuple[_Item[Any], BaseException] | None = None
    fail_all: BaseException | None = None


def _call(job: Job[T], tx: Tx) -> T:
    """Run a job; an `async def` passed by mistake fails clearly instead of committing nothing."""
    result = job(tx)
    if inspect.iscoroutine(result):
        result.close()
        raise StoreError("write jobs are plain functions `job(tx) -> T`, not coroutines")
    return result


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except Exception:
        log.exception("memory writer could not roll back")


def _again(
    batch: list[_Item[Any]], failed: set[int], exc: BaseException
) -> tuple[list[_Item[Any]], list[_Settled]]:
    """The batch's jobs that did not fail, for one more try; those already retried fail instead."""
    again: list[_Item[Any]] = []
    gave_up: list[_Settled] = []
    for item in batch:
        if id(item) in failed:
            continue
        if item.retried:
            gave_up.append((item, None, exc))
        else:
            item.retried = True
            again.append(item)
    return again, gave_up


def _deliver(settled: list[_Settled]) -> None:
    """Hand results to their callers' event loops: one wake-up per loop, not one per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Settled]] = {}
    for entry in settled:
        by_loop.setdefault(entry[0].loop, []).append(entry)
    for loop, entries in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, entries)
        except RuntimeError:  # the caller's loop is closed; nobody is waiting any more
            log.debug("memory writer: %d result(s) for a closed event loop", len(entries))


def _settle(entries: list[_Settled]) -> None:
    for item, result, exc in entries:
        if item.future.done():
            continue
        if exc is not None:
            item.future.set_exception(exc)
        else:
            item.future.set_result(result)


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
