"""`ArqPostcardQueue`: postcard jobs through arq on Redis, rendered by `avatar-bot worker` processes.

One job per user across every bot process is a Redis key set with NX (held until the result is
in); the job id is the idempotency key (arq enqueues an id once; a job whose worker died is picked
up again by another worker once its in-progress mark expires, and its one result is delivered once).
"""

from __future__ import annotations

import asyncio
import json
import logging

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix
from arq.jobs import Job

from bot.core.errors import UserFacingError
from bot.queue.keys import JOB_FUNCTION, WORKERS_PATTERN, busy_key
from bot.queue.port import PostcardRequest, PostcardResult

log = logging.getLogger(__name__)

# Delete the busy key only if it still names this job (a later job of the user may hold it).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class ArqPostcardQueue:
    """The `PostcardQueue` port on arq/Redis."""

    def __init__(self, url: str, *, queue_name: str, max_size: int, timeout_s: float, max_tries: int) -> None:
        self.url = url
        self.queue_name = queue_name
        self.max_size = max(1, max_size)
        self.timeout_s = timeout_s
        self.max_tries = max(1, max_tries)
        self._redis: ArqRedis | None = None
        self._waiters: set[asyncio.Task[None]] = set()
        self.delivered = 0

    async def redis(self) -> ArqRedis:
        """The connection pool, opened on first use."""
        if self._redis is None:
            self._redis = await create_pool(
                RedisSettings.from_dsn(self.url), default_queue_name=self.queue_name
            )
        return self._redis

    @property
    def wait_limit_s(self) -> float:
        """How long a job may take over all its tries (arq re-runs a dead worker's job after timeout + 10 s)."""
        return (self.timeout_s + 15) * self.max_tries + 30

    async def busy(self, user_key: str) -> bool:
        """True while the user has a job queued or running in any process."""
        return bool(await (await self.redis()).exists(busy_key(user_key)))

    async def submit(self, request: PostcardRequest) -> tuple[asyncio.Future[PostcardResult], int]:
        """Queue the job; its result's future and how many jobs wait ahead. Raises job_busy / queue_full."""
        redis = await self.redis()
        lock = busy_key(request.user_key)
        if not await redis.set(lock, request.job_id, nx=True, ex=int(self.wait_limit_s) + 60):
            raise UserFacingError("job_busy")
        try:
            if await self.waiting() >= self.max_size:
                raise UserFacingError("queue_full")
            await redis.enqueue_job(
                JOB_FUNCTION, request.to_wire(), _job_id=request.job_id, _queue_name=self.queue_name
            )  # None when the id is already queued or done: the same job, followed below
            ahead = await self.ahead(request.job_id)
        except BaseException:
            await redis.eval(_RELEASE, 1, lock, request.job_id)
            raise
        future: asyncio.Future[PostcardResult] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)  # a caller that stopped waiting leaves no "never retrieved"
        task = asyncio.create_task(self._wait(request, future), name=f"postcard-{request.job_id}")
        self._waiters.add(task)
        task.add_done_callback(self._waiters.discard)
        return future, ahead

    async def waiting(self) -> int:
        """Jobs queued and not yet started (the queue also holds running ones until they finish)."""
        redis = await self.redis()
        total = await redis.zcard(self.queue_name)
        if total < self.max_size:
            return total
        return total - sum(await self._running(await redis.zrange(self.queue_name, 0, -1)))

    async def _running(self, ids: list[bytes]) -> list[bool]:
        redis = await self.redis()
        async with redis.pipeline(transaction=False) as pipe:
            for raw in ids:
                pipe.exists(in_progress_key_prefix + (raw.decode() if isinstance(raw, bytes) else raw))
            return [bool(f) for f in await pipe.execute()]

    async def ahead(self, job_id: str) -> int:
        """Jobs that will start before this one: those waiting ahead, plus running ones beyond the workers."""
        redis = await self.redis()
        rank = await redis.zrank(self.queue_name, job_id)
        if not rank:
            return 0
        ids = await redis.zrange(self.queue_name, 0, rank - 1)
        running = sum(await self._running(ids))
        capacity = sum(int(str(w.get("concurrency", 1))) for w in await live_workers(redis)) or 1
        return (len(ids) - running) + max(0, running - capacity + 1)

    async def _wait(self, request: PostcardRequest, future: asyncio.Future[PostcardResult]) -> None:
        redis = await self.redis()
        job = Job(request.job_id, redis, _queue_name=self.queue_name)
        try:
            raw = await job.result(timeout=self.wait_limit_s, poll_delay=0.1)
            result = PostcardResult(**raw)
        except asyncio.CancelledError:
            if not future.done():
                future.set_exception(UserFacingError("queue_closed"))
            raise
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            self.delivered += 1
            if not future.done():
                future.set_result(result)
        finally:
            try:
                await redis.eval(_RELEASE, 1, busy_key(request.user_key), request.job_id)
            except Exception:  # the key expires anyway
                log.warning("could not release the busy mark of %s", request.user_key, exc_info=True)

    async def aclose(self) -> None:
        """Stop waiting for results (their callers get queue_closed) and close the connection."""
        for task in list(self._waiters):
            task.cancel()
        await asyncio.gather(*self._waiters, return_exceptions=True)
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def _consume(future: asyncio.Future[PostcardResult]) -> None:
    if not future.cancelled():
        future.exception()


async def live_workers(redis: ArqRedis) -> list[dict[str, object]]:
    """The heartbeats of workers seen in the last HEARTBEAT_TTL_S seconds."""
    keys = [k async for k in redis.scan_iter(match=WORKERS_PATTERN, count=200)]
    if not keys:
        return []
    beats = await redis.mget(keys)
    return sorted((json.loads(b) for b in beats if b), key=lambda w: str(w.get("name")))
