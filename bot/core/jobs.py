"""A bounded queue for slow image work, run off the event loop, one job in flight per user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.core.clock import Clock
from bot.core.errors import UserFacingError

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Job(Generic[T]):
    """One queued unit of work and the future its result goes to."""

    user_key: str
    fn: Callable[[], T]
    enqueued_at: float
    future: asyncio.Future[T] = field(repr=False)
    started_at: float | None = None


@dataclass
class QueueStats:
    """Counters for benchmarks and doctor."""

    submitted: int = 0
    completed: int = 0
    failed: int = 0
    timed_out: int = 0
    max_depth: int = 0
    waits: list[float] = field(default_factory=list)


class JobQueue:
    """Runs sync callables in worker threads, in FIFO order, with a bounded backlog."""

    def __init__(
        self, clock: Clock, *, workers: int = 1, max_size: int = 32, timeout_s: float = 600.0
    ) -> None:
        self.clock = clock
        self.workers = max(1, workers)
        self.max_size = max(1, max_size)
        self.timeout_s = timeout_s
        self._pending: list[Job[object]] = []
        self._in_flight: dict[str, Job[object]] = {}
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.stats = QueueStats()

    @property
    def depth(self) -> int:
        """Jobs waiting (not yet started)."""
        return len(self._pending)

    def position(self, user_key: str) -> int | None:
        """1-based place of the user's waiting job, 0 if it is running, None if they have none."""
        for i, job in enumerate(self._pending):
            if job.user_key == user_key:
                return i + 1
        return 0 if user_key in self._in_flight else None

    def busy(self, user_key: str) -> bool:
        """True if the user already has a job queued or running."""
        return self.position(user_key) is not None

    def submit(self, user_key: str, fn: Callable[[], T]) -> tuple[asyncio.Future[T], int]:
        """Queue `fn`; returns its future and how many jobs run or wait ahead of it."""
        if self.busy(user_key):
            raise UserFacingError("job_busy")
        if len(self._pending) >= self.max_size:
            raise UserFacingError("queue_full")
        self._ensure_workers()
        job = Job(user_key, fn, self.clock.monotonic(), asyncio.get_running_loop().create_future())
        ahead = len(self._pending) + max(0, len(self._in_flight) - self.workers + 1)
        self._pending.append(job)
        self.stats.submitted += 1
        self.stats.max_depth = max(self.stats.max_depth, len(self._pending))
        self._wakeup.set()
        return job.future, ahead

    def start(self) -> None:
        """Start the workers now (needs a running loop) rather than inside the first request."""
        self._ensure_workers()

    def _ensure_workers(self) -> None:
        self._tasks = [t for t in self._tasks if not t.done()]
        while len(self._tasks) < self.workers:
            self._tasks.append(asyncio.create_task(self._worker(), name="image-worker"))

    async def _worker(self) -> None:
        while True:
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            job = self._pending.pop(0)
            self._in_flight[job.user_key] = job
            job.started_at = self.clock.monotonic()
            self.stats.waits.append(job.started_at - job.enqueued_at)
            if len(self.stats.waits) > 10_000:
                del self.stats.waits[:5_000]
            try:
                async with self.clock.timeout(self.timeout_s):
                    result = await asyncio.to_thread(job.fn)
            except TimeoutError:
                self.stats.timed_out += 1
                log.warning("image job for %s timed out after %.0fs", job.user_key, self.timeout_s)
                if not job.future.done():
                    job.future.set_exception(UserFacingError("job_timeout"))
            except Exception as exc:
                self.stats.failed += 1
                if not job.future.done():
                    job.future.set_exception(exc)
            else:
                self.stats.completed += 1
                if not job.future.done():
                    job.future.set_result(result)
            finally:
                self._in_flight.pop(job.user_key, None)

    async def aclose(self) -> None:
        """Stop the workers; waiting jobs fail with a clear error."""
        for job in self._pending:
            if not job.future.done():
                job.future.set_exception(UserFacingError("queue_closed"))
        self._pending.clear()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
