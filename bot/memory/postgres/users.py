"""Users, channels, identity links and the whole-person /forget, in Postgres."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.models import Channel, ChannelKind, User
from bot.memory.postgres.base import IDENTITY_LOCK, Conn, PgShared, ensure_person, orphan
from bot.memory.records import ForgetReport


class PgUsers:
    """The `UserRepo` port on Postgres."""

    def __init__(self, db: PgShared) -> None:
        self._db = db

    async def upsert_user(self, user: User) -> None:
        """Record a user's display name, locale and last-seen time."""
        when = self._db.now()
        async with self._db.tx() as conn:
            changed = await conn.execute(
                "UPDATE users SET display_name = $1, locale = $2, last_seen = $3 WHERE key = $4",
                user.display_name,
                user.locale,
                when,
                user.key,
            )
            if changed == "UPDATE 0":
                await ensure_person(conn, user.key, when, user.display_name, user.locale)

    async def upsert_channel(self, channel: Channel, owner_key: str | None = None) -> None:
        """Record a channel's kind, title and server; for a direct channel, `owner_key` is whose it is."""
        owner = owner_key if channel.kind == ChannelKind.DIRECT else None
        async with self._db.tx() as conn:
            await conn.execute(
                "INSERT INTO channels (key, platform, kind, title, space, owner_key) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, title = excluded.title, "
                "space = excluded.space, owner_key = coalesce(excluded.owner_key, channels.owner_key)",
                channel.key,
                channel.platform,
                str(channel.kind),
                channel.title,
                channel.space,
                owner,
            )

    async def create_link_code(self, user_key: str, code: str, ttl: timedelta) -> None:
        """Store a one-time link code for `user_key`, valid for `ttl` (replacing its earlier codes)."""
        when = self._db.now()
        async with self._db.tx() as conn:
            await ensure_person(conn, user_key, when)
            await conn.execute("DELETE FROM link_codes WHERE user_key = $1", user_key)
            await conn.execute(
                "INSERT INTO link_codes (code, user_key, expires_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (code) DO UPDATE SET user_key = excluded.user_key, expires_at = excluded.expires_at",
                code,
                user_key,
                when + ttl,
            )

    async def redeem_link_code(self, code: str, user_key: str) -> str | None:
        """Link `user_key` with the code's maker; returns the maker's key, or None if unknown/expired.

        Returns `user_key` itself when the maker redeems their own code (nothing is linked).
        """
        when = self._db.now()
        async with self._db.tx() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", IDENTITY_LOCK)
            await conn.execute("DELETE FROM link_codes WHERE expires_at < $1", when)
            maker: str | None = await conn.fetchval("SELECT user_key FROM link_codes WHERE code = $1", code)
            if maker is None or maker == user_key:
                return maker
            keep = await ensure_person(conn, maker, when)
            drop = await ensure_person(conn, user_key, when)
            if keep != drop:
                await _merge_persons(conn, keep, drop, when)
            await conn.execute("DELETE FROM link_codes WHERE code = $1", code)
            await conn.execute(
                "INSERT INTO identity_links (user_key, linked_with, linked_at) VALUES ($1, $2, $3), ($2, $1, $3) "
                "ON CONFLICT (user_key) DO UPDATE SET linked_with = excluded.linked_with, "
                "linked_at = excluded.linked_at",
                user_key,
                maker,
                when,
            )
            return maker

    async def linked_keys(self, user_key: str) -> list[str]:
        """Every platform key of the person behind `user_key`, itself included, sorted."""
        rows = await self._db.fetch(
            "SELECT key FROM users WHERE person_id = (SELECT person_id FROM users WHERE key = $1) "
            'ORDER BY key COLLATE "C"',
            user_key,
        )
        return [r["key"] for r in rows] or [user_key]

    async def forget(self, user_key: str) -> ForgetReport:
        """Delete everything about the person behind `user_key` and every identity linked to it.

        Removes the users, their person, facts, avatar, journal, usage, link codes, settings scoped
        to them, their messages, and whole direct (1:1) channels they used. Returns the files the
        caller must delete from disk.
        """
        async with self._db.tx() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", IDENTITY_LOCK)
            return await _forget(conn, user_key)


