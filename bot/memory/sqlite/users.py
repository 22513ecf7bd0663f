"""Users, channels, identity links and the whole-person /forget, in SQLite."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import Channel, ChannelKind, User
from bot.memory.records import ForgetReport
from bot.memory.sqlite.base import Shared, ensure_person, iso, marks, orphan
from bot.memory.sqlite.writer import Tx


class SqliteUsers:
    """The `UserRepo` port on SQLite."""

    def __init__(self, db: Shared) -> None:
        self._db = db

    async def upsert_user(self, user: User) -> None:
        """Record a user's display name, locale and last-seen time."""
        when = self._db.now()

        def job(tx: Tx) -> None:
            changed = tx.run(
                "UPDATE users SET display_name = ?, locale = ?, last_seen = ? WHERE key = ?",
                (user.display_name, user.locale, when, user.key),
            )
            if not changed:
                ensure_person(tx, user.key, when, user.display_name, user.locale)

        await self._db.write(job)

    async def upsert_channel(self, channel: Channel, owner_key: str | None = None) -> None:
        """Record a channel's kind, title and server; for a direct channel, `owner_key` is whose it is."""
        owner = owner_key if channel.kind == ChannelKind.DIRECT else None

        def job(tx: Tx) -> None:
            tx.run(
                "INSERT INTO channels (key, platform, kind, title, space, owner_key) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, title = excluded.title, "
                "space = excluded.space, owner_key = coalesce(excluded.owner_key, owner_key)",
                (channel.key, channel.platform, str(channel.kind), channel.title, channel.space, owner),
            )
            tx.new_channels.add(channel.key)

        await self._db.write(job)

    async def create_link_code(self, user_key: str, code: str, ttl: timedelta) -> None:
        """Store a one-time link code for `user_key`, valid for `ttl` (replacing its earlier codes)."""
        now = self._db.clock.now()
        when, until = iso(now), iso(now + ttl)

        def job(tx: Tx) -> None:
            ensure_person(tx, user_key, when)
            tx.run("DELETE FROM link_codes WHERE user_key = ?", (user_key,))
            tx.run(
                "INSERT OR REPLACE INTO link_codes (code, user_key, expires_at) VALUES (?, ?, ?)",
                (code, user_key, until),
            )

        await self._db.write(job)

    async def redeem_link_code(self, code: str, user_key: str) -> str | None:
        """Link `user_key` with the code's maker; returns the maker's key, or None if unknown/expired.

        Returns `user_key` itself when the maker redeems their own code (nothing is linked).
        """
        when = self._db.now()

        def job(tx: Tx) -> str | None:
            tx.run("DELETE FROM link_codes WHERE expires_at < ?", (when,))
            row = tx.one("SELECT user_key FROM link_codes WHERE code = ?", (code,))
            if row is None:
                return None
            maker: str = row["user_key"]
            if maker == user_key:
                return maker
            tx.invalidate()
            keep = ensure_person(tx, maker, when)
            drop = ensure_person(tx, user_key, when)
            if keep != drop:
                _merge_persons(tx, keep, drop, when)
            tx.run("DELETE FROM link_codes WHERE code = ?", (code,))
            tx.run(
                "INSERT OR REPLACE INTO identity_links (user_key, linked_with, linked_at) VALUES (?, ?, ?), (?, ?, ?)",
                (user_key, maker, when, maker, user_key, when),
            )
            tx.invalidate()
            return maker

        return await self._db.write_and_invalidate(job)

    async def linked_keys(self, user_key: str) -> list[str]:
        """Every platform key of the person behind `user_key`, itself included, sorted."""
        rows = await self._db.rows(
            "SELECT key FROM users WHERE person_id = (SELECT person_id FROM users WHERE key = ?) ORDER BY key",
            (user_key,),
        )
        return [r["key"] for r in rows] or [user_key]

    async def forget(self, user_key: str) -> ForgetReport:
        """Delete everything about the person behind `user_key` and every identity linked to it.

        Removes the users, their person, facts, avatar, journal, usage, link codes, settings scoped
        to them, their messages, and whole direct (1:1) channels they used. Returns the files the
        caller must delete from disk.
        """
        return await self._db.write_and_invalidate(lambda tx: _forget(tx, user_key))


