"""`SqliteMemory`: the memory port on one SQLite file (WAL), one writer thread and one reader thread."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import TypeVar

from bot.core.clock import Clock
from bot.memory.errors import StoreError, StoreUnwritable
from bot.memory.sqlite.adventures import SqliteAdventures
from bot.memory.sqlite.avatars import SqliteAvatars
from bot.memory.sqlite.base import Shared
from bot.memory.sqlite.facts import SqliteFacts
from bot.memory.sqlite.messages import SqliteMessages
from bot.memory.sqlite.reader import Reader
from bot.memory.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from bot.memory.sqlite.settings import SqliteSettings
from bot.memory.sqlite.usage import SqliteUsage
from bot.memory.sqlite.users import SqliteUsers
from bot.memory.sqlite.writer import Job, Writer, store_error

log = logging.getLogger(__name__)
T = TypeVar("T")

_PRAGMAS = (
    "PRAGMA synchronous=NORMAL",  # in WAL: durable across process crashes, not power loss
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA secure_delete=ON",  # /forget overwrites what it deletes
)


class SqliteMemory:
    """Per-user memory, channel state, avatars, journal, identity links, settings and usage in SQLite."""

    def __init__(self, db: Shared, *, keep_messages: int = 5000) -> None:
        self._db = db
        self.path = db.path
        self.users = SqliteUsers(db)
        self.messages = SqliteMessages(db, keep_messages)
        self.facts = SqliteFacts(db)
        self.avatars = SqliteAvatars(db)
        self.adventures = SqliteAdventures(db)
        self.settings = SqliteSettings(db)
        self.usage = SqliteUsage(db)

    @classmethod
    async def open(cls, path: Path, *, clock: Clock, keep_messages: int = 5000) -> SqliteMemory:
        """Open (creating and migrating as needed) the database at `path`; keep that many turns per channel."""
        path = Path(path)
        if not path.parent.is_dir():
            raise StoreUnwritable(path, f"{path.parent} is not a folder")
        try:
            conn = await asyncio.to_thread(_open_writable, path)
        except sqlite3.Error as exc:
            raise _open_error(path, exc) from exc
        try:
            reader = await Reader.open(path)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise _open_error(path, exc) from exc
            raise
        writer = Writer(conn, path)
        writer.start()
        return cls(Shared(path, writer, reader, clock), keep_messages=keep_messages)

    async def close(self) -> None:
        """Finish queued writes and close both connections."""
        await self._db.writer.close()
        await self._db.reader.close()

    async def write(self, job: Job[T]) -> T:
        """Run a custom write job (`def job(tx: Tx) -> T`) through the single writer (admin and tests)."""
        try:
            return await self._db.write(job)
        finally:
            self._db.cache.invalidate()

    async def integrity_check(self) -> str:
        """'ok' when PRAGMA integrity_check and foreign_key_check find nothing; else what they found."""
        rows = await self._db.rows("PRAGMA integrity_check")
        result = "; ".join(str(r[0]) for r in rows)
        if result != "ok":
            return result
        bad = await self._db.rows("PRAGMA foreign_key_check")
        return "ok" if not bad else f"{len(bad)} foreign key violation(s), first in table {bad[0][0]}"

    def stats(self) -> dict[str, int]:
        """Writer counters: committed batches, jobs, and batches replayed with a savepoint per job."""
        w = self._db.writer
        return {"batches": w.batches, "jobs": w.jobs, "replays": w.replays}


def _open_error(path: Path, exc: sqlite3.Error) -> BaseException:
    err = store_error(path, exc)
    if err is exc:
        return StoreError(f"cannot open the memory database {path}: {exc}")
    return err


def _open_writable(path: Path) -> sqlite3.Connection:
    """The write connection, in WAL mode and migrated; handed to the writer thread afterwards."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreUnwritable(path, f"could not switch to WAL journal mode (got {mode!r})")
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply pending migrations in one transaction; also proves the file is writable."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the memory database {path} has schema version {version}, newer than this bot's "
            f"{SCHEMA_VERSION}; upgrade the bot"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            log.info("memory store migrated to schema version %d", number)
        # written even when nothing is pending: a read-only file fails here, at start, clearly
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
