"""Injected clocks, so tests control time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """A source of time: monotonic seconds, wall-clock now, and sleep."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


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


class FakeClock:
    """A manual clock for tests: sleeping advances time instantly."""

    def __init__(self, start: float = 1000.0, wall: datetime | None = None) -> None:
        self.t = start
        self.wall = wall or datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        self._start = start

    def monotonic(self) -> float:
        """Fake monotonic seconds."""
        return self.t

    def now(self) -> datetime:
        """Fake wall time, advancing with monotonic time."""
        from datetime import timedelta

        return self.wall + timedelta(seconds=self.t - self._start)

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.t += seconds

    async def sleep(self, seconds: float) -> None:
        """Advance time and yield to the loop."""
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)