async def _forget(conn: Conn, user_key: str) -> ForgetReport:
    person: int | None = await conn.fetchval("SELECT person_id FROM users WHERE key = $1", user_key)
    keys = [user_key]
    if person is not None:
        keys = [r["key"] for r in await conn.fetch("SELECT key FROM users WHERE person_id = $1", person)]
    files: list[str] = []
    avatars = adventures = facts = 0
    if person is not None:
        files += [
            r["path"] for r in await conn.fetch("SELECT path FROM avatars WHERE person_id = $1", person)
        ]
        avatars = len(files)
        trips = await conn.fetch("SELECT image_path FROM adventures WHERE person_id = $1", person)
        files += [r["image_path"] for r in trips]
        adventures = len(trips)
        orphans = await conn.fetch("SELECT path FROM orphan_files WHERE person_id = $1", person)
        files += [r["path"] for r in orphans]
        facts = int(await conn.fetchval("SELECT count(*) FROM facts WHERE person_id = $1", person))
    direct = [
        r["key"]
        for r in await conn.fetch(
            "SELECT key FROM channels WHERE kind = 'direct' AND (key = ANY($1::text[]) "
            "OR owner_key = ANY($1::text[]) "
            "OR key IN (SELECT channel_key FROM messages WHERE user_key = ANY($1::text[])) "
            "OR key IN (SELECT channel_key FROM adventures WHERE person_id = $2))",
            keys,
            person,
        )
    ]
    gone = "user_key = ANY($1::text[]) OR channel_key = ANY($2::text[])"
    messages = int(await conn.fetchval(f"SELECT count(*) FROM messages WHERE {gone}", keys, direct))
    await conn.execute(f"DELETE FROM messages WHERE {gone}", keys, direct)
    scopes = [f"user:{k}" for k in keys] + [f"channel:{c}" for c in direct]
    await conn.execute("DELETE FROM settings WHERE scope = ANY($1::text[])", scopes)
    await conn.execute("DELETE FROM channels WHERE key = ANY($1::text[])", direct)
    await conn.execute("DELETE FROM link_codes WHERE user_key = ANY($1::text[])", keys)
    await conn.execute("DELETE FROM identity_links WHERE user_key = ANY($1::text[])", keys)
    await conn.execute("DELETE FROM users WHERE key = ANY($1::text[])", keys)
    if person is not None:
        await conn.execute("DELETE FROM orphan_files WHERE person_id = $1", person)
        await conn.execute("DELETE FROM persons WHERE id = $1", person)  # cascades the rest
    return ForgetReport(tuple(keys), facts, messages, avatars, adventures, files)


async def _merge_persons(conn: Conn, keep: int, drop: int, when: datetime) -> None:
    """Move everything of person `drop` onto person `keep`, then delete `drop`."""
    await conn.execute(  # facts `keep` already has (same norm) are not carried over
        "DELETE FROM facts WHERE person_id = $2 AND norm IN (SELECT norm FROM facts WHERE person_id = $1)",
        keep,
        drop,
    )
    await conn.execute("UPDATE facts SET person_id = $1 WHERE person_id = $2", keep, drop)
    mine = await conn.fetchrow("SELECT path, at FROM avatars WHERE person_id = $1", keep)
    theirs = await conn.fetchrow("SELECT path, at FROM avatars WHERE person_id = $1", drop)
    if theirs is not None:
        if mine is None or theirs["at"] > mine["at"]:
            if mine is not None:
                await conn.execute("DELETE FROM avatars WHERE person_id = $1", keep)
                await orphan(conn, mine["path"], keep, when)
            await conn.execute("UPDATE avatars SET person_id = $1 WHERE person_id = $2", keep, drop)
        else:
            await orphan(conn, theirs["path"], keep, when)
            await conn.execute("DELETE FROM avatars WHERE person_id = $1", drop)
    for table in ("adventures", "usage", "users", "orphan_files"):
        await conn.execute(f"UPDATE {table} SET person_id = $1 WHERE person_id = $2", keep, drop)
    await conn.execute("DELETE FROM persons WHERE id = $1", drop)
