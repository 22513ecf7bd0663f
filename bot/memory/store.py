"""The SQLite memory store: one writer task with group commit, one read-only reader connection."""

from __future__ import annotations

import asyncio
import bisect
import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.models import Channel, ChannelKind, User
from bot.memory.errors import StoreError, StoreUnwritable
from bot.memory.records import AdventureRecord, AvatarRecord, Fact, ForgetReport, StoredMessage
from bot.memory.schema import MIGRATIONS, SCHEMA_VERSION
from bot.memory.writer import Tx, Writer, store_error

log = logging.getLogger(__name__)

PATHS_USED = ("diffusers", "illustrated")
_SPACES = re.compile(r"\s+")


def iso(at: datetime) -> str:
    """ISO-8601 UTC text of fixed width (so text order is time order); naive times are taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from stored text."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def fact_norm(text: str) -> str:
    """The dedupe form of a fact: case-folded, whitespace collapsed."""
    return _SPACES.sub(" ", text).strip().casefold()


def _platform(key: str) -> str:
    return key.split(":", 1)[0] if ":" in key else ""


def _marks(n: int) -> str:
    return ",".join("?" * n)


async def _connect(path: Path, *, read_only: bool) -> aiosqlite.Connection:
    if read_only:
        pending = aiosqlite.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    else:
        pending = aiosqlite.connect(str(path), isolation_level=None)
    try:
        db = await pending
    except BaseException:
        # aiosqlite stops its worker thread without waiting; let it finish while our loop still runs
        thread = getattr(pending, "_thread", None)
        if thread is not None:
            await asyncio.to_thread(thread.join, 5)
        raise
    db.row_factory = sqlite3.Row
    return db


RECENT_WINDOW = 64


class Store:
    """Per-user memory, channel state, avatars, journal, identity links, settings and usage."""

    TRIM_EVERY = 100  # writes to one channel between two trims of its history
    USAGE_KEEP = timedelta(days=2)  # quotas are daily and cooldowns short; older usage rows go

    def __init__(
        self, path: Path, writer: Writer, reader: aiosqlite.Connection, *, keep_messages: int = 5000
    ) -> None:
        self.path = path
        self.keep_messages = max(1, keep_messages)
        self._writer = writer
        self._reader = reader
        # Read-through cache of small, hot reads (settings, personas, facts, journal). Every write
        # that could change them clears it after COMMIT; a read that raced a write is not cached.
        self._cache: dict[tuple, Any] = {}
        self._generation = 0
        # The tail of each active channel's history, kept in step with add_message after COMMIT.
        self._recent: dict[str, list[StoredMessage]] = {}
        self._channel_writes: dict[str, int] = {}

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path, *, keep_messages: int = 5000) -> Store:
        """Open (creating and migrating as needed) the database at `path`; keep that many turns per channel."""
        path = Path(path)
        if not path.parent.is_dir():
            raise StoreUnwritable(path, f"{path.parent} is not a folder")
        wdb: aiosqlite.Connection | None = None
        rdb: aiosqlite.Connection | None = None
        try:
            wdb = await _connect(path, read_only=False)
            mode = (await (await wdb.execute("PRAGMA journal_mode=WAL")).fetchone())[0]
            if str(mode).lower() != "wal":
                raise StoreUnwritable(path, f"could not switch to WAL journal mode (got {mode!r})")
            for pragma in (
                "PRAGMA synchronous=NORMAL",  # in WAL: durable across process crashes, not power loss
                "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=10000",
                "PRAGMA secure_delete=ON",  # /forget overwrites what it deletes
            ):
                await wdb.execute(pragma)
            await _migrate(wdb, path)
            rdb = await _connect(path, read_only=True)
            await rdb.execute("PRAGMA busy_timeout=10000")
            await rdb.execute("PRAGMA query_only=ON")
        except BaseException as exc:
            for db in (rdb, wdb):
                if db is not None:
                    await db.close()
            if isinstance(exc, sqlite3.Error):
                err = store_error(path, exc)
                if err is exc:
                    raise StoreError(f"cannot open the memory database {path}: {exc}") from exc
                raise err from exc
            raise
        writer = Writer(wdb, path)
        writer.start()
        return cls(path, writer, rdb, keep_messages=keep_messages)

    async def close(self) -> None:
        """Finish queued writes and close both connections."""
        await self._writer.close()
        try:
            await self._writer.db.execute("PRAGMA optimize")
        except sqlite3.Error:
            log.debug("PRAGMA optimize failed", exc_info=True)
        await self._reader.close()
        await self._writer.db.close()

    async def write(self, job) -> object:
        """Run a custom write job (`async def job(tx: Tx)`) through the single writer."""
        return await self._writer.submit(job)

    async def _cached(self, key: tuple, load: Callable[[], Awaitable[Any]]) -> Any:
        if key in self._cache:
            return self._cache[key]
        generation = self._generation
        value = await load()
        if generation == self._generation:
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[key] = value
        return value

    def _invalidate(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._recent.clear()
        for key in self._channel_writes:
            self._channel_writes[key] += 1

    def _remember_recent(self, msg: StoredMessage) -> None:
        window = self._recent.get(msg.channel_key)
        if window is None:
            return
        ids = [m.id for m in window]
        pos = bisect.bisect_left(ids, msg.id)
        if pos < len(ids) and ids[pos] == msg.id:
            return
        window.insert(pos, msg)
        del window[:-RECENT_WINDOW]

    async def _write_and_invalidate(self, job) -> Any:
        try:
            return await self._writer.submit(job)
        finally:
            self._invalidate()

    async def _rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return list(await self._reader.execute_fetchall(sql, params))

    async def _row(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None

    # ---- users and channels ----------------------------------------------------------------

    async def upsert_user(self, user: User, at: datetime | None = None) -> None:
        """Record a user's display name, locale and last-seen time."""
        when = iso(at or datetime.now(UTC))

        async def job(tx: Tx) -> None:
            changed = await tx.run(
                "UPDATE users SET display_name = ?, locale = ?, last_seen = ? WHERE key = ?",
                (user.display_name, user.locale, when, user.key),
            )
            if not changed:
                await _ensure_person(tx, user.key, when, user.display_name, user.locale)

        await self._writer.submit(job)

    async def upsert_channel(self, channel: Channel, user_key: str | None = None) -> None:
        """Record a channel's kind, title and server; for a direct channel, `user_key` is whose it is."""
        owner = user_key if channel.kind == ChannelKind.DIRECT else None

        async def job(tx: Tx) -> None:
            await tx.run(
                "INSERT INTO channels (key, platform, kind, title, space, owner_key) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, title = excluded.title, "
                "space = excluded.space, owner_key = coalesce(excluded.owner_key, owner_key)",
                (channel.key, channel.platform, str(channel.kind), channel.title, channel.space, owner),
            )
            tx.new_channels.add(channel.key)

        await self._writer.submit(job)

    async def get_channel_persona(self, channel_key: str) -> str | None:
        """The persona id chosen for the channel, or None."""
        row = await self._cached(
            ("persona", channel_key),
            lambda: self._row("SELECT persona_id FROM channels WHERE key = ?", (channel_key,)),
        )
        return row["persona_id"] if row else None

    async def set_channel_persona(self, channel_key: str, persona_id: str) -> None:
        """Choose the channel's persona."""

        async def job(tx: Tx) -> None:
            await _ensure_channel(tx, channel_key)
            await tx.run("UPDATE channels SET persona_id = ? WHERE key = ?", (persona_id, channel_key))

        await self._write_and_invalidate(job)

    # ---- messages ----------------------------------------------------------------------------

    async def add_message(
        self, channel_key: str, user_key: str | None, speaker: str, role: str, text: str, at: datetime
    ) -> int:
        """Store one chat turn; returns its id once committed."""
        when = iso(at)
        writes = self._channel_writes.get(channel_key, 0) + 1
        trim = writes % self.TRIM_EVERY == 0

        async def job(tx: Tx) -> int:
            await _ensure_channel(tx, channel_key)
            if user_key is not None:
                await _ensure_person(tx, user_key, when)
            new_id = await tx.insert(
                "INSERT INTO messages (channel_key, user_key, speaker, role, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                (channel_key, user_key, speaker, role, text, when),
            )
            if trim:  # the history stays bounded: only the newest `keep_messages` turns are kept
                await tx.run(
                    "DELETE FROM messages WHERE channel_key = ? AND id < (SELECT id FROM messages "
                    "WHERE channel_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (channel_key, channel_key, self.keep_messages - 1),
                )
            return new_id

        self._channel_writes[channel_key] = writes
        new_id = await self._writer.submit(job)
        self._remember_recent(
            StoredMessage(new_id, channel_key, user_key, speaker, role, text, parse_time(when))
        )
        return new_id

    async def recent_messages(self, channel_key: str, limit: int) -> list[StoredMessage]:
        """The channel's last `limit` turns since its last /reset, oldest first."""
        if limit <= 0:
            return []
        if limit <= RECENT_WINDOW:
            window = self._recent.get(channel_key)
            if window is None:
                writes = self._channel_writes.get(channel_key, 0)
                window = await self._load_recent(channel_key, RECENT_WINDOW)
                if writes == self._channel_writes.get(channel_key, 0):
                    if len(self._recent) >= 5_000:
                        self._recent.pop(next(iter(self._recent)))
                    self._recent[channel_key] = window
            return list(window[-limit:])
        return await self._load_recent(channel_key, limit)

    async def _load_recent(self, channel_key: str, limit: int) -> list[StoredMessage]:
        rows = await self._rows(
            "SELECT * FROM (SELECT m.* FROM messages m WHERE m.channel_key = ? AND m.id > "
            "coalesce((SELECT context_after_id FROM channels WHERE key = ?), 0) "
            "ORDER BY m.id DESC LIMIT ?) ORDER BY id",
            (channel_key, channel_key, limit),
        )
        return [
            StoredMessage(
                r["id"],
                r["channel_key"],
                r["user_key"],
                r["speaker"],
                r["role"],
                r["text"],
                parse_time(r["at"]),
            )
            for r in rows
        ]

    async def reset_channel(self, channel_key: str, at: datetime) -> None:
        """Hide the channel's earlier turns from recent_messages (rows are kept until /forget)."""
        when = iso(at)

        async def job(tx: Tx) -> None:
            await _ensure_channel(tx, channel_key)
            await tx.run(
                "UPDATE channels SET reset_at = ?, context_after_id = "
                "coalesce((SELECT max(id) FROM messages WHERE channel_key = ?), 0) WHERE key = ?",
                (when, channel_key, channel_key),
            )

        self._channel_writes[channel_key] = self._channel_writes.get(channel_key, 0) + 1
        try:
            await self._writer.submit(job)
        finally:
            self._recent.pop(channel_key, None)

    # ---- facts -------------------------------------------------------------------------------

    async def add_fact(self, user_key: str, text: str, source: str, at: datetime) -> int:
        """Remember a fact about the person; an identical one (ignoring case and spacing) is kept once."""
        text = text.strip()
        if not text:
            raise ValueError("a fact cannot be empty")
        when, norm = iso(at), fact_norm(text)

        async def job(tx: Tx) -> int:
            person = await _ensure_person(tx, user_key, when)
            row = await tx.one("SELECT id FROM facts WHERE person_id = ? AND norm = ?", (person, norm))
            if row is not None:
                return row["id"]
            return await tx.insert(
                "INSERT INTO facts (person_id, text, norm, source, at) VALUES (?, ?, ?, ?, ?)",
                (person, text, norm, source, when),
            )

        return await self._write_and_invalidate(job)

    async def facts(self, user_key: str) -> list[Fact]:
        """The person's facts, oldest first (shared across linked identities)."""
        rows = await self._cached(
            ("facts", user_key),
            lambda: self._rows(
                "SELECT f.id, f.text, f.source, f.at FROM facts f JOIN users u ON u.person_id = f.person_id "
                "WHERE u.key = ? ORDER BY f.id",
                (user_key,),
            ),
        )
        return [Fact(r["id"], r["text"], r["source"], parse_time(r["at"])) for r in rows]

    async def delete_fact(self, user_key: str, fact_id: int) -> bool:
        """Delete one of the person's facts; False when it is not theirs or does not exist."""

        async def job(tx: Tx) -> bool:
            return bool(
                await tx.run(
                    "DELETE FROM facts WHERE id = ? AND person_id = (SELECT person_id FROM users WHERE key = ?)",
                    (fact_id, user_key),
                )
            )

        return await self._write_and_invalidate(job)

    # ---- /forget -----------------------------------------------------------------------------

    async def forget_user(self, user_key: str) -> ForgetReport:
        """Delete everything about the person behind `user_key` and every identity linked to it.

        Removes the users, their person, facts, avatar, journal, usage, link codes, settings scoped
        to them, their messages, and whole direct (1:1) channels they used. Returns the files the
        caller must delete from disk.
        """

        async def job(tx: Tx) -> ForgetReport:
            tx.invalidate()
            row = await tx.one("SELECT person_id FROM users WHERE key = ?", (user_key,))
            person = row["person_id"] if row else None
            keys = [user_key]
            if person is not None:
                keys = [
                    r["key"] for r in await tx.all("SELECT key FROM users WHERE person_id = ?", (person,))
                ]
            km = _marks(len(keys))
            files: list[str] = []
            avatars = adventures = facts = 0
            if person is not None:
                files += [
                    r["path"] for r in await tx.all("SELECT path FROM avatars WHERE person_id = ?", (person,))
                ]
                avatars = len(files)
                trips = await tx.all("SELECT image_path FROM adventures WHERE person_id = ?", (person,))
                files += [r["image_path"] for r in trips]
                adventures = len(trips)
                files += [
                    r["path"]
                    for r in await tx.all("SELECT path FROM orphan_files WHERE person_id = ?", (person,))
                ]
                facts = (await tx.one("SELECT count(*) AS n FROM facts WHERE person_id = ?", (person,)))["n"]
            direct = [
                r["key"]
                for r in await tx.all(
                    f"SELECT key FROM channels WHERE kind = 'direct' AND (key IN ({km}) OR owner_key IN ({km}) "
                    f"OR key IN (SELECT channel_key FROM messages WHERE user_key IN ({km})) "
                    "OR key IN (SELECT channel_key FROM adventures WHERE person_id = ?))",
                    (*keys, *keys, *keys, person),
                )
            ]
            dm = _marks(len(direct))
            messages = (
                await tx.one(
                    f"SELECT count(*) AS n FROM messages WHERE user_key IN ({km}) OR channel_key IN ({dm})",
                    (*keys, *direct),
                )
            )["n"]
            await tx.run(
                f"DELETE FROM messages WHERE user_key IN ({km}) OR channel_key IN ({dm})", (*keys, *direct)
            )
            scopes = [f"user:{k}" for k in keys] + [f"channel:{c}" for c in direct]
            await tx.run(f"DELETE FROM settings WHERE scope IN ({_marks(len(scopes))})", tuple(scopes))
            await tx.run(f"DELETE FROM channels WHERE key IN ({dm})", tuple(direct))
            await tx.run(f"DELETE FROM link_codes WHERE user_key IN ({km})", tuple(keys))
            await tx.run(f"DELETE FROM identity_links WHERE user_key IN ({km})", tuple(keys))
            await tx.run(f"DELETE FROM users WHERE key IN ({km})", tuple(keys))
            if person is not None:
                await tx.run("DELETE FROM orphan_files WHERE person_id = ?", (person,))
                await tx.run("DELETE FROM persons WHERE id = ?", (person,))  # cascades the rest
            return ForgetReport(tuple(keys), facts, messages, avatars, adventures, files)

        return await self._write_and_invalidate(job)

    # ---- avatars -----------------------------------------------------------------------------

    async def set_avatar(
        self, user_key: str, path: str, kind: str, method: str, sha256: str, at: datetime
    ) -> str | None:
        """Make `path` the person's avatar; returns the previous avatar's path (to delete) or None."""
        when = iso(at)

        async def job(tx: Tx) -> str | None:
            person = await _ensure_person(tx, user_key, when)
            old = await tx.one("SELECT path FROM avatars WHERE person_id = ?", (person,))
            await tx.run(
                "INSERT INTO avatars (person_id, user_key, path, kind, method, sha256, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET user_key = excluded.user_key, "
                "path = excluded.path, kind = excluded.kind, method = excluded.method, "
                "sha256 = excluded.sha256, at = excluded.at",
                (person, user_key, str(path), kind, method, sha256, when),
            )
            return old["path"] if old else None

        return await self._writer.submit(job)

    async def get_avatar(self, user_key: str) -> AvatarRecord | None:
        """The person's current avatar, or None."""
        row = await self._row(
            "SELECT a.* FROM avatars a JOIN users u ON u.person_id = a.person_id WHERE u.key = ?", (user_key,)
        )
        return _avatar(row) if row else None

    async def delete_avatar(self, user_key: str) -> AvatarRecord | None:
        """Remove the person's avatar; returns the removed record (its file is the caller's to delete)."""

        async def job(tx: Tx) -> AvatarRecord | None:
            row = await tx.one(
                "SELECT a.* FROM avatars a JOIN users u ON u.person_id = a.person_id WHERE u.key = ?",
                (user_key,),
            )
            if row is None:
                return None
            await tx.run("DELETE FROM avatars WHERE person_id = ?", (row["person_id"],))
            return _avatar(row)

        return await self._writer.submit(job)

    # ---- travel journal ------------------------------------------------------------------------

    async def add_adventure(
        self,
        *,
        user_key: str,
        channel_key: str,
        landmark_id: str,
        at: datetime,
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
        when = iso(at)

        async def job(tx: Tx) -> int:
            person = await _ensure_person(tx, user_key, when)
            return await tx.insert(
                "INSERT INTO adventures (person_id, user_key, channel_key, landmark_id, at, seed, image_path, "
                "image_sha256, caption, path_used, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
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
                ),
            )

        return await self._write_and_invalidate(job)

    async def adventures(self, user_key: str, limit: int = 50) -> list[AdventureRecord]:
        """The person's trips, newest first."""
        rows = await self._cached(
            ("adventures", user_key, limit),
            lambda: self._rows(
                "SELECT a.* FROM adventures a JOIN users u ON u.person_id = a.person_id WHERE u.key = ? "
                "ORDER BY a.at DESC, a.id DESC LIMIT ?",
                (user_key, max(0, limit)),
            ),
        )
        return [_adventure_record(r) for r in rows]

    # ---- identity links ----------------------------------------------------------------------

    async def adventure(self, adventure_id: int) -> AdventureRecord | None:
        """One journal entry by id, whoever made it (e.g. for a reroll button pressed by someone else)."""
        row = await self._row("SELECT * FROM adventures WHERE id = ?", (int(adventure_id),))
        return _adventure_record(row) if row else None

    async def create_link_code(self, user_key: str, code: str, expires_at: datetime) -> None:
        """Store a one-time link code for `user_key` (replacing its earlier codes)."""
        until = iso(expires_at)

        async def job(tx: Tx) -> None:
            await _ensure_person(tx, user_key, until)
            await tx.run("DELETE FROM link_codes WHERE user_key = ?", (user_key,))
            await tx.run(
                "INSERT OR REPLACE INTO link_codes (code, user_key, expires_at) VALUES (?, ?, ?)",
                (code, user_key, until),
            )

        await self._writer.submit(job)

    async def redeem_link_code(self, code: str, user_key: str, now: datetime) -> str | None:
        """Link `user_key` with the code's maker; returns the maker's key, or None if unknown/expired.

        Returns `user_key` itself when the maker redeems their own code (nothing is linked).
        """
        when = iso(now)

        async def job(tx: Tx) -> str | None:
            await tx.run("DELETE FROM link_codes WHERE expires_at < ?", (when,))
            row = await tx.one("SELECT user_key FROM link_codes WHERE code = ?", (code,))
            if row is None:
                return None
            maker = row["user_key"]
            if maker == user_key:
                return maker
            tx.invalidate()
            keep = await _ensure_person(tx, maker, when)
            drop = await _ensure_person(tx, user_key, when)
            if keep != drop:
                await _merge_persons(tx, keep, drop, when)
            await tx.run("DELETE FROM link_codes WHERE code = ?", (code,))
            await tx.run(
                "INSERT OR REPLACE INTO identity_links (user_key, linked_with, linked_at) VALUES (?, ?, ?), (?, ?, ?)",
                (user_key, maker, when, maker, user_key, when),
            )
            tx.invalidate()
            return maker

        return await self._write_and_invalidate(job)

    async def linked_keys(self, user_key: str) -> list[str]:
        """Every platform key of the person behind `user_key`, itself included, sorted."""
        rows = await self._rows(
            "SELECT key FROM users WHERE person_id = (SELECT person_id FROM users WHERE key = ?) ORDER BY key",
            (user_key,),
        )
        return [r["key"] for r in rows] or [user_key]

    async def take_orphan_files(self) -> list[str]:
        """Files no record points to any more (an avatar replaced when two people linked); the caller deletes them."""

        async def job(tx: Tx) -> list[str]:
            rows = await tx.all("SELECT path FROM orphan_files ORDER BY at")
            await tx.run("DELETE FROM orphan_files")
            return [r["path"] for r in rows]

        return await self._writer.submit(job)

    # ---- settings ----------------------------------------------------------------------------

    async def get_setting(self, scope: str, key: str) -> str | None:
        """A setting's value, e.g. scope 'discord-space:123' or 'channel:telegram:5'."""
        row = await self._cached(
            ("setting", scope, key),
            lambda: self._row("SELECT value FROM settings WHERE scope = ? AND key = ?", (scope, key)),
        )
        return row["value"] if row else None

    async def set_setting(self, scope: str, key: str, value: str | None) -> None:
        """Set a setting; None deletes it."""

        async def job(tx: Tx) -> None:
            if value is None:
                await tx.run("DELETE FROM settings WHERE scope = ? AND key = ?", (scope, key))
            else:
                await tx.run(
                    "INSERT INTO settings (scope, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                    (scope, key, str(value)),
                )

        await self._write_and_invalidate(job)

    # ---- usage (cooldowns and quotas) ----------------------------------------------------------

    async def record_usage(self, user_key: str, kind: str, at: datetime) -> None:
        """Count one use of `kind` (e.g. 'adventure') by the person."""
        when = iso(at)

        async def job(tx: Tx) -> None:
            person = await _ensure_person(tx, user_key, when)
            await tx.run(
                "DELETE FROM usage WHERE person_id = ? AND kind = ? AND at < ?",
                (person, kind, iso(at - self.USAGE_KEEP)),
            )
            await tx.run("INSERT INTO usage (person_id, kind, at) VALUES (?, ?, ?)", (person, kind, when))

        await self._writer.submit(job)

    async def usage_since(self, user_key: str, kind: str, since: datetime) -> int:
        """How many uses of `kind` the person made at or after `since`."""
        row = await self._row(
            "SELECT count(*) AS n FROM usage WHERE kind = ? AND at >= ? AND "
            "person_id = (SELECT person_id FROM users WHERE key = ?)",
            (kind, iso(since), user_key),
        )
        return int(row["n"]) if row else 0

    async def last_usage(self, user_key: str, kind: str) -> datetime | None:
        """When the person last used `kind`, or None."""
        row = await self._row(
            "SELECT max(at) AS at FROM usage WHERE kind = ? AND person_id = (SELECT person_id FROM users WHERE key = ?)",
            (kind, user_key),
        )
        return parse_time(row["at"]) if row and row["at"] else None

    # ---- health ------------------------------------------------------------------------------

    async def integrity_check(self) -> str:
        """'ok' when PRAGMA integrity_check and foreign_key_check find nothing; else what they found."""
        rows = await self._rows("PRAGMA integrity_check")
        result = "; ".join(str(r[0]) for r in rows)
        if result != "ok":
            return result
        bad = await self._rows("PRAGMA foreign_key_check")
        return "ok" if not bad else f"{len(bad)} foreign key violation(s), first in table {bad[0][0]}"

    def stats(self) -> dict[str, int]:
        """Writer counters: committed batches, jobs, and batches replayed with a savepoint per job."""
        w = self._writer
        return {"batches": w.batches, "jobs": w.jobs, "replays": w.replays}


