"""Which postcard queue the settings select."""

from __future__ import annotations

from bot.queue.port import PostcardQueue
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
