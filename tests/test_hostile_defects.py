"""Defects found by hostile testing (issue 10): each test failed before its fix."""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.clock import SystemClock
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.memory.sqlite import SqliteMemory
from bot.settings import Settings
from generators.images.studio import ImageStudio
from tests.outputs import RecordingOutput

ANA = User("web", "ana", "Ana")
GROUP = Channel("web", "grp", ChannelKind.GROUP, space="x")
QUIET = Channel("web", "quiet", ChannelKind.GROUP, space="x")


async def say(core, channel: Channel, text: str, user: User = ANA, **kw) -> RecordingOutput:
    """Send one message through the real core and return what it answered."""
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, **kw), out)
    return out


# --- defect 7: the length check runs after "addressed" and "allowed here" -----------------------


async def test_long_unaddressed_group_message_gets_no_reply(make_core) -> None:
    core = await make_core()
    assert (await say(core, GROUP, "y" * 4001)).messages == []
    assert "too long" in (await say(core, GROUP, "y" * 4001, mentions_bot=True)).text
    assert "too long" in (await say(core, GROUP, "/remember " + "y" * 4001)).text


async def test_long_message_in_a_switched_off_channel_gets_no_reply(make_core) -> None:
    core = await make_core()
    await core.memory.settings.set("web-space:x", "allowed_channels", '["grp"]')
    assert (await say(core, QUIET, "y" * 4001, mentions_bot=True)).messages == []
    assert (await say(core, QUIET, "/remember " + "y" * 4001)).messages == []
    assert "too long" in (await say(core, GROUP, "y" * 4001, mentions_bot=True)).text


# --- defect 1: /link codes are private, and the first account confirms before anything merges --

VICTIM = User("web", "victim", "Victim")
ATTACKER = User("web", "attacker", "Attacker")
VICTIM_DC = User("discord", "77", "Victim")
DM_VICTIM = Channel("web", "dm-victim", ChannelKind.DIRECT)
DM_VICTIM_DC = Channel("discord", "dm77", ChannelKind.DIRECT)
DM_ATTACKER = Channel("web", "dm-attacker", ChannelKind.DIRECT)
CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{8}\b")


def code_in(out: RecordingOutput) -> str:
    """The link code shown in an answer."""
    found = set(CODE.findall(out.text))
    assert len(found) == 1, out.text
    return found.pop()


async def test_link_in_a_group_shows_no_code(make_core) -> None:
    core = await make_core()
    await say(core, GROUP, "/remember my address is 1 Secret Lane", user=VICTIM)
    out = await say(core, GROUP, "/link", user=VICTIM)
    assert "private chat" in out.text and not CODE.search(out.text)
    assert await core.memory.write(lambda tx: tx.all("SELECT * FROM link_codes")) == []
    # Redeeming in a group is refused too (it would show the code to everyone).
    assert "private chat" in (await say(core, GROUP, "/link ABCDEFGH", user=ATTACKER)).text
    # An answer only the caller sees (Discord's ephemeral reply) may carry the code.
    private = await say(core, GROUP, "/link", user=VICTIM, private_reply=True)
    assert code_in(private)


async def test_a_redeemed_code_merges_nothing_until_the_maker_says_yes(make_core) -> None:
    core = await make_core()
    await say(core, DM_VICTIM, "/remember my address is 1 Secret Lane", user=VICTIM)
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    claimed = await say(core, DM_ATTACKER, f"/link {code}", user=ATTACKER)
    assert "confirm" in claimed.text and "Linked" not in claimed.text
    assert "Secret Lane" not in (await say(core, DM_ATTACKER, "/memory", user=ATTACKER)).text
    # The maker is asked, with buttons, and says no: nothing is merged and the code is void.
    ask = await say(core, DM_VICTIM, "/link", user=VICTIM)
    assert "Attacker" in ask.text and [b.action for b in ask.buttons[-1]] == ["link:yes", "link:no"]
    assert "Not linked" in (await say(core, DM_VICTIM, "no", user=VICTIM)).text
    assert "Secret Lane" not in (await say(core, DM_ATTACKER, "/memory", user=ATTACKER)).text
    assert "unknown or expired" in (await say(core, DM_ATTACKER, f"/link {code}", user=ATTACKER)).text
    assert await core.memory.users.linked_keys(ATTACKER.key) == [ATTACKER.key]


async def test_the_maker_confirms_with_yes_or_the_button(make_core) -> None:
    core = await make_core()
    await say(core, DM_VICTIM, "/remember I like tea", user=VICTIM)
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    await say(core, DM_VICTIM_DC, f"/link {code}", user=VICTIM_DC)
    await say(core, DM_VICTIM, "/link", user=VICTIM)
    assert "Linked" in (await say(core, DM_VICTIM, "yes", user=VICTIM)).text
    assert "I like tea" in (await say(core, DM_VICTIM_DC, "/memory", user=VICTIM_DC)).text
    # The button works the same way.
    other = User("telegram", "5", "Victim")
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    await say(core, Channel("telegram", "5", ChannelKind.DIRECT), f"/link {code}", user=other)
    await say(core, DM_VICTIM, "/link", user=VICTIM)
    pressed = RecordingOutput()
    await core.handle_action(VICTIM, IncomingMessage(VICTIM, DM_VICTIM, ""), "link:yes", pressed)
    assert "Linked" in pressed.text
    assert other.key in await core.memory.users.linked_keys(VICTIM.key)


