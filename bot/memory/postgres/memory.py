"""`PostgresMemory`: the memory port on PostgreSQL through an asyncpg pool, shared by many processes."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.core.clock import Clock
from bot.memory.errors import StoreError
from bot.memory.postgres.adventures import PgAdventures
from bot.memory.postgres.avatars import PgAvatars
from bot.memory.postgres.base import PgShared, store_error
from bot.memory.postgres.facts import PgFacts
from bot.memory.postgres.messages import PgMessages
from bot.memory.postgres.schema import MIGRATIONS, SCHEMA_VERSION
from bot.memory.postgres.settings import PgSettings
from bot.memory.postgres.usage import PgUsage
from bot.memory.postgres.users import PgUsers

log = logging.getLogger(__name__)
MIGRATION_LOCK = 0x41564D47  # "AVMG": one process migrates at a time


def redact(dsn: str) -> str:
    """The DSN without its password, for logs and error messages."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresMemory:
    """Per-user memory, channel state, avatars, journal, identity links, settings and usage in Postgres."""

    def __init__(self, db: PgShared, *, keep_messages: int = 5000) -> None:
        self._db = db
        self.where = db.where
        self.users = PgUsers(db)
        self.messages = PgMessages(db, keep_messages)
        self.facts = PgFacts(db)
        self.avatars = PgAvatars(db)
        self.adventures = PgAdventures(db)
        self.settings = PgSettings(db)
        self.usage = PgUsage(db)

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        clock: Clock,
        keep_messages: int = 5000,
        schema: str | None = None,
        pool_size: int = 10,
    ) -> PostgresMemory:
        """Connect to `dsn` (creating and migrating the tables as needed), in `schema` if given."""
        where = redact(dsn)
        settings = {"application_name": "avatar-bot"}
        if schema:
            settings["search_path"] = schema
        try:
            if schema:
                conn = await asyncpg.connect(dsn)
                try:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                finally:
                    await conn.close()
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=pool_size, server_settings=settings)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"cannot open the memory database {where}: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                await migrate(conn, where)
        except BaseException:
            await pool.close()
            raise
        return cls(PgShared(pool, clock, where), keep_messages=keep_messages)

    async def close(self) -> None:
        """Close the pool (waiting for queries in flight)."""
        await self._db.pool.close()

    async def schema_version(self) -> int:
        """The schema version recorded in the database."""
        return int(await self._db.pool.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    async def integrity_check(self) -> str:
        """'ok' when the schema is current and no person is left without an identity; else what was found."""
        version = await self.schema_version()
        if version != SCHEMA_VERSION:
            return f"schema version {version}, expected {SCHEMA_VERSION}"
        stray = await self._db.pool.fetchval(
            "SELECT count(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.person_id = p.id)"
        )
        return "ok" if not stray else f"{stray} person row(s) without any user"

    def stats(self) -> dict[str, int]:
        """Committed transactions, and the pool's size."""
        return {"transactions": self._db.transactions, "connections": self._db.pool.get_size()}


async def current_version(conn: asyncpg.Connection) -> int:
    """The schema version of the database `conn` is on (0 when it has none yet)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def migrate(conn: asyncpg.Connection, where: str) -> tuple[int, int]:
    """Apply pending migrations in one transaction under an advisory lock; returns (before, after)."""
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            before = await current_version(conn)
            if before > SCHEMA_VERSION:
                raise StoreError(
                    f"the memory database {where} has schema version {before}, newer than this bot's "
                    f"{SCHEMA_VERSION}; upgrade the bot"
                )
            for number in range(before + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", number)
                log.info("memory store migrated to schema version %d", number)
    except asyncpg.PostgresError as exc:
        err = store_error(where, exc)
        if err is exc:
            raise StoreError(f"cannot migrate the memory database {where}: {exc}") from exc
        raise err from exc
    return before, SCHEMA_VERSION
