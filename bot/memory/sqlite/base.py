"""What the SQLite repositories share: the writer, the reader, the clock, the read caches, SQL helpers."""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.core.clock import Clock
from bot.memory.records import StoredMessage
from bot.memory.sqlite.reader import Reader
from bot.memory.sqlite.writer import Job, Params, Tx, Writer

T = TypeVar("T")
RECENT_WINDOW = 64
CacheKey = tuple[str | int, ...]


def iso(at: datetime) -> str:
    """ISO-8601 UTC text of fixed width (so text order is time order); naive times are taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from stored text."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def marks(n: int) -> str:
    """`?, ?, ...` for an IN list of `n` values."""
    return ",".join("?" * n)


def platform_of(key: str) -> str:
    """The platform part of a 'platform:id' key."""
    return key.split(":", 1)[0] if ":" in key else ""


@dataclass
class ReadCache:
    """Read-through cache of small, hot reads, plus the tail of each active channel's history.

    Every write that could change a cached value clears it after COMMIT (`invalidate`); a read
    that raced a write is not cached. Channel tails are kept in step with new messages.
    """

    values: dict[CacheKey, list[sqlite3.Row]] = field(default_factory=dict)
    generation: int = 0
    recent: dict[str, list[StoredMessage]] = field(default_factory=dict)
    channel_writes: dict[str, int] = field(default_factory=dict)

    async def rows(
        self, key: CacheKey, load: Callable[[], Awaitable[list[sqlite3.Row]]]
    ) -> list[sqlite3.Row]:
        """The cached rows under `key`, loading them on a miss."""
        if key in self.values:
            return self.values[key]
        generation = self.generation
        value = await load()
        if generation == self.generation:
            if len(self.values) > 20_000:
                self.values.clear()
            self.values[key] = value
        return value

    def invalidate(self) -> None:
        """Drop every cached read and channel tail (after a write that may change them)."""
        self.generation += 1
        self.values.clear()
        self.recent.clear()
        for key in self.channel_writes:
            self.channel_writes[key] += 1

    def remember_recent(self, msg: StoredMessage) -> None:
        """Put a just-committed message into its channel's tail, if that tail is cached."""
        window = self.recent.get(msg.channel_key)
        if window is None:
            return
        ids = [m.id for m in window]
        pos = bisect.bisect_left(ids, msg.id)
        if pos < len(ids) and ids[pos] == msg.id:
            return
        window.insert(pos, msg)
        del window[:-RECENT_WINDOW]


@dataclass
class Shared:
    """One store's writer, reader, clock and caches, handed to every repository."""

    path: Path
    writer: Writer
    reader: Reader
    clock: Clock
    cache: ReadCache = field(default_factory=ReadCache)

    def now(self) -> str:
        """The clock's now, as stored text."""
        return iso(self.clock.now())

    async def write(self, job: Job[T]) -> T:
        """Run a write job through the single writer; returns once committed."""
        return await self.writer.submit(job)

    async def write_and_invalidate(self, job: Job[T]) -> T:
        """Run a write job, then drop the read caches it may have made stale."""
        try:
            return await self.writer.submit(job)
        finally:
            self.cache.invalidate()

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Rows from the read connection."""
        return await self.reader.rows(sql, params)

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row from the read connection, or None."""
        return await self.reader.row(sql, params)

    async def cached_rows(self, key: CacheKey, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Rows of a hot read, through the read cache."""
        return await self.cache.rows(key, lambda: self.reader.rows(sql, params))


# ---- helpers run inside write jobs (on the writer thread) -----------------------------------------


def ensure_channel(tx: Tx, key: str) -> None:
    """Create a bare channel row for `key` unless it is known to exist."""
    if key in tx.cache.channels or key in tx.new_channels:
        return
    tx.run(
        "INSERT INTO channels (key, platform) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (key, platform_of(key)),
    )
    tx.new_channels.add(key)


def ensure_person(tx: Tx, key: str, when: str, display_name: str = "", locale: str | None = None) -> int:
    """The person id behind `key`, creating the user (and a new person) when unknown."""
    person = tx.cache.persons.get(key) or tx.new_persons.get(key)
    if person is not None:
        return person
    row = tx.one("SELECT person_id FROM users WHERE key = ?", (key,))
    if row is not None:
        person = int(row["person_id"])
    else:
        person = tx.insert("INSERT INTO persons (created_at) VALUES (?)", (when,))
        tx.run(
            "INSERT INTO users (key, person_id, platform, display_name, locale, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, person, platform_of(key), display_name, locale, when, when),
        )
    tx.new_persons[key] = person
    return person


def orphan(tx: Tx, path: str, person: int, when: str) -> None:
    """Note a file no record points to any more, for `take_orphan_files`."""
    tx.run("INSERT OR REPLACE INTO orphan_files (path, person_id, at) VALUES (?, ?, ?)", (path, person, when))
