"""Scoped settings and channel personas in Postgres."""

from __future__ import annotations

from bot.memory.postgres.base import PgShared, ensure_channel


class PgSettings:
    """The `SettingsRepo` port on Postgres."""

    def __init__(self, db: PgShared) -> None:
        self._db = db

    async def get(self, scope: str, key: str) -> str | None:
        """A setting's value, e.g. scope 'discord-space:123' or 'channel:telegram:5'."""
        row = await self._db.fetchrow("SELECT value FROM settings WHERE scope = $1 AND key = $2", scope, key)
        return row["value"] if row else None

    async def set(self, scope: str, key: str, value: str | None) -> None:
        """Set a setting; None deletes it."""
        async with self._db.tx() as conn:
            if value is None:
                await conn.execute("DELETE FROM settings WHERE scope = $1 AND key = $2", scope, key)
            else:
                await conn.execute(
                    "INSERT INTO settings (scope, key, value) VALUES ($1, $2, $3) "
                    "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                    scope,
                    key,
                    str(value),
                )

    async def claim(self, scope: str, key: str, value: str) -> bool:
        """Set a setting only if it has no value; True when this call set it (atomic across processes)."""
        async with self._db.tx() as conn:
            status = await conn.execute(
                "INSERT INTO settings (scope, key, value) VALUES ($1, $2, $3) ON CONFLICT (scope, key) DO NOTHING",
                scope,
                key,
                str(value),
            )
        return status == "INSERT 0 1"

    async def with_key(self, key: str) -> list[tuple[str, str]]:
        """(scope, value) of every scope where `key` is set, sorted by scope."""
        rows = await self._db.fetch("SELECT scope, value FROM settings WHERE key = $1 ORDER BY scope", key)
        return [(row["scope"], row["value"]) for row in rows]

    async def prefixed(self, scope: str, prefix: str) -> dict[str, str]:
        """The scope's settings whose key starts with `prefix`, by key."""
        rows = await self._db.fetch(
            "SELECT key, value FROM settings WHERE scope = $1 AND substr(key, 1, $2) = $3 ORDER BY key",
            scope,
            len(prefix),
            prefix,
        )
        return {row["key"]: row["value"] for row in rows}

    async def channel_persona(self, channel_key: str) -> str | None:
        """The persona id chosen for the channel, or None."""
        row = await self._db.fetchrow("SELECT persona_id FROM channels WHERE key = $1", channel_key)
        return row["persona_id"] if row else None

    async def set_channel_persona(self, channel_key: str, persona_id: str) -> None:
        """Choose the channel's persona."""
        async with self._db.tx() as conn:
            await ensure_channel(conn, channel_key)
            await conn.execute("UPDATE channels SET persona_id = $1 WHERE key = $2", persona_id, channel_key)
