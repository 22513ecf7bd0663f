"""Facts about a person in SQLite, deduplicated ignoring case and spacing."""

from __future__ import annotations

import builtins
import re

from bot.memory.records import Fact
from bot.memory.sqlite.base import Shared, ensure_person, parse_time
from bot.memory.sqlite.writer import Tx

_SPACES = re.compile(r"\s+")


def fact_norm(text: str) -> str:
    """The dedupe form of a fact: case-folded, whitespace collapsed."""
    return _SPACES.sub(" ", text).strip().casefold()


class SqliteFacts:
    """The `FactRepo` port on SQLite."""

    def __init__(self, db: Shared) -> None:
        self._db = db

    async def add(self, user_key: str, text: str, source: str) -> int:
        """Remember a fact about the person; an identical one (ignoring case and spacing) is kept once."""
        text = text.strip()
        if not text:
            raise ValueError("a fact cannot be empty")
        when, norm = self._db.now(), fact_norm(text)

        def job(tx: Tx) -> int:
            person = ensure_person(tx, user_key, when)
            row = tx.one("SELECT id FROM facts WHERE person_id = ? AND norm = ?", (person, norm))
            if row is not None:
                return int(row["id"])
            return tx.insert(
                "INSERT INTO facts (person_id, text, norm, source, at) VALUES (?, ?, ?, ?, ?)",
                (person, text, norm, source, when),
            )

        return await self._db.write_and_invalidate(job)

    async def list(self, user_key: str) -> builtins.list[Fact]:
        """The person's facts, oldest first (shared across linked identities)."""
        rows = await self._db.cached_rows(
            ("facts", user_key),
            "SELECT f.id, f.text, f.source, f.at FROM facts f JOIN users u ON u.person_id = f.person_id "
            "WHERE u.key = ? ORDER BY f.id",
            (user_key,),
        )
        return [Fact(r["id"], r["text"], r["source"], parse_time(r["at"])) for r in rows]

    async def delete(self, user_key: str, fact_id: int) -> bool:
        """Delete one of the person's facts; False when it is not theirs or does not exist."""

        def job(tx: Tx) -> bool:
            return bool(
                tx.run(
                    "DELETE FROM facts WHERE id = ? AND person_id = (SELECT person_id FROM users WHERE key = ?)",
                    (fact_id, user_key),
                )
            )

        return await self._db.write_and_invalidate(job)
