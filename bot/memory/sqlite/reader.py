"""The read connection: read-only, on its own thread, so reads never wait behind the writer."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.memory.sqlite.writer import Params


def _open_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    return conn


class Reader:
    """One read-only sqlite3 connection used only by its one thread (WAL: reads see the last commit)."""

    def __init__(self, conn: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self._sqlite = conn
        self._thread = thread

    @classmethod
    async def open(cls, path: Path) -> Reader:
        """Open the read connection to `path` on a new thread."""
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memory-reader")
        try:
            conn = await asyncio.get_running_loop().run_in_executor(thread, _open_read_only, path)
        except BaseException:
            thread.shutdown(wait=False)
            raise
        return cls(conn, thread)

    def _fetch(self, sql: str, params: Params) -> list[sqlite3.Row]:
        return self._sqlite.execute(sql, params).fetchall()

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._fetch, sql, params)

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        rows = await self.rows(sql, params)
        return rows[0] if rows else None

    async def close(self) -> None:
        """Close the connection on its thread and stop the thread."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._sqlite.close)
        self._thread.shutdown(wait=False)
