"""`avatar-bot doctor`: what is active, where data lives, and why any fallback is in use."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.queue.arq_queue import ArqPostcardQueue


def _safe(fn: Callable[[], str]) -> str:
    try:
        return fn()
    except Exception as exc:  # doctor must always print something useful
        return f"unavailable ({type(exc).__name__}: {exc})"


def _store(settings: Settings) -> str:
    from bot.memory.backend import database_url

    url = database_url(settings)
    if url is not None:
        return asyncio.run(_postgres_store(url))
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


async def _postgres_store(url: str) -> str:
    import asyncpg

    from bot.memory.postgres.memory import current_version, redact
    from bot.memory.postgres.schema import SCHEMA_VERSION

    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"Postgres at {redact(url)}: cannot connect ({exc})"
    try:
        version = await current_version(conn)
        server = await conn.fetchval("SHOW server_version")
        size = await conn.fetchval("SELECT pg_database_size(current_database())") / 1e6
    finally:
        await conn.close()
    state = "current" if version == SCHEMA_VERSION else f"run `avatar-bot migrate` to reach v{SCHEMA_VERSION}"
    return f"Postgres {server} at {redact(url)} (schema v{version}, {state}, {size:.1f} MB)"


def _queue(settings: Settings) -> str:
    from bot.queue.backend import postcard_queue

    queue = postcard_queue(settings)
    if queue is None:
        return f"in-process ({settings.image_workers} worker thread(s), backlog {settings.image_queue_size})"
    from bot.queue.arq_queue import ArqPostcardQueue

    if not isinstance(queue, ArqPostcardQueue):
        return type(queue).__name__
    return asyncio.run(_redis_queue(queue))


async def _redis_queue(queue: ArqPostcardQueue) -> str:
    import time

    from bot.queue.arq_queue import live_workers

    where = queue.url.split("@")[-1]
    try:
        redis = await queue.redis()
        await redis.ping()
        workers = await live_workers(redis)
        waiting = await queue.waiting()
    except Exception as exc:
        return f"arq on Redis {where}: cannot connect ({exc})"
    finally:
        await queue.aclose()
    lines = [
        f"arq on Redis {where}, queue {queue.queue_name!r}: {waiting} waiting, {len(workers)} live worker(s)"
    ]
    for w in workers:
        age = time.time() - float(str(w.get("at", 0)))
        doing = f", on job {w['current']}" if w.get("current") else ""
        lines.append(
            f"  {w['name']}: {w['concurrency']} slot(s), {w['done']} done{doing} (seen {age:.0f} s ago)"
        )
    return "\n".join(lines)


def _shards(settings: Settings) -> str:
    from bot.shards import shard_plan

    plan = shard_plan(settings).describe()
    return plan if settings.discord_token else f"{plan} (DISCORD_TOKEN not set)"


def _chat(settings: Settings) -> str:
    from generators.dialogue.loader import describe_dialogue

    return describe_dialogue(settings.dialogue_options())


def _images(settings: Settings) -> str:
    from generators.images.scenes import describe_scenes

    return describe_scenes(settings.image_options())


def _motion(settings: Settings) -> str:
    from generators.images.loops import describe_loops

    return describe_loops()


def _cutout(settings: Settings) -> str:
    from generators.images.cutout import describe_chain

    rows = describe_chain(settings.segmentation_model)
    return "; ".join(f"{name}: {'yes' if ok else 'no'} ({why})" for name, ok, why in rows)


def _fonts(settings: Settings) -> str:
    from generators.images.fonts import describe_fonts

    return describe_fonts()


def _voice(settings: Settings) -> str:
    from generators.voice.pipeline import describe_voice

    if not settings.voice_enabled:
        return "off (VOICE_ENABLED=false)"
    return describe_voice(settings.voice_options())


def _adapters(settings: Settings) -> str:
    lines = []
    pg = f"http://{settings.playground_host}:{settings.playground_port}"
    lines.append(
        f"playground: {'on at ' + pg if settings.playground_enabled else 'off (PLAYGROUND_ENABLED=false)'}"
    )
    from bot.adapters.supervisor import read_status

    live = {s.name: s for s in read_status(Path(settings.avatar_data_dir)) or ()}
    for name, token in (("discord", settings.discord_token), ("telegram", settings.telegram_token)):
        if token is None:
            key = f"{name.upper()}_TOKEN"
            lines.append(f"{name}: off ({key} is not set or empty)")
            continue
        try:
            __import__(f"bot.adapters.{name}_bot")
        except ImportError as exc:
            lines.append(f"{name}: token set, but the adapter cannot start ({exc})")
            continue
        status = live.get(name)
        if status is None:
            lines.append(f"{name}: on (token set; no running bot reports it)")
        else:
            detail = f": {status.detail}" if status.detail else ""
            lines.append(
                f"{name}: on (running bot reports {status.state.value}{detail}; start attempts {status.attempts})"
            )
    lines.append("terminal: avatar-bot chat --user NAME")
    return "\n  ".join(lines)


def report(settings: Settings) -> str:
    """A human-readable status report; loads no weights."""
    data = Path(settings.avatar_data_dir).resolve()
    rows = [
        ("data dir", str(data)),
        ("store", _safe(lambda: _store(settings))),
        ("image queue", _safe(lambda: _queue(settings))),
        ("discord shards", _safe(lambda: _shards(settings))),
        ("chat model", _safe(lambda: _chat(settings))),
        ("images", _safe(lambda: _images(settings))),
        ("motion loops", _safe(lambda: _motion(settings))),
        ("avatar cut-out", _safe(lambda: _cutout(settings))),
        ("fonts", _safe(lambda: _fonts(settings))),
        ("voice", _safe(lambda: _voice(settings))),
        ("adapters", _safe(lambda: _adapters(settings))),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}} : " + v.replace("\n", "\n" + " " * (width + 3)) for k, v in rows)
