"""Each person's current avatar in SQLite."""

from __future__ import annotations

import sqlite3

from bot.memory.records import AvatarRecord
from bot.memory.sqlite.base import Shared, ensure_person, parse_time
from bot.memory.sqlite.writer import Tx

_BY_USER = "SELECT a.* FROM avatars a JOIN users u ON u.person_id = a.person_id WHERE u.key = ?"


class SqliteAvatars:
    """The `AvatarRepo` port on SQLite."""

    def __init__(self, db: Shared) -> None:
        self._db = db

    async def set(self, user_key: str, path: str, kind: str, method: str, sha256: str) -> str | None:
        """Make `path` the person's avatar; returns the previous avatar's path (to delete) or None."""
        when = self._db.now()

        def job(tx: Tx) -> str | None:
            person = ensure_person(tx, user_key, when)
            old = tx.one("SELECT path FROM avatars WHERE person_id = ?", (person,))
            tx.run(
                "INSERT INTO avatars (person_id, user_key, path, kind, method, sha256, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET user_key = excluded.user_key, "
                "path = excluded.path, kind = excluded.kind, method = excluded.method, "
                "sha256 = excluded.sha256, at = excluded.at",
                (person, user_key, str(path), kind, method, sha256, when),
            )
            return old["path"] if old else None

        return await self._db.write(job)

    async def get(self, user_key: str) -> AvatarRecord | None:
        """The person's current avatar, or None."""
        row = await self._db.row(_BY_USER, (user_key,))
        return _avatar(row) if row else None

    async def delete(self, user_key: str) -> AvatarRecord | None:
        """Remove the person's avatar; returns the removed record (its file is the caller's to delete)."""

        def job(tx: Tx) -> AvatarRecord | None:
            row = tx.one(_BY_USER, (user_key,))
            if row is None:
                return None
            tx.run("DELETE FROM avatars WHERE person_id = ?", (row["person_id"],))
            return _avatar(row)

        return await self._db.write(job)


def _avatar(row: sqlite3.Row) -> AvatarRecord:
    return AvatarRecord(
        row["user_key"], row["path"], row["kind"], row["method"], row["sha256"], parse_time(row["at"])
    )
