"""Chat turns per channel in Postgres: bounded history and /reset."""

from __future__ import annotations

import asyncpg

from bot.memory.postgres.base import PgShared, ensure_channel, ensure_person
from bot.memory.records import StoredMessage
from bot.memory.sqlite.messages import TRIM_EVERY


class PgMessages:
    """The `MessageRepo` port on Postgres; keeps about the newest `keep_messages` turns per channel.

    Like the SQLite backend, each process trims a channel every TRIM_EVERY of its own writes there.
    """

    def __init__(self, db: PgShared, keep_messages: int = 5000) -> None:
        self._db = db
        self.keep_messages = max(1, keep_messages)
        self._writes: dict[str, int] = {}

    async def add(self, channel_key: str, user_key: str | None, speaker: str, role: str, text: str) -> int:
        """Store one chat turn; returns its id once committed."""
        when = self._db.now()
        writes = self._writes.get(channel_key, 0) + 1
        if len(self._writes) > 50_000:
            self._writes.clear()
        self._writes[channel_key] = writes
        async with self._db.tx() as conn:
            await ensure_channel(conn, channel_key)
            if user_key is not None:
                await ensure_person(conn, user_key, when)
            new_id = int(
                await conn.fetchval(
                    "INSERT INTO messages (channel_key, user_key, speaker, role, text, at) "
                    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    channel_key,
                    user_key,
                    speaker,
                    role,
                    text,
                    when,
                )
            )
            if writes % TRIM_EVERY == 0:  # the history stays bounded: only the newest turns are kept
                await conn.execute(
                    "DELETE FROM messages WHERE channel_key = $1 AND id < (SELECT id FROM messages "
                    "WHERE channel_key = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
                    channel_key,
                    self.keep_messages - 1,
                )
        return new_id

    async def recent(self, channel_key: str, limit: int) -> list[StoredMessage]:
        """The channel's last `limit` turns since its last /reset, oldest first."""
        if limit <= 0:
            return []
        rows = await self._db.fetch(
            "SELECT * FROM (SELECT m.* FROM messages m WHERE m.channel_key = $1 AND m.id > "
            "coalesce((SELECT context_after_id FROM channels WHERE key = $1), 0) "
            "ORDER BY m.id DESC LIMIT $2) t ORDER BY id",
            channel_key,
            limit,
        )
        return [_message(r) for r in rows]

    async def reset_channel(self, channel_key: str) -> None:
        """Hide the channel's earlier turns from `recent` (rows are kept until /forget)."""
        when = self._db.now()
        async with self._db.tx() as conn:
            await ensure_channel(conn, channel_key)
            await conn.execute(
                "UPDATE channels SET reset_at = $1, context_after_id = "
                "coalesce((SELECT max(id) FROM messages WHERE channel_key = $2), 0) WHERE key = $2",
                when,
                channel_key,
            )


def _message(r: asyncpg.Record) -> StoredMessage:
    return StoredMessage(
        r["id"], r["channel_key"], r["user_key"], r["speaker"], r["role"], r["text"], r["at"]
    )
