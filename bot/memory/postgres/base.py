"""What the Postgres repositories share: the connection pool, the clock, transactions, SQL helpers.

Nothing is cached in the process: several bot processes and workers write the same database, so
every read goes to Postgres and sees every process's last commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from bot.core.clock import Clock
from bot.memory.errors import StoreError, StoreUnwritable
from bot.memory.sqlite.base import platform_of

Conn = asyncpg.pool.PoolConnectionProxy
# Transaction-scoped advisory lock taken by jobs that merge or delete whole persons (link, forget),
# so two of them never interleave on the same rows from different processes.
IDENTITY_LOCK = 0x41564154  # "AVAT"
_UNWRITABLE = {"53100", "53200", "25006", "42501"}  # disk full, out of memory, read-only, no privilege


def utc(at: datetime) -> datetime:
    """An aware UTC datetime (naive times are taken as UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def store_error(where: str, exc: BaseException) -> BaseException:
    """Turn a Postgres error into a clear store error where one applies."""
    state = getattr(exc, "sqlstate", None) or ""
    if state in _UNWRITABLE:
        return StoreUnwritable(where, str(exc))
    if isinstance(exc, OSError | asyncpg.exceptions.ConnectionDoesNotExistError):
        return StoreError(f"the memory database {where} cannot be reached ({exc})")
    return exc


@dataclass
class PgShared:
    """One store's pool and clock, handed to every repository."""

    pool: asyncpg.Pool
    clock: Clock
    where: str
    transactions: int = 0

    def now(self) -> datetime:
        """The clock's now, in UTC."""
        return utc(self.clock.now())

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Conn]:
        """A pooled connection inside one transaction, committed when the block ends without error."""
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn
        except asyncpg.PostgresError as exc:
            err = store_error(self.where, exc)
            if err is exc:
                raise
            raise err from exc
        self.transactions += 1

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """Rows of one read."""
        return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        """The first row of one read, or None."""
        return await self.pool.fetchrow(sql, *args)


async def ensure_channel(conn: Conn, key: str) -> None:
    """Create a bare channel row for `key` unless it exists."""
    await conn.execute(
        "INSERT INTO channels (key, platform) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        key,
        platform_of(key),
    )


async def ensure_person(
    conn: Conn, key: str, when: datetime, display_name: str = "", locale: str | None = None
) -> int:
    """The person id behind `key`, creating the user (and a new person) when unknown.

    Safe against another process creating the same user at once: the loser's new person is
    dropped and the winner's id returned.
    """
    person = await conn.fetchval("SELECT person_id FROM users WHERE key = $1", key)
    if person is not None:
        return int(person)
    person = await conn.fetchval("INSERT INTO persons (created_at) VALUES ($1) RETURNING id", when)
    got = await conn.fetchval(
        "INSERT INTO users (key, person_id, platform, display_name, locale, first_seen, last_seen) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (key) DO NOTHING RETURNING person_id",
        key,
        person,
        platform_of(key),
        display_name,
        locale,
        when,
    )
    if got is None:
        await conn.execute("DELETE FROM persons WHERE id = $1", person)
        got = await conn.fetchval("SELECT person_id FROM users WHERE key = $1", key)
    return int(got)


async def orphan(conn: Conn, path: str, person: int, when: datetime) -> None:
    """Note a file no record points to any more, for `take_orphan_files`."""
    await conn.execute(
        "INSERT INTO orphan_files (path, person_id, at) VALUES ($1, $2, $3) "
        "ON CONFLICT (path) DO UPDATE SET person_id = excluded.person_id, at = excluded.at",
        path,
        person,
        when,
    )