async def test_failed_link_attempts_are_limited_per_account(make_core) -> None:
    core = await make_core()
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    for i in range(5):
        assert "unknown or expired" in (await say(core, DM_ATTACKER, f"/link WRONG{i}AB", user=ATTACKER)).text
    assert "Too many" in (await say(core, DM_ATTACKER, f"/link {code}", user=ATTACKER)).text
    # Another account is not held back by the attacker's failures.
    assert "confirm" in (await say(core, DM_VICTIM_DC, f"/link {code}", user=VICTIM_DC)).text


# --- defect 2: /forget leaves nothing: no row, no file, nothing in the WAL, no cache anywhere ----

SECRET = "zebra-crossing-4711"
ANASTASIA = User("web", "ana7", "Anastasia")
BEN = User("web", "ben", "Benedikt")
DM_ANA = Channel("web", "dm-ana7", ChannelKind.DIRECT)


class CrashAfterDrawing(ImageStudio):
    """The real studio, killed between drawing a postcard and saving its journal entry."""

    def postcard(self, *args, **kwargs):  # type: ignore[override]
        super().postcard(*args, **kwargs)
        raise RuntimeError("killed before the journal entry was written")


def _table_hits(db: Path, needles: list[str]) -> list[str]:
    con = sqlite3.connect(db)
    try:
        hits = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in con.execute(f'SELECT * FROM "{table}"'):
                blob = " ".join(str(v) for v in row).casefold()
                hits += [f"{table}: {n}" for n in needles if n.casefold() in blob]
        return hits
    finally:
        con.close()


def _file_hits(root: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            hits += [f"{path.name}: {n}" for n in needles if n.lower().encode() in data]
    return hits


async def test_forget_leaves_no_row_file_wal_page_or_cache(make_app, tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(_env_file=None, avatar_data_dir=data)
    crashing = CrashAfterDrawing.from_options(settings.image_options())
    core = (await make_app(data_dir=data, image_cooldown_s=0)).core
    crash_core = (await make_app(data_dir=data, image_cooldown_s=0, images=crashing)).core
    # A second process on the same data folder, with its own connections and caches.
    other = await SqliteMemory.open(core.settings.db_path, clock=SystemClock())
    try:
        baseline = {p for p in data.rglob("*") if p.is_file()}
        await say(core, DM_ANA, f"/remember my locker code is {SECRET}", user=ANASTASIA)
        await say(core, DM_ANA, "/avatar create green scarf", user=ANASTASIA)
        await say(core, DM_ANA, "/adventure paris seed:3", user=ANASTASIA)
        passport = await say(core, DM_ANA, "/passport", user=ANASTASIA)
        assert passport.images
        crashed = await say(crash_core, DM_ANA, "/adventure tokyo seed:4", user=ANASTASIA)
        assert not crashed.images
        # In a group, the bot answered her and named her; Ben's own chat stays.
        await say(core, GROUP, "Luna, I live on Secret Lane", user=ANASTASIA, mentions_bot=True)
        await core.memory.messages.add(GROUP.key, None, "Luna", "assistant", "Secret Lane sounds lovely!")
        await core.memory.messages.add(GROUP.key, BEN.key, "Benedikt", "user", "hello all")
        await core.memory.messages.add(GROUP.key, None, "Luna", "assistant", "Anastasia is my best friend")
        await core.memory.messages.add(GROUP.key, None, "Luna", "assistant", "Hello Benedikt!")
        assert SECRET in " ".join(f.text for f in await other.facts.list(ANASTASIA.key))  # cached there

        await say(core, DM_ANA, "/forget", user=ANASTASIA)
        done = await say(core, DM_ANA, "yes", user=ANASTASIA)
        assert "forgot" in done.text.lower() or "deleted" in done.text.lower(), done.text

        needles = [SECRET, "Secret Lane", "Anastasia", ANASTASIA.key]
        assert _table_hits(core.settings.db_path, needles) == []
        left = {p for p in data.rglob("*") if p.is_file()} - baseline
        assert {p.name for p in left if p.suffix in (".png", ".jpg")} == set(), (
            "no postcard, passport or avatar"
        )
        assert _file_hits(data, needles) == [], "not in the database, its WAL or any other file"
        wal = core.settings.db_path.with_name(core.settings.db_path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, "the WAL was checkpointed and truncated"
        assert await other.facts.list(ANASTASIA.key) == [], "no cache outlives /forget in another process"
        history = [m.text for m in await other.messages.recent(GROUP.key, 10)]
        assert history == ["hello all", "Hello Benedikt!"]
    finally:
        await other.close()


# --- defect 11: persona names are cleaned at import ---------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["Mal\nlory", "Mal\u200blory\u200d", "\u202eMallory\u202c", "Mal\r\n\tlory\u2028", "Mal\ufefflory\u00ad"],
)
async def test_imported_persona_names_are_one_clean_line(make_core, tmp_path: Path, raw: str) -> None:
    core = await make_core()
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {"name": raw, "description": "A traveller."},
    }
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))
    persona = core.personas.import_file(path)
    assert persona.name in ("Mallory", "Mal lory")
    assert all(ch.isprintable() for ch in persona.name)
    reply = await say(core, DM_ANA, f"/persona {persona.id}", user=ANASTASIA)
    assert persona.name in reply.text


