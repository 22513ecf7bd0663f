"""Community scale: postcard throughput over 1, 2 and 4 worker processes; kill -9 recovery; Postgres vs SQLite.

Starts its own redis-server and PostgreSQL (temporary dirs, free ports, stopped at the end). Two
bot processes submit postcard jobs through the bot's queue port (`ArqPostcardQueue`, the code
`/adventure` uses when QUEUE_URL is set); `avatar-bot worker` processes render them with a stub
"GPU" that takes 1 s per postcard. Then 1,000 simulated users while a worker is killed with
kill -9 every 10 s (a fresh one replaces it): every job must arrive exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from common import ROOT, Row, emit

from tests.servers import PostgresServer, RedisServer

STUB_S = 1.0


# ---------------------------------------------------------------- a bot process (subprocess mode)
async def bot_process(url: str, queue: str, users: list[str], timeout_s: float, max_tries: int) -> dict:
    """Submit one job per user through the queue port, wait for every result; what arrived, as JSON."""
    from bot.core.errors import UserFacingError
    from bot.queue.arq_queue import ArqPostcardQueue
    from bot.queue.port import PostcardRequest

    postcards = ArqPostcardQueue(
        url, queue_name=queue, max_size=100_000, timeout_s=timeout_s, max_tries=max_tries
    )
    now = datetime.now(UTC)
    start = time.time()
    futures = []
    refused = 0
    for n, user in enumerate(users):
        request = PostcardRequest(
            uuid.uuid4().hex, user, "eiffel_tower", (b"png",), now, n + 100, "1:1", "en"
        )
        try:
            future, _ahead = await postcards.submit(request)
        except UserFacingError:
            refused += 1
            continue
        futures.append((request.job_id, future))
    delivered, failed, reruns = [], 0, 0
    errors: list[str] = []
    last = start
    for job_id, future in futures:
        try:
            result = await future
        except Exception as exc:
            failed += 1
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        assert result.job_id == job_id
        delivered.append(job_id)
        reruns += result.attempt > 1
        last = max(last, time.time())
    await postcards.aclose()
    submitted = [job_id for job_id, _ in futures]
    return {"start": start, "last": last, "submitted": submitted, "delivered": delivered,
            "failed": failed, "refused": refused, "reruns": reruns, "errors": errors[:5]}  # fmt: skip


# ---------------------------------------------------------------- the orchestrator
class Cluster:
    """redis-server plus worker processes started and killed on demand."""

    def __init__(self, redis: RedisServer, tmp: Path) -> None:
        self.redis = redis
        self.tmp = tmp
        self.workers: list[subprocess.Popen[bytes]] = []

    def env(self, queue: str, timeout_s: float, max_tries: int) -> dict[str, str]:
        return dict(os.environ, QUEUE_URL=self.redis.url, QUEUE_NAME=queue, IMAGE_TIMEOUT_S=str(timeout_s),
                    QUEUE_MAX_TRIES=str(max_tries), LOG_LEVEL="ERROR", AVATAR_DATA_DIR=str(self.tmp / "w"))  # fmt: skip

    def start_worker(self, env: dict[str, str], slots: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--renderer", f"stub:{STUB_S}", "--concurrency", str(slots)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.workers.append(proc)
        return proc

    async def wait_workers(self, n: int) -> None:
        from redis.asyncio import Redis

        from bot.queue.arq_queue import live_workers

        client = Redis.from_url(self.redis.url)
        try:
            deadline = time.monotonic() + 60
            while len(await live_workers(client)) < n:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{n} workers did not start")
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()

    async def flush(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(self.redis.url)
        await client.flushdb()
        await client.aclose()

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.workers.clear()


def bots(
    cluster: Cluster, queue: str, users: list[str], timeout_s: float, max_tries: int
) -> list[subprocess.Popen[str]]:
    """Two bot processes, each with half the users."""
    procs = []
    for half in (users[0::2], users[1::2]):
        spec = json.dumps({"url": cluster.redis.url, "queue": queue, "users": half, "timeout_s": timeout_s,
                           "max_tries": max_tries})  # fmt: skip
        cmd = [sys.executable, __file__, "--bot-process", spec]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT))
    return procs


async def collect(procs: list[subprocess.Popen[str]]) -> list[dict]:
    outs = []
    for proc in procs:
        out, _ = await asyncio.to_thread(proc.communicate)
        if proc.returncode != 0:
            raise RuntimeError(f"a bot process failed (exit {proc.returncode})")
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


async def throughput(cluster: Cluster, workers: int, jobs_per_worker: int) -> float:
    """Postcards per second with `workers` single-slot worker processes and two bot processes."""
    await cluster.flush()
    queue = f"bench:{workers}"
    env = cluster.env(queue, 30, 3)
    for _ in range(workers):
        cluster.start_worker(env, 1)
    await cluster.wait_workers(workers)
    users = [f"bench:t{workers}-{n}" for n in range(workers * jobs_per_worker)]
    outs = await collect(bots(cluster, queue, users, 30, 3))
    cluster.stop_workers()
    delivered = sum(len(o["delivered"]) for o in outs)
    took = max(o["last"] for o in outs) - min(o["start"] for o in outs)
    if delivered != len(users):
        why = [e for o in outs for e in o["errors"]] + [f"refused {o['refused']}" for o in outs]
        raise RuntimeError(f"{len(users) - delivered} postcards missing in the throughput run: {why}")
    return delivered / took


async def kill_run(
    cluster: Cluster,
    users: int,
    workers: int,
    slots: int,
    every_s: float,
    timeout_s: float = 5.0,
    max_kills: int = 10**6,
) -> list[Row]:
    """`users` jobs while one worker is killed with SIGKILL every `every_s` seconds (and replaced)."""
    await cluster.flush()
    queue, tries = "bench:kill", 10
    env = cluster.env(queue, timeout_s, tries)
    for _ in range(workers):
        cluster.start_worker(env, slots)
    await cluster.wait_workers(workers)
    procs = bots(cluster, queue, [f"bench:k{n}" for n in range(users)], timeout_s, tries)
    kills, rng = 0, random.Random(3)
    t0 = time.perf_counter()
    while any(p.poll() is None for p in procs):
        await asyncio.sleep(0.2)
        if kills < max_kills and time.perf_counter() - t0 >= every_s * (kills + 1):
            alive = [w for w in cluster.workers if w.poll() is None]
            if alive:
                victim = rng.choice(alive)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                kills += 1
                cluster.start_worker(env, slots)
    outs = await collect(procs)
    took = time.perf_counter() - t0
    cluster.stop_workers()
    submitted = [j for o in outs for j in o["submitted"]]
    delivered = [j for o in outs for j in o["delivered"]]
    apologised = sum(o["failed"] for o in outs)
    lost = len(set(submitted) - set(delivered)) - apologised  # neither a postcard nor an apology
    duplicates = len(delivered) - len(set(delivered))
    return [
        Row(
            "kill -9 run: simulated users",
            users,
            "users",
            f"{workers} workers x {slots} slots, 2 bot processes",
        ),
        Row(
            "kill -9 run: workers killed",
            kills,
            "kills",
            f"one every {every_s:.0f} s while jobs remain, each replaced",
        ),
        Row("kill -9 run: lost jobs", lost, "jobs", "must be 0 (no postcard and no apology)"),
        Row("kill -9 run: duplicate postcards", duplicates, "postcards", "must be 0"),
        Row(
            "kill -9 run: apologies",
            sum(o["failed"] for o in outs),
            "jobs",
            f"failed for good after {tries} tries",
        ),
        Row(
            "kill -9 run: jobs re-run", sum(o["reruns"] for o in outs), "jobs", "picked up again after a kill"
        ),
        Row(
            "kill -9 run: wall time",
            took,
            "s",
            f"ideal {users * STUB_S / (workers * slots):.0f} s without kills",
        ),
    ]


async def core_throughput(database_url: str | None, messages: int, tmp: Path) -> float:
    """Messages/s through the core with the instant stub model, on Postgres or SQLite."""
    from core import InstantDialogue, NullOutput

    from bot.app import build_core
    from bot.core.models import Channel, ChannelKind, IncomingMessage, User
    from bot.settings import Settings

    settings = Settings(_env_file=None, avatar_data_dir=tmp, database_url=database_url)
    runtime = await build_core(settings, dialogue=InstantDialogue())
    rng = random.Random(7)
    people = [User("bench", str(i), f"user{i}") for i in range(200)]
    rooms = [Channel("bench", str(i), ChannelKind.GROUP) for i in range(20)]
    todo = [IncomingMessage(rng.choice(people), rng.choice(rooms), f"Luna, message {n}", mentions_bot=True)
            for n in range(messages)]  # fmt: skip
    out = NullOutput()

    async def worker() -> None:
        while todo:
            await runtime.core.handle(todo.pop(), out)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(50)))
    took = time.perf_counter() - t0
    await runtime.aclose()
    return messages / took


async def run(
    jobs_per_worker: int, users: int, kill_workers: int, slots: int, every_s: float, messages: int
) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        redis = RedisServer.start()
        postgres = PostgresServer.start(durable=True)
        cluster = Cluster(redis, Path(tmp))
        try:
            rates = {}
            for n in (1, 2, 4):
                rates[n] = await throughput(cluster, n, jobs_per_worker)
                rows.append(
                    Row(
                        f"postcards/s with {n} worker(s)",
                        rates[n],
                        "/s",
                        f"stub {STUB_S:.0f} s each; ideal {n / STUB_S:.0f}/s",
                    )
                )
            rows.append(Row("throughput 4 vs 1 workers", rates[4] / rates[1], "x", "goal >= 3.5"))
            small = users < 100  # the smoke size: a shorter job timeout, two kills
            rows += await kill_run(
                cluster, users, kill_workers, slots, every_s, 3.0 if small else 5.0, 2 if small else 10**6
            )
            sqlite = await core_throughput(None, messages, Path(tmp) / "sqlite")
            pg = await core_throughput(postgres.dsn, messages, Path(tmp) / "pg")
            rows.append(
                Row("core msg/s on SQLite", sqlite, "msg/s", f"{messages} msgs, stub model, 50 concurrent")
            )
            rows.append(Row("core msg/s on Postgres", pg, "msg/s", f"same run; {pg / sqlite:.2f}x SQLite"))
        finally:
            cluster.stop_workers()
            postgres.stop()
            redis.stop()
    return rows


def main() -> None:
    """Parse arguments and print the table (or serve as one bot process with --bot-process)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bot-process", metavar="JSON", help=argparse.SUPPRESS)
    ap.add_argument("--jobs-per-worker", type=int, default=15)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--kill-workers", type=int, default=4)
    ap.add_argument("--slots", type=int, default=4, help="jobs at a time per worker in the kill run")
    ap.add_argument("--kill-every", type=float, default=10.0)
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI (under a minute)")
    a = ap.parse_args()
    if a.bot_process:
        spec = json.loads(a.bot_process)
        print(json.dumps(asyncio.run(bot_process(**spec))))
        return
    if a.smoke:
        a.jobs_per_worker, a.users, a.kill_workers, a.slots, a.kill_every, a.messages = 3, 20, 2, 2, 4.0, 150
    emit(
        "scale.py",
        asyncio.run(run(a.jobs_per_worker, a.users, a.kill_workers, a.slots, a.kill_every, a.messages)),
    )


if __name__ == "__main__":
    main()
