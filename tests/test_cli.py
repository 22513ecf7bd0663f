"""`avatar-bot` end to end as a user runs it: chat without a terminal, doctor, personas."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_bot(
    args: list[str], tmp_path: Path, tiny_chat_dir: Path, stdin: str = ""
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AVATAR_DATA_DIR": str(tmp_path / "data"),
        "LLM_MODEL": str(tiny_chat_dir),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        "IMAGE_COOLDOWN_S": "0",
    }
    env.pop("TELEGRAM_TOKEN", None)
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
        check=False,
    )


def test_chat_without_a_terminal_prints_one_block_per_message(tmp_path: Path, tiny_chat_dir: Path) -> None:
    lines = "/help\n/remember I love maps\n/avatar create long brown hair, glasses, pink hoodie\n/adventure 巴黎\n/memory\n"
    proc = run_bot(["chat", "--user", "Ana"], tmp_path, tiny_chat_dir, lines)
    assert proc.returncode == 0, proc.stderr[-3000:]
    blocks = [b for b in proc.stdout.split("\n\n") if b.strip()]
    assert len(blocks) >= 5, proc.stdout
    assert "/adventure" in blocks[0]
    assert "I love maps" in blocks[1]
    assert "[image saved:" in blocks[2]
    postcard = re.search(r"\[image saved: (.+?\.jpg)\]", proc.stdout)
    assert postcard, proc.stdout
    path = Path(postcard.group(1))
    assert path.is_file() and path.resolve().is_relative_to((tmp_path / "data").resolve())
    after = proc.stdout[postcard.end() :]
    assert "巴黎" in after or "埃菲尔" in after, "the caption follows, in the user's language"
    assert "#AvatarAdventures" in after


def test_doctor_reports_models_store_and_adapters(tmp_path: Path, tiny_chat_dir: Path) -> None:
    proc = run_bot(["doctor"], tmp_path, tiny_chat_dir)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for label in ("data dir", "store", "chat model", "images", "avatar cut-out", "fonts", "adapters"):
        assert label in out
    assert "H.264 MP4 through PyAV" in out
    assert "DISCORD_TOKEN is not set" in out and "illustrated" in out


def test_personas_list_show_export_import(tmp_path: Path, tiny_chat_dir: Path) -> None:
    listed = run_bot(["personas", "list"], tmp_path, tiny_chat_dir)
    assert {"luna", "professor", "mango"} <= set(re.findall(r"^(\S+)", listed.stdout, re.M))
    shown = run_bot(["personas", "show", "luna"], tmp_path, tiny_chat_dir)
    assert "name: Luna" in shown.stdout
    card = tmp_path / "luna-card.png"
    assert run_bot(["personas", "export", "luna", str(card)], tmp_path, tiny_chat_dir).returncode == 0
    imported = run_bot(["personas", "import", str(card)], tmp_path, tiny_chat_dir)
    assert imported.returncode == 0 and "Imported Luna" in imported.stdout
    bad = run_bot(["personas", "show", "nobody"], tmp_path, tiny_chat_dir)
    assert bad.returncode == 2 and "Available" in bad.stderr


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    import re

    from bot.settings import Settings

    doc = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", doc, re.M))
    assert documented == {name.upper() for name in Settings.model_fields}
    assert not re.search(r"^(DISCORD|TELEGRAM)_TOKEN=\S", doc, re.M), "no token value is committed"
