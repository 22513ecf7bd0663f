"""Schema migrations, applied in order and recorded in PRAGMA user_version.

Append new migrations to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

Migration = tuple[str, ...]

# 1: people, places, conversation and facts.
M1_CORE: Migration = (
    """CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE users (
        key TEXT PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        locale TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    )""",
    "CREATE INDEX users_person ON users(person_id)",
    """CREATE TABLE channels (
        key TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'group',
        title TEXT NOT NULL DEFAULT '',
        space TEXT NOT NULL DEFAULT '',
        owner_key TEXT,
        persona_id TEXT,
        context_after_id INTEGER NOT NULL DEFAULT 0,
        reset_at TEXT
    )""",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        channel_key TEXT NOT NULL REFERENCES channels(key) ON DELETE CASCADE,
        user_key TEXT REFERENCES users(key) ON DELETE CASCADE,
        speaker TEXT NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX messages_channel ON messages(channel_key, id)",
    "CREATE INDEX messages_user ON messages(user_key)",
    """CREATE TABLE facts (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        norm TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (person_id, norm)
    )""",
)

# 2: avatars, travel journal, identity links, settings, usage.
M2_FEATURES: Migration = (
    """CREATE TABLE avatars (
        person_id INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        path TEXT NOT NULL,
        kind TEXT NOT NULL,
        method TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    """CREATE TABLE adventures (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        channel_key TEXT NOT NULL,
        landmark_id TEXT NOT NULL,
        at TEXT NOT NULL,
        seed INTEGER NOT NULL,
        image_path TEXT NOT NULL,
        image_sha256 TEXT NOT NULL,
        caption TEXT NOT NULL,
        path_used TEXT NOT NULL CHECK (path_used IN ('diffusers', 'illustrated')),
        format TEXT NOT NULL
    )""",
    "CREATE INDEX adventures_person ON adventures(person_id, at, id)",
    """CREATE TABLE link_codes (
        code TEXT PRIMARY KEY,
        user_key TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
        expires_at TEXT NOT NULL
    )""",
    "CREATE INDEX link_codes_user ON link_codes(user_key)",
    """CREATE TABLE identity_links (
        user_key TEXT PRIMARY KEY REFERENCES users(key) ON DELETE CASCADE,
        linked_with TEXT NOT NULL,
        linked_at TEXT NOT NULL
    )""",
    """CREATE TABLE orphan_files (
        path TEXT PRIMARY KEY,
        person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL,
        at TEXT NOT NULL
    )""",
    """CREATE TABLE settings (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE usage (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX usage_person ON usage(person_id, kind, at)",
)

# 3: files made for a person that no other row may point to (passport pages; postcards being drawn).
M3_PERSON_FILES: Migration = (
    """CREATE TABLE person_files (
        path TEXT PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX person_files_person ON person_files(person_id)",
)

# 4: a channel's trips, newest first (/map channel).
M4_CHANNEL_TRIPS: Migration = ("CREATE INDEX adventures_channel ON adventures(channel_key, at, id)",)

MIGRATIONS: tuple[Migration, ...] = (M1_CORE, M2_FEATURES, M3_PERSON_FILES, M4_CHANNEL_TRIPS)
SCHEMA_VERSION = len(MIGRATIONS)
