"""Which postcard queue the settings select, and saving a remote postcard's bytes on the bot's side."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.queue.port import PostcardQueue, PostcardRequest
from bot.settings import Settings


def postcard_queue(settings: Settings) -> PostcardQueue | None:
    """The distributed queue when QUEUE_URL is set; None means the in-process queue (bot/core/jobs.py)."""
    url = settings.queue_url.get_secret_value().strip() if settings.queue_url else ""
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"QUEUE_URL must start with redis:// (got {url.split(':', 1)[0]}://…)")
    from bot.queue.arq_queue import ArqPostcardQueue

    return ArqPostcardQueue(
        url,
        queue_name=settings.queue_name,
        max_size=settings.image_queue_size,
        timeout_s=settings.image_timeout_s,
        max_tries=settings.queue_max_tries,
    )


@dataclass(frozen=True)
class SavedPostcard:
    """A postcard rendered elsewhere, now written to this bot's data dir."""

    path: Path
    sha256: str
    path_used: str


async def submit_to_file(
    queue: PostcardQueue, request: PostcardRequest, out_path: Path
) -> tuple[asyncio.Task[SavedPostcard], int]:
    """Queue the job; a task that writes its postcard to `out_path` when it is done, and the jobs ahead."""
    future, ahead = await queue.submit(request)

    async def save() -> SavedPostcard:
        result = await future
        out_path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(out_path.write_bytes, result.image)
        return SavedPostcard(out_path, result.sha256, result.path_used)

    return asyncio.create_task(save()), ahead