# --- 13: smaller ones ---------------------------------------------------------------------------


async def test_playground_channels_past_the_limit_replace_unused_ones(make_core) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.adapters.web import MAX_GROUPS, Playground

    client = TestClient(TestServer(Playground(await make_core()).app))
    await client.start_server()
    try:
        for i in range(MAX_GROUPS + 5):
            added = await client.post("/api/channels", json={"name": "Ann", "title": f"room {i}"})
            assert added.status == 200, (i, await added.text())
        ids = [c["id"] for c in await (await client.get("/api/channels?name=Ann")).json()]
        assert {"lobby", "travel", f"room-{MAX_GROUPS + 4}"} <= set(ids) and "room-0" not in ids
    finally:
        await client.close()


async def test_facts_are_limited_per_person(make_core) -> None:
    from bot.core.memories import MAX_FACTS

    core = await make_core()
    for i in range(MAX_FACTS):
        await core.memory.facts.add(ANASTASIA.key, f"fact number {i}", "user")
    full = await say(core, DM_ANA, "/remember one more thing", user=ANASTASIA)
    assert "Send /forget" in full.text
    await say(core, DM_ANA, "my name is Anastasia and I love cats", user=ANASTASIA)
    assert len(await core.memory.facts.list(ANASTASIA.key)) == MAX_FACTS


class DiskFull(ImageStudio):
    """The real studio on a disk with no space left."""

    def postcard(self, *args, **kwargs):  # type: ignore[override]
        raise OSError(errno.ENOSPC, "No space left on device")

    def cartoon(self, *args, **kwargs):  # type: ignore[override]
        raise OSError(errno.ENOSPC, "No space left on device")


async def test_disk_full_during_image_work_says_so(make_core, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, avatar_data_dir=tmp_path / "data")
    core = await make_core(image_cooldown_s=0, images=DiskFull.from_options(settings.image_options()))
    assert "disk is full" in (await say(core, DM_ANA, "/avatar create red hat", user=ANASTASIA)).text
    await core.memory.avatars.set(ANASTASIA.key, str(FIXTURE_AVATAR(tmp_path)), "upload", "plain", "0" * 64)
    assert "disk is full" in (await say(core, DM_ANA, "/adventure paris", user=ANASTASIA)).text


def FIXTURE_AVATAR(tmp_path: Path) -> Path:  # noqa: N802
    from tests.bad_inputs import png_bytes

    path = tmp_path / "avatar.png"
    path.write_bytes(png_bytes((64, 64), "RGBA", (200, 50, 50, 255)))
    return path


async def test_a_missing_avatar_path_says_file_not_found(make_core, tmp_path: Path) -> None:
    from bot.adapters.console import to_message

    core = await make_core()
    missing = tmp_path / "nope.png"
    out = RecordingOutput()
    await core.handle(to_message(f"/avatar set {missing}", ANASTASIA, DM_ANA, 1), out)
    assert "File not found" in out.text and "nope.png" in out.text
    assert "Attach a picture" in (await say(core, DM_ANA, "/avatar set", user=ANASTASIA)).text


def test_a_storage_error_at_start_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bot.db").write_bytes(b"this is not a database" * 100)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "AVATAR_DATA_DIR": str(data), "PYTHONPATH": str(root), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "Ana"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "not a SQLite database" in proc.stderr and "bot.db" in proc.stderr


async def test_a_discord_adapter_that_failed_to_start_closes_its_session(make_core) -> None:
    import discord
    from aiohttp import web

    from bot.adapters.discord_bot import DiscordAdapter

    async def unauthorized(request: web.Request) -> web.Response:
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unauthorized)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = discord.http.Route.BASE
    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    try:
        core = await make_core(discord_token="MTIz.fake.token-for-a-test")
        adapter = DiscordAdapter(core, core.settings)
        with pytest.raises(RuntimeError, match="rejected DISCORD_TOKEN"):
            await adapter.start()
        await adapter.stop()  # what the adapter supervisor does after a failed start
        assert adapter.client.is_closed()
        session = adapter.client.http._HTTPClient__session  # type: ignore[attr-defined]
        assert session is None or getattr(session, "closed", True)
    finally:
        discord.http.Route.BASE = base
        await runner.cleanup()
