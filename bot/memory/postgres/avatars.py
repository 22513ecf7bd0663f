"""Each person's current avatar in Postgres."""

from __future__ import annotations

import asyncpg

from bot.memory.postgres.base import PgShared, ensure_person
from bot.memory.records import AvatarRecord

_BY_USER = "SELECT a.* FROM avatars a JOIN users u ON u.person_id = a.person_id WHERE u.key = $1"


class PgAvatars:
    """The `AvatarRepo` port on Postgres."""

    def __init__(self, db: PgShared) -> None:
        self._db = db

    async def set(self, user_key: str, path: str, kind: str, method: str, sha256: str) -> str | None:
        """Make `path` the person's avatar; returns the previous avatar's path (to delete) or None."""
        when = self._db.now()
        async with self._db.tx() as conn:
            person = await ensure_person(conn, user_key, when)
            old: str | None = await conn.fetchval(
                "SELECT path FROM avatars WHERE person_id = $1 FOR UPDATE", person
            )
            await conn.execute(
                "INSERT INTO avatars (person_id, user_key, path, kind, method, sha256, at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id) DO UPDATE SET "
                "user_key = excluded.user_key, path = excluded.path, kind = excluded.kind, "
                "method = excluded.method, sha256 = excluded.sha256, at = excluded.at",
                person,
                user_key,
                str(path),
                kind,
                method,
                sha256,
                when,
            )
            return old

    async def get(self, user_key: str) -> AvatarRecord | None:
        """The person's current avatar, or None."""
        row = await self._db.fetchrow(_BY_USER, user_key)
        return _avatar(row) if row else None

    async def delete(self, user_key: str) -> AvatarRecord | None:
        """Remove the person's avatar; returns the removed record (its file is the caller's to delete)."""
        async with self._db.tx() as conn:
            row = await conn.fetchrow(
                "DELETE FROM avatars WHERE person_id = (SELECT person_id FROM users WHERE key = $1) RETURNING *",
                user_key,
            )
        return _avatar(row) if row else None


def _avatar(row: asyncpg.Record) -> AvatarRecord:
    return AvatarRecord(row["user_key"], row["path"], row["kind"], row["method"], row["sha256"], row["at"])