# ---- helpers run inside write jobs -------------------------------------------------------------


async def _migrate(db: aiosqlite.Connection, path: Path) -> None:
    """Apply pending migrations, each in its own transaction; also proves the file is writable."""
    version = (await (await db.execute("PRAGMA user_version")).fetchone())[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the memory database {path} has schema version {version}, newer than this bot's "
            f"{SCHEMA_VERSION}; upgrade the bot"
        )
    await db.execute("BEGIN IMMEDIATE")
    try:
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[number - 1]:
                await db.execute(statement)
            log.info("memory store migrated to schema version %d", number)
        # written even when nothing is pending: a read-only file fails here, at start, clearly
        await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        await db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            await db.execute("ROLLBACK")
        raise


async def _ensure_channel(tx: Tx, key: str) -> None:
    if key in tx.cache.channels or key in tx.new_channels:
        return
    await tx.run(
        "INSERT INTO channels (key, platform) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (key, _platform(key)),
    )
    tx.new_channels.add(key)


async def _ensure_person(
    tx: Tx, key: str, when: str, display_name: str = "", locale: str | None = None
) -> int:
    """The person id behind `key`, creating the user (and a new person) when unknown."""
    person = tx.cache.persons.get(key) or tx.new_persons.get(key)
    if person is not None:
        return person
    row = await tx.one("SELECT person_id FROM users WHERE key = ?", (key,))
    if row is not None:
        person = int(row["person_id"])
    else:
        person = await tx.insert("INSERT INTO persons (created_at) VALUES (?)", (when,))
        await tx.run(
            "INSERT INTO users (key, person_id, platform, display_name, locale, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, person, _platform(key), display_name, locale, when, when),
        )
    tx.new_persons[key] = person
    return person


