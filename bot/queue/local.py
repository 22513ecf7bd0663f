"""`LocalPostcardQueue`: the postcard-queue port on the in-process JobQueue (the embedded default)."""

from __future__ import annotations

import asyncio

from bot.core.jobs import JobQueue
from bot.queue.port import PostcardRequest, PostcardResult, Renderer


class LocalPostcardQueue:
    """The `PostcardQueue` port in one process: jobs run in this process's worker threads."""

    def __init__(self, jobs: JobQueue, renderer: Renderer) -> None:
        self.jobs = jobs
        self.renderer = renderer

    async def submit(self, request: PostcardRequest) -> tuple[asyncio.Future[PostcardResult], int]:
        """Queue the job; its result's future and how many jobs wait ahead. Raises job_busy / queue_full."""
        future, ahead = self.jobs.submit(request.user_key, lambda: self.renderer(request))
        return future, ahead

    async def busy(self, user_key: str) -> bool:
        """True while the user has a job queued or running."""
        return self.jobs.busy(user_key)

    async def aclose(self) -> None:
        """Stop the workers; waiting jobs fail with queue_closed."""
        await self.jobs.aclose()
