"""The Postgres backend as several processes see it: migrations, races between stores, two cores sharing it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.memory.errors import StoreError
from bot.memory.postgres import PostgresMemory
from bot.memory.postgres.schema import SCHEMA_VERSION
from tests.memory_helpers import ANA, ROOM, ManualClock
from tests.outputs import RecordingOutput

DM_TG = Channel("telegram", "1", ChannelKind.DIRECT)
DM_DC = Channel("discord", "dm2", ChannelKind.DIRECT)
ANA_TG = User("telegram", "1", "Ana")
ANA_DC = User("discord", "2", "Ana D")


async def test_migrations_are_versioned_and_run_once(postgres_database: str) -> None:
    clock = ManualClock()
    first, second = await asyncio.gather(
        PostgresMemory.open(postgres_database, clock=clock),
        PostgresMemory.open(postgres_database, clock=clock),
    )  # two processes starting at once: one migrates, the other waits and finds nothing to do
    await first.close()
    await second.close()
    conn = await asyncpg.connect(postgres_database)
    try:
        versions = [
            r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
        ]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        await conn.execute("INSERT INTO schema_migrations (version) VALUES (99)")
    finally:
        await conn.close()
    with pytest.raises(StoreError, match="newer than this bot"):
        await PostgresMemory.open(postgres_database, clock=clock)


async def test_migrate_command_on_both_backends(
    postgres_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`avatar-bot migrate` runs in its own event loop, as from a shell."""
    monkeypatch.setenv("AVATAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    assert "sqlite" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", postgres_database)
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    assert f"migrated schema version 0 -> {SCHEMA_VERSION}" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    assert f"up to date (version {SCHEMA_VERSION})" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["doctor"]) == 0
    assert f"schema v{SCHEMA_VERSION}, current" in capsys.readouterr().out


async def test_two_stores_race_on_one_new_user_and_see_each_others_writes(postgres_database: str) -> None:
    clock = ManualClock()
    a = await PostgresMemory.open(postgres_database, clock=clock)
    b = await PostgresMemory.open(postgres_database, clock=clock)
    try:
        await asyncio.gather(
            *(
                store.messages.add(ROOM.key, ANA.key, "Ana", "user", f"{n}")
                for n in range(10)
                for store in (a, b)
            ),
            *(store.usage.record(ANA.key, "adventure") for store in (a, b)),
        )
        assert len(await b.messages.recent(ROOM.key, 100)) == 20
        assert await a.usage.count_since(ANA.key, "adventure", clock.now()) == 2
        assert await a.integrity_check() == "ok", "the losing process's new person was dropped"
        await a.facts.add(ANA.key, "likes maps", "user")
        assert [f.text for f in await b.facts.list(ANA.key)] == ["likes maps"]
        await b.users.forget(ANA.key)
        assert await a.facts.list(ANA.key) == [] and await a.messages.recent(ROOM.key, 5) == []
    finally:
        await a.close()
        await b.close()


async def _say(core, user: User, channel: Channel, text: str) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, mentions_bot=True), out)
    return out


async def test_two_bot_processes_share_link_forget_and_limits(
    make_core, postgres_database: str, tmp_path: Path
) -> None:
    one = await make_core(
        database_url=postgres_database, image_cooldown_s=60, image_size=256, data_dir=tmp_path / "a"
    )
    two = await make_core(
        database_url=postgres_database, image_cooldown_s=60, image_size=256, data_dir=tmp_path / "b"
    )
    code_out = await _say(one, ANA_TG, DM_TG, "/link")
    code = next(w for w in code_out.text.replace(".", " ").split() if len(w) == 8 and w.isupper())
    assert "Linked" in (await _say(two, ANA_DC, DM_DC, f"/link {code}")).text
    await _say(one, ANA_TG, DM_TG, "/remember zebra-crossing-secret")
    assert "zebra-crossing-secret" in (await _say(two, ANA_DC, DM_DC, "/memory")).text

    assert (await _say(one, ANA_TG, DM_TG, "/adventure rio")).images
    wait = await _say(two, ANA_DC, DM_DC, "/adventure rio")
    assert wait.images == [] and "try again in" in wait.text, "the cooldown holds across processes"

    await _say(two, ANA_DC, DM_DC, "/forget")
    await _say(two, ANA_DC, DM_DC, "yes")
    assert "zebra-crossing-secret" not in (await _say(one, ANA_TG, DM_TG, "/memory")).text
    conn = await asyncpg.connect(postgres_database)
    try:
        for table in ("users", "facts", "messages", "usage", "adventures", "avatars", "identity_links"):
            rows = await conn.fetch(f"SELECT * FROM {table}")
            assert not any("zebra" in str(r) or "telegram:1" in str(r) for r in rows), table
    finally:
        await conn.close()
