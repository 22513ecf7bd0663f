"""The travel journal in SQLite, and the files no record points to any more."""

from __future__ import annotations

import builtins
import sqlite3

from bot.memory.records import AdventureRecord, ChannelTrip
from bot.memory.sqlite.base import Shared, ensure_person, parse_time
from bot.memory.sqlite.writer import Tx

PATHS_USED = ("diffusers", "illustrated")


class SqliteAdventures:
    """The `AdventureRepo` port on SQLite."""

    def __init__(self, db: Shared) -> None:
        self._db = db

    async def add(
        self,
        *,
        user_key: str,
        channel_key: str,
        landmark_id: str,
        seed: int,
        image_path: str,
        image_sha256: str,
        caption: str,
        path_used: str,
        format: str,
    ) -> int:
        """Add a trip to the person's journal; returns its id."""
        if path_used not in PATHS_USED:
            raise ValueError(f"path_used must be one of {PATHS_USED}, not {path_used!r}")
        when = self._db.now()
        values = (user_key, channel_key, landmark_id, when, int(seed), str(image_path), image_sha256, caption)

        def job(tx: Tx) -> int:
            person = ensure_person(tx, user_key, when)
            return tx.insert(
                "INSERT INTO adventures (person_id, user_key, channel_key, landmark_id, at, seed, image_path, "
                "image_sha256, caption, path_used, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (person, *values, path_used, format),
            )

        return await self._db.write_and_invalidate(job)

    async def list(self, user_key: str, limit: int = 50) -> builtins.list[AdventureRecord]:
        """The person's trips, newest first."""
        rows = await self._db.cached_rows(
            ("adventures", user_key, limit),
            "SELECT a.* FROM adventures a JOIN users u ON u.person_id = a.person_id WHERE u.key = ? "
            "ORDER BY a.at DESC, a.id DESC LIMIT ?",
            (user_key, max(0, limit)),
        )
        return [_record(r) for r in rows]

    async def get(self, adventure_id: int) -> AdventureRecord | None:
        """One journal entry by id, whoever made it (e.g. for a reroll button pressed by someone else)."""
        row = await self._db.row("SELECT * FROM adventures WHERE id = ?", (int(adventure_id),))
        return _record(row) if row else None

    async def list_channel(self, channel_key: str, limit: int = 100) -> builtins.list[ChannelTrip]:
        """Everyone's trips made in one channel, newest first, with each traveller's display name."""
        rows = await self._db.rows(
            "SELECT a.*, COALESCE(u.display_name, '') AS traveller FROM adventures a "
            "LEFT JOIN users u ON u.key = a.user_key WHERE a.channel_key = ? "
            "ORDER BY a.at DESC, a.id DESC LIMIT ?",
            (channel_key, max(0, limit)),
        )
        return [ChannelTrip(_record(r), r["traveller"]) for r in rows]

    async def own_file(self, user_key: str, path: str) -> None:
        """Record a file made for the person before it is written, so /forget finds it."""
        when = self._db.now()

        def job(tx: Tx) -> None:
            person = ensure_person(tx, user_key, when)
            tx.run(
                "INSERT OR REPLACE INTO person_files (path, person_id, at) VALUES (?, ?, ?)",
                (str(path), person, when),
            )

        await self._db.write(job)

    async def take_orphan_files(self) -> builtins.list[str]:
        """Files no record points to any more (an avatar replaced when two people linked); the caller deletes them."""

        def job(tx: Tx) -> list[str]:
            rows = tx.all("SELECT path FROM orphan_files ORDER BY at")
            tx.run("DELETE FROM orphan_files")
            return [r["path"] for r in rows]

        return await self._db.write(job)


def _record(r: sqlite3.Row) -> AdventureRecord:
    return AdventureRecord(
        r["id"],
        r["user_key"],
        r["channel_key"],
        r["landmark_id"],
        parse_time(r["at"]),
        r["seed"],
        r["image_path"],
        r["image_sha256"],
        r["caption"],
        r["path_used"],
        r["format"],
    )
