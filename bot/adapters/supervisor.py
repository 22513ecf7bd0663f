"""Adapter start-up that survives outages: retry with backoff until connected or the token is rejected."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from bot.core.clock import Clock

log = logging.getLogger(__name__)

STATUS_FILE = "adapters.json"  # in the data folder: what `doctor` shows of a running bot


class AdapterState(StrEnum):
    """Where an adapter is in its life."""

    STARTING = "starting"
    RETRYING = "retrying"
    CONNECTED = "connected"
    REJECTED = "rejected"  # the platform refused the token; retrying can't help
    UNAVAILABLE = "unavailable"  # its library is not installed
    STOPPED = "stopped"


class TokenRejected(RuntimeError):
    """The platform refused the token (HTTP 401/404, LoginFailure): stop retrying."""


class Platform(Protocol):
    """What the supervisor needs of an adapter."""

    async def start(self) -> None:
        """Connect (raise on failure, leaving nothing half-open)."""
        ...

    async def stop(self) -> None:
        """Disconnect; safe after a failed or partial start."""
        ...

    def connected(self) -> bool:
        """True while it is connected to its platform."""
        ...


@dataclass(frozen=True)
class Backoff:
    """Exponential delays between start attempts, capped."""

    first_s: float = 1.0
    factor: float = 2.0
    max_s: float = 60.0

    def delays(self) -> Iterator[float]:
        """1, 2, 4, ... up to `max_s`, forever."""
        delay = self.first_s
        while True:
            yield delay
            delay = min(self.max_s, delay * self.factor)


@dataclass
class AdapterStatus:
    """One adapter's state, for doctor, /healthz and /metrics."""

    name: str
    state: AdapterState = AdapterState.STARTING
    detail: str = ""
    attempts: int = 0


@dataclass
class Supervisor:
    """Starts one platform adapter in the background and keeps retrying until it connects."""

    name: str
    make: Callable[[], Platform]
    clock: Clock
    backoff: Backoff = field(default_factory=Backoff)
    on_change: Callable[[AdapterStatus], None] = lambda _status: None
    status: AdapterStatus = field(init=False)
    adapter: Platform | None = field(init=False, default=None)
    _task: asyncio.Task | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.status = AdapterStatus(self.name)

    def connected(self) -> bool:
        """True while the adapter is up and connected."""
        return (
            self.status.state is AdapterState.CONNECTED
            and self.adapter is not None
            and self.adapter.connected()
        )

    def start(self) -> asyncio.Task:
        """Begin starting in the background; the other adapters don't wait for this one."""
        self._task = asyncio.create_task(self.run(), name=f"start-{self.name}")
        return self._task

    def _set(self, state: AdapterState, detail: str = "") -> None:
        self.status.state, self.status.detail = state, detail
        self.on_change(self.status)

    async def run(self) -> AdapterState:
        """Try to start until connected, rejected or unavailable; returns the final state."""
        delays = self.backoff.delays()
        while True:
            self.status.attempts += 1
            try:
                self.adapter = self.adapter or self.make()
                await self.adapter.start()
            except ImportError as exc:
                log.error("%s adapter unavailable: %s (install the [%s] extra)", self.name, exc, self.name)
                self._set(AdapterState.UNAVAILABLE, str(exc))
                return self.status.state
            except TokenRejected as exc:
                log.error("%s adapter stopped: %s", self.name, exc)
                await self._stop_quietly()
                self._set(AdapterState.REJECTED, str(exc))
                return self.status.state
            except asyncio.CancelledError:
                await self._stop_quietly()
                raise
            except Exception as exc:
                await self._stop_quietly()
                delay = next(delays)
                reason = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "%s adapter did not start (attempt %d): %s; retrying in %.0fs",
                    self.name,
                    self.status.attempts,
                    reason,
                    delay,
                )
                self._set(AdapterState.RETRYING, reason)
                await self.clock.sleep(delay)
                continue
            log.info("%s adapter started", self.name)
            self._set(AdapterState.CONNECTED)
            return self.status.state

    async def _stop_quietly(self) -> None:
        if self.adapter is None:
            return
        try:
            await self.adapter.stop()
        except Exception:
            log.debug("%s adapter did not stop cleanly after a failed start", self.name, exc_info=True)

    async def stop(self) -> None:
        """Stop retrying and disconnect."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.adapter is not None and self.status.state is AdapterState.CONNECTED:
            await self.adapter.stop()
        self._set(AdapterState.STOPPED)


async def best_effort(
    what: str, call: Callable[[], Awaitable[None]], clock: Clock, backoff: Backoff | None = None
) -> None:
    """Run a non-essential call (publishing commands, descriptions) until it succeeds, logging failures;
    meant to run as a background task so the adapter is up meanwhile."""
    delays = (backoff or Backoff(first_s=5.0, max_s=600.0)).delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            await call()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = next(delays)
            log.warning("%s failed (attempt %d): %s; retrying in %.0fs", what, attempt, exc, delay)
            await clock.sleep(delay)
            continue
        if attempt > 1:
            log.info("%s succeeded on attempt %d", what, attempt)
        return


def write_status(data_dir: Path, statuses: list[AdapterStatus]) -> None:
    """Record the adapters' states for `doctor` (atomically; a failure is only logged)."""
    payload = {"pid": os.getpid(), "adapters": [{**asdict(s), "state": s.state.value} for s in statuses]}
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=data_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, data_dir / STATUS_FILE)
    except OSError as exc:
        log.debug("could not record adapter states: %s", exc)


def read_status(data_dir: Path) -> list[AdapterStatus] | None:
    """The adapter states a running bot recorded, or None when no bot runs on this data folder."""
    try:
        payload = json.loads((data_dir / STATUS_FILE).read_text(encoding="utf-8"))
        pid = int(payload["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [
        AdapterStatus(a["name"], AdapterState(a["state"]), a.get("detail", ""), a.get("attempts", 0))
        for a in payload.get("adapters", [])
    ]
