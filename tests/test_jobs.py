"""The image job queue: FIFO, bounded, one job per user, failures and timeouts don't stop it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import UserFacingError
from bot.core.jobs import JobQueue
from tests.settle import settle


async def test_jobs_run_off_the_loop_in_order_with_positions() -> None:
    q = JobQueue(FakeClock(), workers=1, max_size=10)
    gate = threading.Event()
    order: list[str] = []

    def work(name: str):
        def fn() -> str:
            gate.wait(5)
            order.append(name)
            return name.upper()

        return fn

    f1, ahead1 = q.submit("u1", work("a"))
    f2, ahead2 = q.submit("u2", work("b"))
    f3, ahead3 = q.submit("u3", work("c"))
    await settle(lambda: q.position("u1") == 0)  # the worker picks up u1's job; the loop stays free meanwhile
    assert (ahead1, ahead2, ahead3) == (0, 1, 2)
    assert q.position("u1") == 0
    assert q.position("u2") == 1
    assert q.position("u3") == 2
    assert q.position("nobody") is None
    gate.set()
    assert await asyncio.gather(f1, f2, f3) == ["A", "B", "C"]
    assert order == ["a", "b", "c"]
    assert q.stats.completed == 3 and q.stats.max_depth >= 2
    await q.aclose()


async def test_one_job_per_user_and_bounded_backlog() -> None:
    q = JobQueue(FakeClock(), workers=1, max_size=2)
    gate = threading.Event()
    q.submit("u1", lambda: gate.wait(5))
    await settle(lambda: q.position("u1") == 0)
    with pytest.raises(UserFacingError) as busy:
        q.submit("u1", lambda: 1)
    assert busy.value.key == "job_busy"
    q.submit("u2", lambda: 2)
    q.submit("u3", lambda: 3)
    with pytest.raises(UserFacingError) as full:
        q.submit("u4", lambda: 4)
    assert full.value.key == "queue_full"
    gate.set()
    await q.aclose()


async def test_a_failure_or_timeout_reports_and_the_queue_keeps_going() -> None:
    clock = FakeClock()
    q = JobQueue(clock, workers=1, max_size=5, timeout_s=600.0)
    stuck = threading.Event()

    def boom() -> None:
        raise MemoryError("simulated out of memory")

    f_fail, _ = q.submit("u1", boom)
    f_hang, _ = q.submit("u2", lambda: stuck.wait(30))
    f_ok, _ = q.submit("u3", lambda: "fine")
    with pytest.raises(MemoryError):
        await f_fail
    await settle(lambda: q.position("u2") == 0)
    clock.advance(599.0)
    for _ in range(10):
        await asyncio.sleep(0)  # room for a deadline that fired too early to show
    assert not f_hang.done(), "the job still has a second left on the queue's clock"
    clock.advance(1.0)  # no real time passes: the timeout follows the injected clock
    with pytest.raises(UserFacingError) as timed_out:
        await f_hang
    assert timed_out.value.key == "job_timeout"
    assert await f_ok == "fine"
    assert (q.stats.failed, q.stats.timed_out, q.stats.completed) == (1, 1, 1)
    stuck.set()
    await q.aclose()
