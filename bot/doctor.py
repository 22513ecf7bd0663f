"""`avatar-bot doctor`: what is active, where data lives, and why any fallback is in use."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings


def _safe(fn: Callable[[], str]) -> str:
    try:
        return fn()
    except Exception as exc:  # doctor must always print something useful
        return f"unavailable ({type(exc).__name__}: {exc})"


def _store(settings: Settings) -> str:
    path = settings.db_path
    if not path.exists():
        return f"SQLite at {path} (not created yet; made on first start)"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    size = path.stat().st_size / 1e6
    return f"SQLite at {path} (schema v{version}, {mode} mode, {size:.1f} MB)"


def _chat(settings: Settings) -> str:
    from generators.dialogue.loader import describe_dialogue

    return describe_dialogue(settings.dialogue_options())


def _images(settings: Settings) -> str:
    from generators.images.scenes import describe_scenes

    return describe_scenes(settings.image_options())


def _cutout(settings: Settings) -> str:
    from generators.images.cutout import describe_chain

    rows = describe_chain(settings.segmentation_model)
    return "; ".join(f"{name}: {'yes' if ok else 'no'} ({why})" for name, ok, why in rows)


def _fonts(settings: Settings) -> str:
    from generators.images.fonts import describe_fonts

    return describe_fonts()


def _adapters(settings: Settings) -> str:
    lines = []
    pg = f"http://{settings.playground_host}:{settings.playground_port}"
    lines.append(
        f"playground: {'on at ' + pg if settings.playground_enabled else 'off (PLAYGROUND_ENABLED=false)'}"
    )
    for name, token in (("discord", settings.discord_token), ("telegram", settings.telegram_token)):
        if token is None:
            key = f"{name.upper()}_TOKEN"
            lines.append(f"{name}: off ({key} is not set)")
            continue
        try:
            __import__(f"bot.adapters.{name}_bot")
            lines.append(f"{name}: on (token set)")
        except ImportError as exc:
            lines.append(f"{name}: token set, but the adapter cannot start ({exc})")
    lines.append("terminal: avatar-bot chat --user NAME")
    return "\n  ".join(lines)


def report(settings: Settings) -> str:
    """A human-readable status report; loads no weights."""
    data = Path(settings.avatar_data_dir).resolve()
    rows = [
        ("data dir", str(data)),
        ("store", _safe(lambda: _store(settings))),
        ("chat model", _safe(lambda: _chat(settings))),
        ("images", _safe(lambda: _images(settings))),
        ("avatar cut-out", _safe(lambda: _cutout(settings))),
        ("fonts", _safe(lambda: _fonts(settings))),
        ("adapters", _safe(lambda: _adapters(settings))),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}} : {v}" for k, v in rows)
