"""Scoped settings and channel personas in SQLite (cached; every change clears the cache)."""

from __future__ import annotations

from bot.memory.sqlite.base import Shared, ensure_channel
from bot.memory.sqlite.writer import Tx


class SqliteSettings:
    """The `SettingsRepo` port on SQLite."""

    def __init__(self, db: Shared) -> None:
        self._db = db

    async def get(self, scope: str, key: str) -> str | None:
        """A setting's value, e.g. scope 'discord-space:123' or 'channel:telegram:5'."""
        rows = await self._db.cached_rows(
            ("setting", scope, key), "SELECT value FROM settings WHERE scope = ? AND key = ?", (scope, key)
        )
        return rows[0]["value"] if rows else None

    async def set(self, scope: str, key: str, value: str | None) -> None:
        """Set a setting; None deletes it."""

        def job(tx: Tx) -> None:
            if value is None:
                tx.run("DELETE FROM settings WHERE scope = ? AND key = ?", (scope, key))
            else:
                tx.run(
                    "INSERT INTO settings (scope, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                    (scope, key, str(value)),
                )

        await self._db.write_and_invalidate(job)

    async def claim(self, scope: str, key: str, value: str) -> bool:
        """Set a setting only if it has no value; True when this call set it (atomic across processes)."""

        def job(tx: Tx) -> bool:
            return (
                tx.run(
                    "INSERT INTO settings (scope, key, value) VALUES (?, ?, ?) ON CONFLICT (scope, key) DO NOTHING",
                    (scope, key, str(value)),
                )
                == 1
            )

        return await self._db.write_and_invalidate(job)

    async def with_key(self, key: str) -> list[tuple[str, str]]:
        """(scope, value) of every scope where `key` is set, sorted by scope."""
        rows = await self._db.rows("SELECT scope, value FROM settings WHERE key = ? ORDER BY scope", (key,))
        return [(row["scope"], row["value"]) for row in rows]

    async def prefixed(self, scope: str, prefix: str) -> dict[str, str]:
        """The scope's settings whose key starts with `prefix`, by key."""
        rows = await self._db.rows(
            "SELECT key, value FROM settings WHERE scope = ? AND substr(key, 1, ?) = ? ORDER BY key",
            (scope, len(prefix), prefix),
        )
        return {row["key"]: row["value"] for row in rows}

    async def channel_persona(self, channel_key: str) -> str | None:
        """The persona id chosen for the channel, or None."""
        rows = await self._db.cached_rows(
            ("persona", channel_key), "SELECT persona_id FROM channels WHERE key = ?", (channel_key,)
        )
        return rows[0]["persona_id"] if rows else None

    async def set_channel_persona(self, channel_key: str, persona_id: str) -> None:
        """Choose the channel's persona."""

        def job(tx: Tx) -> None:
            ensure_channel(tx, channel_key)
            tx.run("UPDATE channels SET persona_id = ? WHERE key = ?", (persona_id, channel_key))

        await self._db.write_and_invalidate(job)
