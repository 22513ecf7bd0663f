"""The postcard-queue port contract, on both implementations: in-process and arq on a real redis-server."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.core.clock import SystemClock
from bot.core.errors import UserFacingError
from bot.core.jobs import JobQueue
from bot.queue.port import PostcardQueue, PostcardRequest
from bot.queue.render import stub_renderer
from bot.settings import Settings
from tests.servers import RedisServer, until

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def request(user: str, seed: int = 1) -> PostcardRequest:
    return PostcardRequest(f"job-{user}-{seed}", user, "eiffel_tower", (b"png",), NOW, seed, "1:1", "en")


@pytest.fixture(params=["local", "arq"])
async def postcards(request: pytest.FixtureRequest) -> AsyncIterator[PostcardQueue]:
    """One worker slot rendering with a 0.3 s stub, on each implementation."""
    renderer = stub_renderer(0.3)
    if request.param == "local":
        from bot.queue.local import LocalPostcardQueue

        queue = LocalPostcardQueue(JobQueue(SystemClock(), workers=1, max_size=3), renderer)
        yield queue
        await queue.aclose()
        return
    from bot.queue.arq_queue import ArqPostcardQueue, live_workers
    from bot.queue.worker import build_worker

    server: RedisServer = request.getfixturevalue("redis_server")
    client = Redis.from_url(server.url)
    await client.flushdb()
    settings = Settings(_env_file=None, queue_url=server.url, image_timeout_s=5)
    worker = build_worker(settings, renderer=renderer, concurrency=1, handle_signals=False)
    running = asyncio.create_task(worker.async_run())

    async def ready() -> bool:
        return bool(await live_workers(client))

    await until(ready, "the worker's heartbeat")
    queue = ArqPostcardQueue(server.url, queue_name=settings.queue_name, max_size=3, timeout_s=5, max_tries=2)
    yield queue
    await queue.aclose()
    await worker.close()
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    await client.aclose()


async def test_results_come_back_as_bytes_and_positions_count_up(postcards: PostcardQueue) -> None:
    submitted = [await postcards.submit(request(user)) for user in ("a", "b", "c")]
    assert [ahead for _, ahead in submitted] == [0, 1, 2]
    results = await asyncio.gather(*(future for future, _ in submitted))
    assert [r.job_id for r in results] == ["job-a-1", "job-b-1", "job-c-1"]
    assert all(
        r.image[:2] == b"\xff\xd8" and hashlib.sha256(r.image).hexdigest() == r.sha256 for r in results
    )


async def test_one_job_per_user_and_failures_reach_the_caller(postcards: PostcardQueue) -> None:
    future, _ = await postcards.submit(request("a", seed=13))
    assert await postcards.busy("a")
    with pytest.raises(UserFacingError, match="job_busy"):
        await postcards.submit(request("a", seed=2))
    with pytest.raises(RuntimeError, match="seed 13"):
        await future
    await asyncio.sleep(0.05)
    assert not await postcards.busy("a")
    again, _ = await postcards.submit(request("a", seed=2))
    assert (await again).job_id == "job-a-2"


async def test_a_full_queue_says_so(postcards: PostcardQueue) -> None:
    futures = [(await postcards.submit(request(user)))[0] for user in ("a", "b", "c")]
    await asyncio.sleep(0.1)  # the first has started; two wait
    futures.append((await postcards.submit(request("d")))[0])
    with pytest.raises(UserFacingError, match="queue_full"):
        await postcards.submit(request("e"))
    await asyncio.gather(*futures)
