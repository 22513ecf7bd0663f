"""The distributed postcard queue end to end: real redis-server, real `avatar-bot worker` processes,
two bot cores sharing Postgres; no shared files between bot and workers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.memory.postgres.schema import SCHEMA_VERSION
from bot.queue.arq_queue import live_workers
from tests.outputs import RecordingOutput
from tests.servers import RedisServer, until

ROOT = Path(__file__).resolve().parents[1]
ANA = User("web", "ana", "Ana")
BEN = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP)
JOB_TIMEOUT_S = 4  # arq hands a dead worker's job to another worker after this + 10 s


async def say(core, user: User, text: str) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, ROOM, text, mentions_bot=True), out)
    return out


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A client of the test server, emptied before each test."""
    client = Redis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


StartWorker = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start_worker(redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[StartWorker]:
    """Starts `avatar-bot worker` processes (own data dirs); all are stopped at the end."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(renderer: str = "stub:0.2", name: str = "w") -> subprocess.Popen[bytes]:
        env = dict(
            os.environ,
            QUEUE_URL=redis_server.url,
            IMAGE_TIMEOUT_S=str(JOB_TIMEOUT_S),
            AVATAR_DATA_DIR=str(tmp_path / f"worker-{name}"),
            LOG_LEVEL="WARNING",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--renderer", renderer], cwd=ROOT, env=env
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def workers_up(redis: Redis, n: int) -> None:
    async def check() -> bool:
        return len(await live_workers(redis)) >= n

    await until(check, f"{n} worker heartbeat(s)")


async def test_two_bot_processes_share_workers_limits_and_the_journal(
    make_app,
    make_core,
    postgres_database: str,
    redis: Redis,
    redis_server: RedisServer,
    start_worker,
    tmp_path: Path,
) -> None:
    start_worker("stub:1")
    shared = dict(database_url=postgres_database, queue_url=redis_server.url, image_size=256)
    one_app = await make_app(image_cooldown_s=0, data_dir=tmp_path / "bot1", **shared)
    one = one_app.core
    two = await make_core(image_cooldown_s=0, data_dir=tmp_path / "bot2", **shared)
    await workers_up(redis, 1)

    out = await say(one, ANA, "/adventure rio seed:5")
    assert len(out.images) == 1, out.text
    postcard = Path(out.images[0][0])
    assert postcard.is_relative_to(tmp_path / "bot1") and postcard.stat().st_size > 0, "bytes came back"
    journal = await two.memory.adventures.list(ANA.key)
    assert [a.landmark_id for a in journal] and journal[0].image_path == str(postcard)

    first, second = await asyncio.gather(say(one, BEN, "/adventure paris"), say(two, BEN, "/adventure rome"))
    assert sorted(len(o.images) for o in (first, second)) == [0, 1], "one job per user across processes"
    assert "still on its way" in (first.text + second.text)
    assert not await one_app.adventures.remote.busy(BEN.key), "the mark is released with the result"

    from bot.doctor import report

    status = await asyncio.to_thread(
        report, one.settings.model_copy(update={"discord_shard_ids": "2-3", "discord_shard_count": 4})
    )
    assert "0 waiting, 1 live worker(s)" in status and ": 1 slot(s), 2 done" in status
    assert f"schema v{SCHEMA_VERSION}, current" in status and "shards 2, 3 of 4 in this process" in status


async def test_a_killed_worker_s_job_runs_again_elsewhere_and_arrives_once(
    make_core, redis: Redis, redis_server: RedisServer, start_worker
) -> None:
    doomed = start_worker("stub:3", name="doomed")
    core = await make_core(image_cooldown_s=0, image_size=256, queue_url=redis_server.url)
    await workers_up(redis, 1)
    trip = asyncio.create_task(say(core, ANA, "/adventure tokyo seed:7"))

    async def running() -> bool:
        return bool([k async for k in redis.scan_iter(match="arq:in-progress:*")])

    await until(running, "the job to start")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    start_worker("stub:0.2", name="rescuer")
    out = await asyncio.wait_for(trip, timeout=60)
    assert len(out.images) == 1 and out.images[0][1], out.text
    assert len(await core.memory.adventures.list(ANA.key)) == 1, "exactly one postcard"
    beats = await live_workers(redis)
    assert [b["done"] for b in beats if b["done"]] == [1], "the rescuer ran it"


async def test_a_job_that_fails_for_good_gets_the_apology(
    make_core, redis: Redis, redis_server: RedisServer, start_worker
) -> None:
    start_worker("stub:0.1")
    core = await make_core(image_cooldown_s=0, image_size=256, queue_url=redis_server.url)
    await workers_up(redis, 1)
    out = await say(core, ANA, "/adventure rio seed:13")  # the stub renderer fails seed 13 every time
    assert out.images == [] and "couldn't make that postcard" in out.text
    assert await core.memory.adventures.list(ANA.key) == []
    assert len((await say(core, ANA, "/adventure rio seed:14")).images) == 1, "the next one works"
