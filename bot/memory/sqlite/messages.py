"""Chat turns per channel in SQLite: bounded history, /reset, and a cached tail per active channel."""

from __future__ import annotations

import sqlite3

from bot.memory.records import StoredMessage
from bot.memory.sqlite.base import RECENT_WINDOW, Shared, ensure_channel, ensure_person, parse_time
from bot.memory.sqlite.writer import Tx

TRIM_EVERY = 100  # writes to one channel between two trims of its history


class SqliteMessages:
    """The `MessageRepo` port on SQLite; keeps the newest `keep_messages` turns per channel."""

    def __init__(self, db: Shared, keep_messages: int = 5000) -> None:
        self._db = db
        self.keep_messages = max(1, keep_messages)

    async def add(self, channel_key: str, user_key: str | None, speaker: str, role: str, text: str) -> int:
        """Store one chat turn; returns its id once committed."""
        db, when = self._db, self._db.now()
        writes = db.cache.channel_writes.get(channel_key, 0) + 1
        trim = writes % TRIM_EVERY == 0
        keep = self.keep_messages

        def job(tx: Tx) -> int:
            ensure_channel(tx, channel_key)
            if user_key is not None:
                ensure_person(tx, user_key, when)
            new_id = tx.insert(
                "INSERT INTO messages (channel_key, user_key, speaker, role, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                (channel_key, user_key, speaker, role, text, when),
            )
            if trim:  # the history stays bounded: only the newest `keep_messages` turns are kept
                tx.run(
                    "DELETE FROM messages WHERE channel_key = ? AND id < (SELECT id FROM messages "
                    "WHERE channel_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (channel_key, channel_key, keep - 1),
                )
            return new_id

        db.cache.channel_writes[channel_key] = writes
        new_id = await db.write(job)
        db.cache.remember_recent(
            StoredMessage(new_id, channel_key, user_key, speaker, role, text, parse_time(when))
        )
        return new_id

    async def recent(self, channel_key: str, limit: int) -> list[StoredMessage]:
        """The channel's last `limit` turns since its last /reset, oldest first."""
        if limit <= 0:
            return []
        if limit > RECENT_WINDOW:
            return await self._load(channel_key, limit)
        cache = self._db.cache
        window = cache.recent.get(channel_key)
        if window is None:
            writes = cache.channel_writes.get(channel_key, 0)
            window = await self._load(channel_key, RECENT_WINDOW)
            if writes == cache.channel_writes.get(channel_key, 0):
                if len(cache.recent) >= 5_000:
                    cache.recent.pop(next(iter(cache.recent)))
                cache.recent[channel_key] = window
        return list(window[-limit:])

    async def _load(self, channel_key: str, limit: int) -> list[StoredMessage]:
        rows = await self._db.rows(
            "SELECT * FROM (SELECT m.* FROM messages m WHERE m.channel_key = ? AND m.id > "
            "coalesce((SELECT context_after_id FROM channels WHERE key = ?), 0) "
            "ORDER BY m.id DESC LIMIT ?) ORDER BY id",
            (channel_key, channel_key, limit),
        )
        return [_message(r) for r in rows]

    async def reset_channel(self, channel_key: str) -> None:
        """Hide the channel's earlier turns from `recent` (rows are kept until /forget)."""
        db, when = self._db, self._db.now()

        def job(tx: Tx) -> None:
            ensure_channel(tx, channel_key)
            tx.run(
                "UPDATE channels SET reset_at = ?, context_after_id = "
                "coalesce((SELECT max(id) FROM messages WHERE channel_key = ?), 0) WHERE key = ?",
                (when, channel_key, channel_key),
            )

        db.cache.channel_writes[channel_key] = db.cache.channel_writes.get(channel_key, 0) + 1
        try:
            await db.write(job)
        finally:
            db.cache.recent.pop(channel_key, None)


def _message(r: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        r["id"], r["channel_key"], r["user_key"], r["speaker"], r["role"], r["text"], parse_time(r["at"])
    )
