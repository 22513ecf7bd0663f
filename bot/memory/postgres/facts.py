"""Facts about a person in Postgres, deduplicated ignoring case and spacing."""

from __future__ import annotations

import builtins

from bot.memory.postgres.base import PgShared, ensure_person
from bot.memory.records import Fact
from bot.memory.sqlite.facts import fact_norm


class PgFacts:
    """The `FactRepo` port on Postgres."""

    def __init__(self, db: PgShared) -> None:
        self._db = db

    async def add(self, user_key: str, text: str, source: str) -> int:
        """Remember a fact about the person; an identical one (ignoring case and spacing) is kept once."""
        text = text.strip()
        if not text:
            raise ValueError("a fact cannot be empty")
        when, norm = self._db.now(), fact_norm(text)
        async with self._db.tx() as conn:
            person = await ensure_person(conn, user_key, when)
            new_id = await conn.fetchval(
                "INSERT INTO facts (person_id, text, norm, source, at) VALUES ($1, $2, $3, $4, $5) "
                "ON CONFLICT (person_id, norm) DO NOTHING RETURNING id",
                person,
                text,
                norm,
                source,
                when,
            )
            if new_id is None:
                new_id = await conn.fetchval(
                    "SELECT id FROM facts WHERE person_id = $1 AND norm = $2", person, norm
                )
            return int(new_id)

    async def list(self, user_key: str) -> builtins.list[Fact]:
        """The person's facts, oldest first (shared across linked identities)."""
        rows = await self._db.fetch(
            "SELECT f.id, f.text, f.source, f.at FROM facts f JOIN users u ON u.person_id = f.person_id "
            "WHERE u.key = $1 ORDER BY f.id",
            user_key,
        )
        return [Fact(r["id"], r["text"], r["source"], r["at"]) for r in rows]

    async def delete(self, user_key: str, fact_id: int) -> bool:
        """Delete one of the person's facts; False when it is not theirs or does not exist."""
        async with self._db.tx() as conn:
            status = await conn.execute(
                "DELETE FROM facts WHERE id = $1 AND person_id = (SELECT person_id FROM users WHERE key = $2)",
                int(fact_id),
                user_key,
            )
        return status != "DELETE 0"
