"""Which memory backend the settings select: Postgres when DATABASE_URL is set, else SQLite in the data dir."""

from __future__ import annotations

import sqlite3

from bot.core.clock import Clock, SystemClock
from bot.core.ports import Memory
from bot.settings import Settings


def database_url(settings: Settings) -> str | None:
    """The Postgres URL from DATABASE_URL, or None for the embedded SQLite store."""
    url = settings.database_url.get_secret_value().strip() if settings.database_url else ""
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"DATABASE_URL must start with postgresql:// (got {url.split(':', 1)[0]}://…)")
    return url


def describe(settings: Settings) -> str:
    """Where the memory store lives, without secrets: 'postgres …' or 'sqlite …'."""
    url = database_url(settings)
    if url is None:
        return f"sqlite {settings.db_path.resolve()}"
    from bot.memory.postgres.memory import redact

    return f"postgres {redact(url)}"


async def open_memory(settings: Settings, *, clock: Clock | None = None) -> Memory:
    """Open (creating and migrating as needed) the store the settings select."""
    clock = clock or SystemClock()
    url = database_url(settings)
    if url is not None:
        from bot.memory.postgres import PostgresMemory

        return await PostgresMemory.open(
            url,
            clock=clock,
            keep_messages=settings.history_keep_messages,
            pool_size=settings.database_pool_size,
        )
    from bot.memory.sqlite import SqliteMemory

    settings.avatar_data_dir.mkdir(parents=True, exist_ok=True)
    return await SqliteMemory.open(
        settings.db_path, clock=clock, keep_messages=settings.history_keep_messages
    )


async def migrate(settings: Settings) -> str:
    """Bring the selected store's schema up to date; says from which version to which."""
    url = database_url(settings)
    if url is not None:
        import asyncpg

        from bot.memory.postgres.memory import current_version

        conn = await asyncpg.connect(url)
        try:
            before = await current_version(conn)
        finally:
            await conn.close()
        from bot.memory.postgres.schema import SCHEMA_VERSION
    else:
        from bot.memory.sqlite.schema import SCHEMA_VERSION

        before = _sqlite_version(settings)
    store = await open_memory(settings)  # opening migrates, under each backend's own lock
    await store.close()
    where = describe(settings)
    if before == SCHEMA_VERSION:
        return f"{where}: schema up to date (version {SCHEMA_VERSION})"
    return f"{where}: migrated schema version {before} -> {SCHEMA_VERSION}"


def _sqlite_version(settings: Settings) -> int:
    if not settings.db_path.exists():
        return 0
    conn = sqlite3.connect(settings.db_path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
