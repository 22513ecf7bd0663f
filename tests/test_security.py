"""Secrets stay out of logs, users stay isolated, /forget leaves nothing, files stay under the data dir."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.core.models import Attachment, Channel, ChannelKind, IncomingMessage, User
from bot.logs import RedactSecrets
from tests.bad_inputs import png_bytes
from tests.outputs import RecordingOutput

ROOT = Path(__file__).resolve().parents[1]
FAKE_TG = "7777777777:AAH-fake-telegram-token-for-tests-0123456789"
FAKE_DC = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GxYzAb.fake-discord-token-for-tests-abcdefghij"
FAKE_KEY = "sk-test-fake-api-key-1234567890"


def test_redaction_filter_scrubs_known_and_token_shaped_secrets() -> None:
    f = RedactSecrets([FAKE_KEY])
    assert FAKE_KEY not in f.redact(f"calling with {FAKE_KEY}")
    assert FAKE_TG not in f.redact(f"https://api.telegram.org/bot{FAKE_TG}/getMe failed")
    assert FAKE_DC not in f.redact(f"Authorization: Bot {FAKE_DC}")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (FAKE_KEY,), None)
    f.filter(record)
    assert FAKE_KEY not in record.getMessage()


def test_tokens_never_reach_logs_through_start_errors_and_shutdown(
    tmp_path: Path, tiny_chat_dir: Path
) -> None:
    env = {
        **os.environ,
        "AVATAR_DATA_DIR": str(tmp_path / "data"),
        "LLM_MODEL": str(tiny_chat_dir),
        "TELEGRAM_TOKEN": FAKE_TG,
        "DISCORD_TOKEN": FAKE_DC,
        "LLM_API_KEY": FAKE_KEY,
        "PLAYGROUND_PORT": "0",
        "LOG_LEVEL": "DEBUG",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 60
        seen = ""
        while time.time() < deadline:
            line = proc.stdout.readline()
            seen += line
            if "telegram adapter did not start" in seen and "discord adapter did not start" in seen:
                break
            if proc.poll() is not None:
                break
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    logs = seen + rest
    assert "did not start" in logs, logs[-2000:]
    for secret in (FAKE_TG, FAKE_DC, FAKE_KEY, FAKE_TG.split(":")[1]):
        assert secret not in logs
    assert proc.returncode == 0, logs[-2000:]


ANA = User("telegram", "1", "Ana")
ANA_DC = User("discord", "2", "Ana D")
BEN = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP)


def _scan(db: Path, needles: list[str]) -> list[str]:
    con = sqlite3.connect(db)
    hits = []
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in con.execute(f'select * from "{table}"'):
                blob = " ".join(str(v) for v in row)
                hits += [f"{table}: {n}" for n in needles if n in blob]
    finally:
        con.close()
    return hits


async def test_forget_leaves_nothing_across_linked_identities(make_core, tmp_path: Path) -> None:
    core = await make_core(image_cooldown_s=0)
    dm_tg = Channel("telegram", "1", ChannelKind.DIRECT)
    dm_dc = Channel("discord", "dm2", ChannelKind.DIRECT)
    code_out = RecordingOutput()
    await core.handle(IncomingMessage(ANA, dm_tg, "/link"), code_out)
    code = next(w for w in code_out.text.replace(".", " ").split() if len(w) == 8 and w.isupper())
    linked = RecordingOutput()
    await core.handle(IncomingMessage(ANA_DC, dm_dc, f"/link {code}"), RecordingOutput())
    await core.handle(IncomingMessage(ANA, dm_tg, "/link"), RecordingOutput())  # confirmed by the maker
    await core.handle(IncomingMessage(ANA, dm_tg, "yes"), linked)
    assert "Linked" in linked.text
    await core.handle(IncomingMessage(ANA, dm_tg, "/remember zebra-crossing-secret"), RecordingOutput())
    mem = RecordingOutput()
    await core.handle(IncomingMessage(ANA_DC, dm_dc, "/memory"), mem)
    assert "zebra-crossing-secret" in mem.text, "memory follows the person"
    await core.handle(IncomingMessage(ANA_DC, dm_dc, "/avatar create pink hoodie"), RecordingOutput())
    adv = RecordingOutput()
    await core.handle(IncomingMessage(ANA, dm_tg, "/adventure paris seed:3"), adv)
    assert adv.images
    files = [
        p for p in (core.settings.avatar_data_dir).rglob("*") if p.is_file() and p.suffix in (".png", ".jpg")
    ]
    assert files
    await core.handle(IncomingMessage(ANA_DC, dm_dc, "/forget"), RecordingOutput())
    await core.handle(IncomingMessage(ANA_DC, dm_dc, "yes"), RecordingOutput())
    hits = _scan(core.settings.db_path, ["zebra-crossing-secret", "telegram:1", "discord:2", "Ana D"])
    assert hits == []
    assert [p for p in files if p.exists()] == []


async def test_one_users_journal_and_avatar_are_invisible_to_another(make_core) -> None:
    core = await make_core(image_cooldown_s=0)
    await core.handle(
        IncomingMessage(ANA, ROOM, "/adventure tokyo seed:1", mentions_bot=True), RecordingOutput()
    )
    ben_journal, ben_avatar = RecordingOutput(), RecordingOutput()
    await core.handle(IncomingMessage(BEN, ROOM, "/journal"), ben_journal)
    await core.handle(IncomingMessage(BEN, ROOM, "/avatar show"), ben_avatar)
    assert "Tokyo" not in ben_journal.text and ben_avatar.images == []
    ana_journal = RecordingOutput()
    await core.handle(IncomingMessage(ANA, ROOM, "/journal"), ana_journal)
    assert "Tokyo" in ana_journal.text


async def test_uploads_are_written_only_under_the_data_dir_with_generated_names(make_core) -> None:
    core = await make_core()
    data = png_bytes((128, 128), "RGBA", (200, 50, 50, 255))
    att = Attachment("../../../../etc/passwd", "image/png", len(data), data)
    out = RecordingOutput()
    await core.handle(IncomingMessage(BEN, ROOM, "/avatar set", attachments=(att,)), out)
    assert out.images, out.text
    saved = out.images[0][0].resolve()
    assert saved.is_relative_to(core.settings.avatar_data_dir.resolve())
    assert "passwd" not in saved.name
