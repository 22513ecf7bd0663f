"""Counted uses (cooldowns and quotas) in Postgres; rows older than USAGE_KEEP are pruned as new ones come."""

from __future__ import annotations

from datetime import datetime

from bot.memory.postgres.base import PgShared, ensure_person, utc
from bot.memory.sqlite.usage import USAGE_KEEP


class PgUsage:
    """The `UsageRepo` port on Postgres."""

    def __init__(self, db: PgShared) -> None:
        self._db = db

    async def record(self, user_key: str, kind: str) -> None:
        """Count one use of `kind` (e.g. 'adventure') by the person, now."""
        when = self._db.now()
        async with self._db.tx() as conn:
            person = await ensure_person(conn, user_key, when)
            await conn.execute(
                "DELETE FROM usage WHERE person_id = $1 AND kind = $2 AND at < $3",
                person,
                kind,
                when - USAGE_KEEP,
            )
            await conn.execute(
                "INSERT INTO usage (person_id, kind, at) VALUES ($1, $2, $3)", person, kind, when
            )

    async def count_since(self, user_key: str, kind: str, since: datetime) -> int:
        """How many uses of `kind` the person made at or after `since`."""
        row = await self._db.fetchrow(
            "SELECT count(*) AS n FROM usage WHERE kind = $1 AND at >= $2 AND "
            "person_id = (SELECT person_id FROM users WHERE key = $3)",
            kind,
            utc(since),
            user_key,
        )
        return int(row["n"]) if row else 0

    async def last(self, user_key: str, kind: str) -> datetime | None:
        """When the person last used `kind`, or None."""
        row = await self._db.fetchrow(
            "SELECT max(at) AS at FROM usage WHERE kind = $1 AND "
            "person_id = (SELECT person_id FROM users WHERE key = $2)",
            kind,
            user_key,
        )
        return row["at"] if row and row["at"] else None