async def _merge_persons(tx: Tx, keep: int, drop: int, when: str) -> None:
    """Move everything of person `drop` onto person `keep`, then delete `drop`."""
    await tx.run("UPDATE OR IGNORE facts SET person_id = ? WHERE person_id = ?", (keep, drop))
    await tx.run("DELETE FROM facts WHERE person_id = ?", (drop,))  # duplicates of facts `keep` has
    mine = await tx.one("SELECT path, at FROM avatars WHERE person_id = ?", (keep,))
    theirs = await tx.one("SELECT path, at FROM avatars WHERE person_id = ?", (drop,))
    if theirs is not None:
        if mine is None or theirs["at"] > mine["at"]:
            if mine is not None:
                await tx.run("DELETE FROM avatars WHERE person_id = ?", (keep,))
                await _orphan(tx, mine["path"], keep, when)
            await tx.run("UPDATE avatars SET person_id = ? WHERE person_id = ?", (keep, drop))
        else:
            await _orphan(tx, theirs["path"], keep, when)
            await tx.run("DELETE FROM avatars WHERE person_id = ?", (drop,))
    for table in ("adventures", "usage", "users", "orphan_files"):
        await tx.run(f"UPDATE {table} SET person_id = ? WHERE person_id = ?", (keep, drop))
    await tx.run("DELETE FROM persons WHERE id = ?", (drop,))


async def _orphan(tx: Tx, path: str, person: int, when: str) -> None:
    await tx.run(
        "INSERT OR REPLACE INTO orphan_files (path, person_id, at) VALUES (?, ?, ?)", (path, person, when)
    )


def _avatar(row: sqlite3.Row) -> AvatarRecord:
    return AvatarRecord(
        row["user_key"], row["path"], row["kind"], row["method"], row["sha256"], parse_time(row["at"])
    )


def _adventure_record(r: sqlite3.Row) -> AdventureRecord:
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
