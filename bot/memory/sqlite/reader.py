"""The read connection: read-only aiosqlite, on its own thread, so reads never wait behind the writer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.memory.sqlite.writer import Params


class Reader:
    """One read-only aiosqlite connection (WAL: reads see the last commit, never block the writer)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._db = conn

    @classmethod
    async def open(cls, path: Path) -> Reader:
        """Open the read connection to `path`."""
        conn = await aiosqlite.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute("PRAGMA busy_timeout=10000")
            await conn.execute("PRAGMA query_only=ON")
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        return list(await self._db.execute_fetchall(sql, params))

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def close(self) -> None:
        """Close the connection and stop its thread."""
        await self._db.close()
