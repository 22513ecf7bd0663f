"""Reliability at the edges (issue 10): scrubbing, start-up that fails half-way, the personas CLI."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from telegram.request import RequestData

from bot import app
from bot.adapters.telegram_bot import TelegramAdapter
from bot.logs import RedactSecrets
from bot.settings import Settings
from generators.errors import InputError
from personas.registry import PersonaRegistry
from tests.bad_inputs import deeply_nested_toml
from tests.fake_telegram import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ROOT / "personas"

SHORT_TOKEN = "123456:SecretTokenXYZ"  # too short for the token-shape pattern: only the known value helps


class EchoingBotAPI(FakeBotAPI):
    """A Bot API that refuses getMe and echoes the request URL back, lowercased, in its error."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kw: Any):
        if url.endswith("/getMe"):
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: no route {url.lower()}"}
            return 400, json.dumps(body).encode()
        return await super().do_request(url, method, request_data, **kw)


async def test_a_token_echoed_in_lowercase_is_scrubbed(make_core) -> None:
    core = await make_core(telegram_token=SHORT_TOKEN)
    adapter = TelegramAdapter(core, core.settings, request=EchoingBotAPI())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([SHORT_TOKEN]))
    logger = logging.getLogger("test.echo")
    logger.addHandler(handler)
    try:
        with pytest.raises(Exception) as err:
            await adapter.app.bot.get_me()
        assert SHORT_TOKEN.lower() in str(err.value)  # the fake really echoes it lowercased
        logger.error("telegram adapter did not start: %s", err.value)
    finally:
        logger.removeHandler(handler)
        await adapter.app.shutdown()
    logged = stream.getvalue()
    assert "[REDACTED]" in logged
    assert SHORT_TOKEN.lower() not in logged.lower()


# ---------------------------------------------------------------- defect 5: a start that fails half-way


def test_a_deeply_nested_user_persona_is_skipped_and_reported(tmp_path: Path, caplog) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "deep.toml").write_text(deeply_nested_toml(), encoding="utf-8")
    reg = PersonaRegistry(BUILTIN, user)
    assert reg.find("deep") is None and reg.get("luna")
    assert "nested too deeply" in reg.skipped["deep.toml"]
    assert any("skipping persona file deep.toml" in r.getMessage() for r in caplog.records)


def test_personas_list_reports_a_skipped_file(tmp_path: Path) -> None:
    user = tmp_path / "data" / "personas"
    user.mkdir(parents=True)
    (user / "deep.toml").write_text(deeply_nested_toml(), encoding="utf-8")
    env = {**os.environ, "AVATAR_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "personas", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "luna" in done.stdout
    assert "skipped deep.toml: its tables or arrays are nested too deeply" in done.stderr


async def test_a_start_that_fails_half_way_closes_the_store(
    tmp_path: Path, monkeypatch, tiny_chat_dir
) -> None:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "deep.toml").write_text(deeply_nested_toml(), encoding="utf-8")
    monkeypatch.setattr(app, "PERSONAS_DIR", builtin)
    settings = Settings(_env_file=None, avatar_data_dir=tmp_path / "data")
    writers = {t for t in threading.enumerate() if t.name == "memory-writer"}
    with pytest.raises(InputError):
        await app.build_core(settings, dialogue=None)
    left = {t for t in threading.enumerate() if t.name == "memory-writer" and t.is_alive()} - writers
    assert not left, "the store opened before the failure was closed"


# ---------------------------------------------------------------- defect 8: the personas CLI


def _registry(tmp_path: Path) -> PersonaRegistry:
    return PersonaRegistry(BUILTIN, tmp_path / "user")


def test_import_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "card.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as err:
        _registry(tmp_path).import_file(fifo)  # before the fix this blocked forever
    assert "not a regular file" in err.value.params["reason"]


def test_import_refuses_a_device_and_an_oversized_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        _registry(tmp_path).import_file(Path("/dev/zero"))
    assert "not a regular file" in err.value.params["reason"]
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (9 * 1024 * 1024))
    with pytest.raises(InputError) as err:
        _registry(tmp_path).import_file(big)
    assert "limit" in err.value.params["reason"]


def test_export_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    target = tmp_path / "luna.png"
    target.write_bytes(b"keep me")
    with pytest.raises(InputError) as err:
        reg.export("luna", target)
    assert "--force" in err.value.params["reason"]
    assert target.read_bytes() == b"keep me"
    reg.export("luna", target, force=True)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_export_never_replaces_a_symlink_or_a_device(tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "link.png"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    for path in (link, fifo, tmp_path):
        with pytest.raises(InputError) as err:
            reg.export("luna", path, force=True)
        assert "not a regular file" in err.value.params["reason"]
    assert link.is_symlink() and victim.read_text() == "precious"
    assert fifo.exists() and not fifo.is_file()


def test_cli_export_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("{}")
    env = {**os.environ, "AVATAR_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "bot", "personas", "export", "luna", str(target)]
    refused = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = subprocess.run(
        [*base, "--force"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert forced.returncode == 0 and json.loads(target.read_text())["spec"] == "chara_card_v3"
