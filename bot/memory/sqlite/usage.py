"""Counted uses (cooldowns and quotas) in SQLite; rows older than USAGE_KEEP are pruned as new ones come."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.memory.sqlite.base import Shared, ensure_person, iso, parse_time
from bot.memory.sqlite.writer import Tx

USAGE_KEEP = timedelta(days=2)  # quotas are daily and cooldowns short; older usage rows go


class SqliteUsage:
    """The `UsageRepo` port on SQLite."""

    def __init__(self, db: Shared) -> None:
        self._db = db

    async def record(self, user_key: str, kind: str) -> None:
        """Count one use of `kind` (e.g. 'adventure') by the person, now."""
        now = self._db.clock.now()
        when, expired = iso(now), iso(now - USAGE_KEEP)

        def job(tx: Tx) -> None:
            person = ensure_person(tx, user_key, when)
            tx.run("DELETE FROM usage WHERE person_id = ? AND kind = ? AND at < ?", (person, kind, expired))
            tx.run("INSERT INTO usage (person_id, kind, at) VALUES (?, ?, ?)", (person, kind, when))

        await self._db.write(job)

    async def count_since(self, user_key: str, kind: str, since: datetime) -> int:
        """How many uses of `kind` the person made at or after `since`."""
        row = await self._db.row(
            "SELECT count(*) AS n FROM usage WHERE kind = ? AND at >= ? AND "
            "person_id = (SELECT person_id FROM users WHERE key = ?)",
            (kind, iso(since), user_key),
        )
        return int(row["n"]) if row else 0

    async def last(self, user_key: str, kind: str) -> datetime | None:
        """When the person last used `kind`, or None."""
        row = await self._db.row(
            "SELECT max(at) AS at FROM usage WHERE kind = ? AND person_id = (SELECT person_id FROM users WHERE key = ?)",
            (kind, user_key),
        )
        return parse_time(row["at"]) if row and row["at"] else None
