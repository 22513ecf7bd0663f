"""Injected clocks, so tests control time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of time: monotonic seconds, wall-clock now, sleep, and deadlines."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[None]: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def now(self) -> datetime:
        """Aware UTC now."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await asyncio.sleep(seconds)

    @asynccontextmanager
    async def timeout(self, seconds: float) -> AsyncIterator[None]:
        """Raise TimeoutError in the block once `seconds` have passed."""
        async with asyncio.timeout(seconds):
            yield


class FakeClock:
    """A manual clock for tests: time moves only by advance() or sleep(), and sleeping advances it instantly.

    Deadlines from timeout() follow this time: one fires when advance() or sleep() moves past it.
    """

    def __init__(self, start: float = 1000.0, wall: datetime | None = None) -> None:
        self.t = start
        self.wall = wall or datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        self._start = start
        self._deadlines: list[tuple[float, asyncio.Timeout]] = []

    def monotonic(self) -> float:
        """Fake monotonic seconds."""
        return self.t

    def now(self) -> datetime:
        """Fake wall time, advancing with monotonic time."""
        return self.wall + timedelta(seconds=self.t - self._start)

    def advance(self, seconds: float) -> None:
        """Move time forward; deadlines it passes fire."""
        self.t += seconds
        self._expire()

    async def sleep(self, seconds: float) -> None:
        """Advance time and yield to the loop."""
        self.t += max(0.0, seconds)
        self._expire()
        await asyncio.sleep(0)

    @asynccontextmanager
    async def timeout(self, seconds: float) -> AsyncIterator[None]:
        """Raise TimeoutError in the block once this clock's time has moved `seconds` on."""
        async with asyncio.timeout(None) as deadline:
            entry = (self.t + seconds, deadline)
            self._deadlines.append(entry)
            try:
                self._expire()
                yield
            finally:
                self._deadlines.remove(entry)

    def _expire(self) -> None:
        for at, deadline in self._deadlines:
            if at <= self.t and deadline.when() is None:
                deadline.reschedule(asyncio.get_running_loop().time())  # fires on the loop's next turn
