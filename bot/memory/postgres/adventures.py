"""The travel journal in Postgres, and the files no record points to any more."""

from __future__ import annotations

import builtins

import asyncpg

from bot.memory.postgres.base import PgShared, ensure_person
from bot.memory.records import AdventureRecord, ChannelTrip
from bot.memory.sqlite.adventures import PATHS_USED


class PgAdventures:
    """The `AdventureRepo` port on Postgres."""

    def __init__(self, db: PgShared) -> None:
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
        async with self._db.tx() as conn:
            person = await ensure_person(conn, user_key, when)
            return int(
                await conn.fetchval(
                    "INSERT INTO adventures (person_id, user_key, channel_key, landmark_id, at, seed, "
                    "image_path, image_sha256, caption, path_used, format) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    person,
                    user_key,
                    channel_key,
                    landmark_id,
                    when,
                    int(seed),
                    str(image_path),
                    image_sha256,
                    caption,
                    path_used,
                    format,
                )
            )

    async def list(self, user_key: str, limit: int = 50) -> builtins.list[AdventureRecord]:
        """The person's trips, newest first."""
        rows = await self._db.fetch(
            "SELECT a.* FROM adventures a JOIN users u ON u.person_id = a.person_id WHERE u.key = $1 "
            "ORDER BY a.at DESC, a.id DESC LIMIT $2",
            user_key,
            max(0, limit),
        )
        return [_record(r) for r in rows]

    async def get(self, adventure_id: int) -> AdventureRecord | None:
        """One journal entry by id, whoever made it (e.g. for a reroll button pressed by someone else)."""
        row = await self._db.fetchrow("SELECT * FROM adventures WHERE id = $1", int(adventure_id))
        return _record(row) if row else None

    async def list_channel(self, channel_key: str, limit: int = 100) -> builtins.list[ChannelTrip]:
        """Everyone's trips made in one channel, newest first, with each traveller's display name."""
        rows = await self._db.fetch(
            "SELECT a.*, COALESCE(u.display_name, '') AS traveller FROM adventures a "
            "LEFT JOIN users u ON u.key = a.user_key WHERE a.channel_key = $1 "
            "ORDER BY a.at DESC, a.id DESC LIMIT $2",
            channel_key,
            max(0, limit),
        )
        return [ChannelTrip(_record(r), r["traveller"]) for r in rows]

    async def own_file(self, user_key: str, path: str) -> None:
        """Record a file made for the person before it is written, so /forget finds it."""
        when = self._db.now()
        async with self._db.tx() as conn:
            person = await ensure_person(conn, user_key, when)
            await conn.execute(
                "INSERT INTO person_files (path, person_id, at) VALUES ($1, $2, $3) "
                "ON CONFLICT (path) DO UPDATE SET person_id = excluded.person_id, at = excluded.at",
                str(path),
                person,
                when,
            )

    async def take_orphan_files(self) -> builtins.list[str]:
        """Files no record points to any more (an avatar replaced when two people linked); the caller deletes them."""
        async with self._db.tx() as conn:
            rows = await conn.fetch("DELETE FROM orphan_files RETURNING path, at")
        return [r["path"] for r in sorted(rows, key=lambda r: r["at"])]


def _record(r: asyncpg.Record) -> AdventureRecord:
    return AdventureRecord(
        r["id"],
        r["user_key"],
        r["channel_key"],
        r["landmark_id"],
        r["at"],
        r["seed"],
        r["image_path"],
        r["image_sha256"],
        r["caption"],
        r["path_used"],
        r["format"],
    )