def _forget(tx: Tx, user_key: str) -> ForgetReport:
    tx.invalidate()
    row = tx.one("SELECT person_id FROM users WHERE key = ?", (user_key,))
    person: int | None = row["person_id"] if row else None
    keys = [user_key]
    if person is not None:
        keys = [r["key"] for r in tx.all("SELECT key FROM users WHERE person_id = ?", (person,))]
    km = marks(len(keys))
    files: list[str] = []
    avatars = adventures = facts = 0
    if person is not None:
        files += [r["path"] for r in tx.all("SELECT path FROM avatars WHERE person_id = ?", (person,))]
        avatars = len(files)
        trips = tx.all("SELECT image_path FROM adventures WHERE person_id = ?", (person,))
        files += [r["image_path"] for r in trips]
        adventures = len(trips)
        files += [r["path"] for r in tx.all("SELECT path FROM orphan_files WHERE person_id = ?", (person,))]
        counted = tx.one("SELECT count(*) AS n FROM facts WHERE person_id = ?", (person,))
        facts = counted["n"] if counted else 0
    direct = [
        r["key"]
        for r in tx.all(
            f"SELECT key FROM channels WHERE kind = 'direct' AND (key IN ({km}) OR owner_key IN ({km}) "
            f"OR key IN (SELECT channel_key FROM messages WHERE user_key IN ({km})) "
            "OR key IN (SELECT channel_key FROM adventures WHERE person_id = ?))",
            (*keys, *keys, *keys, person),
        )
    ]
    dm = marks(len(direct))
    counted = tx.one(
        f"SELECT count(*) AS n FROM messages WHERE user_key IN ({km}) OR channel_key IN ({dm})",
        (*keys, *direct),
    )
    messages = counted["n"] if counted else 0
    tx.run(f"DELETE FROM messages WHERE user_key IN ({km}) OR channel_key IN ({dm})", (*keys, *direct))
    scopes = [f"user:{k}" for k in keys] + [f"channel:{c}" for c in direct]
    tx.run(f"DELETE FROM settings WHERE scope IN ({marks(len(scopes))})", tuple(scopes))
    tx.run(f"DELETE FROM channels WHERE key IN ({dm})", tuple(direct))
    tx.run(f"DELETE FROM link_codes WHERE user_key IN ({km})", tuple(keys))
    tx.run(f"DELETE FROM identity_links WHERE user_key IN ({km})", tuple(keys))
    tx.run(f"DELETE FROM users WHERE key IN ({km})", tuple(keys))
    if person is not None:
        tx.run("DELETE FROM orphan_files WHERE person_id = ?", (person,))
        tx.run("DELETE FROM persons WHERE id = ?", (person,))  # cascades the rest
    return ForgetReport(tuple(keys), facts, messages, avatars, adventures, files)


def _merge_persons(tx: Tx, keep: int, drop: int, when: str) -> None:
    """Move everything of person `drop` onto person `keep`, then delete `drop`."""
    tx.run("UPDATE OR IGNORE facts SET person_id = ? WHERE person_id = ?", (keep, drop))
    tx.run("DELETE FROM facts WHERE person_id = ?", (drop,))  # duplicates of facts `keep` has
    mine = tx.one("SELECT path, at FROM avatars WHERE person_id = ?", (keep,))
    theirs = tx.one("SELECT path, at FROM avatars WHERE person_id = ?", (drop,))
    if theirs is not None:
        if mine is None or theirs["at"] > mine["at"]:
            if mine is not None:
                tx.run("DELETE FROM avatars WHERE person_id = ?", (keep,))
                orphan(tx, mine["path"], keep, when)
            tx.run("UPDATE avatars SET person_id = ? WHERE person_id = ?", (keep, drop))
        else:
            orphan(tx, theirs["path"], keep, when)
            tx.run("DELETE FROM avatars WHERE person_id = ?", (drop,))
    for table in ("adventures", "usage", "users", "orphan_files"):
        tx.run(f"UPDATE {table} SET person_id = ? WHERE person_id = ?", (keep, drop))
    tx.run("DELETE FROM persons WHERE id = ?", (drop,))
