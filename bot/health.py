"""Operators' endpoints: `GET /healthz` and `GET /metrics`, on the playground or on their own port."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.adapters.supervisor import AdapterStatus, Supervisor
from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

StoreProbe = Callable[[], Awaitable[None]]


@dataclass
class Operations:
    """What /healthz checks (the store, every configured adapter) and what /metrics exports."""

    metrics: Metrics
    data_dir: Path
    store_probe: StoreProbe
    supervisors: list[Supervisor] = field(default_factory=list)

    async def health(self) -> tuple[bool, dict[str, object]]:
        """(healthy, a JSON-able report with the reasons when not)."""
        reasons: list[str] = []
        try:
            await self.store_probe()
            fd, tmp = tempfile.mkstemp(prefix=".health-", dir=self.data_dir)
            os.close(fd)
            os.unlink(tmp)
            store = "writable"
        except Exception as exc:
            store = f"not writable: {type(exc).__name__}: {exc}"
            reasons.append(f"store {store}")
        adapters: dict[str, str] = {}
        for sup in self.supervisors:
            adapters[sup.name] = sup.status.state.value
            if not sup.connected():
                detail = f" ({sup.status.detail})" if sup.status.detail else ""
                reasons.append(f"{sup.name} adapter is {sup.status.state.value}{detail}")
        report: dict[str, object] = {"ok": not reasons, "store": store, "adapters": adapters}
        if reasons:
            report["reason"] = "; ".join(reasons)
        return not reasons, report

    async def healthz(self, request: web.Request) -> web.Response:
        """200 when healthy, else 503, with a JSON body either way."""
        ok, report = await self.health()
        return web.json_response(report, status=200 if ok else 503, headers={"Cache-Control": "no-store"})

    async def metrics_page(self, request: web.Request) -> web.Response:
        """The Prometheus exposition."""
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Mount /healthz and /metrics."""
        router.add_get("/healthz", self.healthz)
        router.add_get("/metrics", self.metrics_page)

    def statuses(self) -> list[AdapterStatus]:
        """Each supervised adapter's status (for the adapter-state metric)."""
        return [sup.status for sup in self.supervisors]


class OpsServer:
    """/healthz and /metrics on their own port, for when the playground is off."""

    def __init__(self, ops: Operations) -> None:
        self.app = web.Application()
        ops.add_routes(self.app.router)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        """Serve on host:port (0 picks a free port, exposed as `.port`)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        addresses = self._runner.addresses
        self.port = addresses[0][1] if addresses else port
        log.info("health and metrics on %s:%s", host, self.port)

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
