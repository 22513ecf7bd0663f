"""`avatar-bot worker`: an arq worker process that renders postcard jobs and sends heartbeats.

It needs only QUEUE_URL and the IMAGE_* settings: no database, no shared files; avatars come in
the job and the postcard goes back as bytes in the result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from arq import Worker, func
from arq.connections import RedisSettings

from bot.queue.keys import HEARTBEAT_S, HEARTBEAT_TTL_S, JOB_FUNCTION, worker_key
from bot.queue.port import PostcardRequest, Renderer
from bot.queue.render import stub_renderer, worker_name
from bot.settings import Settings

log = logging.getLogger(__name__)
Ctx = dict[str, Any]  # arq's job context (its own untyped dict)


async def render_postcard(ctx: Ctx, wire: dict[str, object]) -> dict[str, object]:
    """The job: render one postcard in a thread; the result carries the JPEG bytes."""
    request = PostcardRequest.from_wire(wire)
    stats: WorkerStats = ctx["stats"]  # arq hands each job a copy of ctx: counters live in this object
    stats.current.add(request.job_id)
    try:
        result = await asyncio.to_thread(ctx["renderer"], request)
    finally:
        stats.current.discard(request.job_id)
    stats.done += 1
    await _beat(ctx)
    return asdict(replace(result, attempt=int(ctx.get("job_try", 1))))


def make_renderer(settings: Settings, spec: str) -> Renderer:
    """'studio' (the configured image studio) or 'stub:SECONDS' (a timed stand-in for benchmarks)."""
    if spec.startswith("stub"):
        _, _, seconds = spec.partition(":")
        return stub_renderer(float(seconds or 1.0))
    if spec != "studio":
        raise ValueError(f"unknown renderer {spec!r}; use 'studio' or 'stub:SECONDS'")
    from bot.queue.render import studio_renderer
    from generators.images.studio import ImageStudio

    return studio_renderer(ImageStudio.from_options(settings.image_options()))


@dataclass
class WorkerStats:
    """What a worker's heartbeat reports."""

    name: str
    concurrency: int
    started: float = field(default_factory=time.time)
    done: int = 0
    current: set[str] = field(default_factory=set)


async def _beat(ctx: Ctx) -> None:
    """Publish this worker's heartbeat: name, slots, jobs done, the jobs it is on."""
    stats: WorkerStats = ctx["stats"]
    beat = {
        "name": stats.name,
        "concurrency": stats.concurrency,
        "started": stats.started,
        "done": stats.done,
        "current": ", ".join(sorted(stats.current)),
        "at": time.time(),
    }
    try:
        await ctx["redis"].set(worker_key(stats.name), json.dumps(beat), ex=HEARTBEAT_TTL_S)
    except Exception:
        log.warning("heartbeat failed", exc_info=True)


async def _heartbeat(ctx: Ctx) -> None:
    while True:
        await _beat(ctx)
        await asyncio.sleep(HEARTBEAT_S)


async def _startup(ctx: Ctx) -> None:
    ctx["beat"] = asyncio.create_task(_heartbeat(ctx))
    log.info("worker %s ready (%d at a time)", ctx["stats"].name, ctx["stats"].concurrency)


async def _shutdown(ctx: Ctx) -> None:
    ctx["beat"].cancel()
    await asyncio.gather(ctx["beat"], return_exceptions=True)
    await ctx["redis"].delete(worker_key(ctx["stats"].name))


def build_worker(
    settings: Settings, *, renderer: Renderer, concurrency: int | None = None, handle_signals: bool = True
) -> Worker:
    """The arq worker for QUEUE_URL with the postcard job, heartbeats and the given renderer."""
    if settings.queue_url is None:
        raise ValueError("QUEUE_URL is not set: the worker takes jobs from a Redis queue (redis://host:6379)")
    slots = max(1, concurrency or settings.image_workers)
    ctx: Ctx = {"renderer": renderer, "stats": WorkerStats(worker_name(), slots)}
    return Worker(
        functions=[
            func(
                render_postcard,
                name=JOB_FUNCTION,
                timeout=settings.image_timeout_s,
                max_tries=settings.queue_max_tries,
            )
        ],
        redis_settings=RedisSettings.from_dsn(settings.queue_url.get_secret_value()),
        queue_name=settings.queue_name,
        max_jobs=slots,
        poll_delay=0.05,
        keep_result=3600,
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx=ctx,
        handle_signals=handle_signals,
    )


def run_worker(settings: Settings, *, renderer: str = "studio", concurrency: int | None = None) -> None:
    """Serve postcard jobs until SIGINT/SIGTERM."""
    worker = build_worker(settings, renderer=make_renderer(settings, renderer), concurrency=concurrency)
    worker.run()
