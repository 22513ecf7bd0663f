"""Start-up that survives outages, empty tokens, and the operators' /healthz and /metrics (issue 10)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram.error import NetworkError
from telegram.request import RequestData

from bot.adapters.supervisor import AdapterState, Backoff, Supervisor, read_status, write_status
from bot.adapters.telegram_bot import TelegramAdapter
from bot.adapters.web import Playground
from bot.app import serve
from bot.core.clock import FakeClock
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.health import Operations
from bot.settings import Settings
from tests.fake_telegram import FakeBotAPI
from tests.outputs import RecordingOutput

TOKEN = "7777777777:AAH-fake-telegram-token-for-tests-0123456789"


class PollingBotAPI(FakeBotAPI):
    """The fake Bot API with a long poll that waits instead of answering `True` at once; it can also be
    unreachable until `down_until` on `clock` (a Bot API that is not up yet)."""

    def __init__(self, clock: FakeClock | None = None, down_until: float = 0.0) -> None:
        super().__init__()
        self.clock = clock
        self.down_until = down_until
        self.refused = 0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kw: Any):
        if self.clock is not None and self.clock.monotonic() < self.down_until:
            self.refused += 1
            raise NetworkError("fake Bot API: connection refused")
        if url.endswith("/getUpdates"):
            await asyncio.sleep(0.2)
            return 200, json.dumps({"ok": True, "result": []}).encode()
        return await super().do_request(url, method, request_data, **kw)


def _supervisor(core, api: FakeBotAPI, clock: FakeClock, **kw: Any) -> Supervisor:
    return Supervisor(
        "telegram", lambda: TelegramAdapter(core, core.settings, request=api, clock=clock), clock, **kw
    )


async def _settle(predicate, limit_s: float = 20.0) -> None:
    for _ in range(int(limit_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


# ---------------------------------------------------------------- retry with backoff


async def test_telegram_start_retries_until_the_api_answers(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    api = PollingBotAPI()
    api.fail_next("getMe", status=502, times=3)
    sup = _supervisor(core, api, clock)
    try:
        assert await sup.run() is AdapterState.CONNECTED
        assert sup.status.attempts == 4 and len(api.of("getMe")) == 4
        assert clock.monotonic() - 1000.0 == pytest.approx(1 + 2 + 4)  # backoff 1 s, 2 s, 4 s
        assert sup.connected()
    finally:
        await sup.stop()
    assert sup.status.state is AdapterState.STOPPED


async def test_telegram_start_waits_for_an_api_that_is_down_for_the_first_seconds(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    api = PollingBotAPI(clock, down_until=clock.monotonic() + 5.0)
    sup = _supervisor(core, api, clock)
    try:
        assert await sup.run() is AdapterState.CONNECTED
        assert api.refused >= 3 and sup.status.attempts == 4  # at 0, 1, 3 s refused; at 7 s up
    finally:
        await sup.stop()


async def test_a_rejected_token_stops_retrying(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    api = PollingBotAPI()
    api.fail_next("getMe", status=401, times=5)
    sup = _supervisor(core, api, clock)
    assert await sup.run() is AdapterState.REJECTED
    assert sup.status.attempts == 1 and "TELEGRAM_TOKEN" in sup.status.detail
    assert not sup.connected()


async def test_publishing_commands_is_best_effort_and_retried(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    api = PollingBotAPI()
    api.fail_next("setMyCommands", status=500, times=2)
    sup = _supervisor(core, api, clock)
    try:
        assert await sup.run() is AdapterState.CONNECTED
        assert sup.status.attempts == 1, "a failing setMyCommands does not keep Telegram off"
        # The menu is retried in the background until both languages are published.
        await _settle(lambda: len(api.of("setMyCommands")) >= 4)
        published = {c.params.get("language_code") for c in api.of("setMyCommands")[2:]}
        assert published == {None, "zh"}
    finally:
        await sup.stop()


def test_backoff_grows_and_is_capped() -> None:
    delays = Backoff(first_s=1, factor=2, max_s=10).delays()
    assert [next(delays) for _ in range(6)] == [1, 2, 4, 8, 10, 10]


# ---------------------------------------------------------------- empty tokens


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_token_is_no_token(monkeypatch, value: str) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", value)
    monkeypatch.setenv("TELEGRAM_TOKEN", value)
    settings = Settings(_env_file=None)
    assert settings.discord_token is None and settings.telegram_token is None
    assert Settings(_env_file=None, discord_token="abc").discord_token.get_secret_value() == "abc"


def test_an_empty_token_in_a_copied_env_file_is_no_token(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=\nTELEGRAM_TOKEN=\n")
    settings = Settings(_env_file=env)
    assert settings.discord_token is None and settings.telegram_token is None


# ---------------------------------------------------------------- /healthz and /metrics


@pytest.fixture
async def ops_env(make_app, tmp_path: Path):
    """A runtime, its Operations, and a playground serving them."""
    clock = FakeClock()
    runtime = await make_app(telegram_token=TOKEN, clock=clock)
    ops = Operations(runtime.metrics, runtime.core.settings.avatar_data_dir, runtime.store_probe)
    runtime.metrics.watch_adapters(ops.statuses)
    client = TestClient(TestServer(Playground(runtime.core, ops=ops).app))
    await client.start_server()
    try:
        yield runtime, ops, clock, client
    finally:
        await client.close()


async def test_healthz_follows_the_adapters(ops_env) -> None:
    runtime, ops, clock, client = ops_env
    res = await client.get("/healthz")
    assert res.status == 200 and (await res.json())["store"] == "writable"
    api = PollingBotAPI()
    api.fail_next("getMe", status=401)
    rejected = _supervisor(runtime.core, api, clock)
    ops.supervisors.append(rejected)
    await rejected.run()
    res = await client.get("/healthz")
    body = await res.json()
    assert res.status == 503 and "telegram adapter is rejected" in body["reason"]
    assert body["adapters"] == {"telegram": "rejected"}
    ops.supervisors[:] = [_supervisor(runtime.core, PollingBotAPI(), clock)]
    try:
        await ops.supervisors[0].run()
        res = await client.get("/healthz")
        assert res.status == 200, await res.text()
        text = await (await client.get("/metrics")).text()
        assert 'avatar_adapter_state{adapter="telegram",state="connected"} 1.0' in text
    finally:
        await ops.supervisors[0].stop()


async def test_healthz_is_503_when_the_store_is_not_writable(ops_env) -> None:
    runtime, ops, _, client = ops_env
    await runtime.core.memory.close()
    res = await client.get("/healthz")
    assert res.status == 503
    assert "store not writable" in (await res.json())["reason"]


async def test_metrics_count_messages_replies_latency_and_the_queue(ops_env) -> None:
    runtime, _, _, client = ops_env
    user = User("web", "ann", "Ann")
    out = RecordingOutput()
    await runtime.core.handle(
        IncomingMessage(user, Channel("web", "dm-ann", ChannelKind.DIRECT), "/help"), out
    )
    assert out.messages, "the reply still reaches the adapter's output"
    res = await client.get("/metrics")
    assert res.status == 200 and res.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await res.text()
    assert 'avatar_messages_handled_total{platform="web"} 1.0' in text
    assert 'avatar_replies_total{platform="web"} 1.0' in text
    assert 'avatar_reply_latency_seconds_count{platform="web"} 1.0' in text
    for name in (
        "avatar_errors_total",
        "avatar_time_to_first_token_seconds",
        "avatar_image_queue_depth 0.0",
        "avatar_image_queue_wait_seconds",
        'avatar_jobs_total{outcome="done"}',
        'avatar_jobs_total{outcome="failed"}',
    ):
        assert name in text, name


async def test_two_bots_in_one_process_keep_their_own_metrics(make_app, tmp_path: Path) -> None:
    first = await make_app(data_dir=tmp_path / "one")
    second = await make_app(data_dir=tmp_path / "two")
    dm = Channel("web", "dm-ann", ChannelKind.DIRECT)
    await first.core.handle(IncomingMessage(User("web", "ann", "Ann"), dm, "/help"), RecordingOutput())
    assert b'avatar_messages_handled_total{platform="web"} 1.0' in first.metrics.exposition()
    assert b"avatar_messages_handled_total{" not in second.metrics.exposition()


async def test_health_and_metrics_on_their_own_port_when_the_playground_is_off(make_app) -> None:
    runtime = await make_app(playground_enabled=False, metrics_port=0)
    ops = Operations(runtime.metrics, runtime.core.settings.avatar_data_dir, runtime.store_probe)
    runners: list = []
    await serve(runtime.core.settings, runtime, ops, runners)
    try:
        port = runners[0].port
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as res:
                assert res.status == 200
            async with session.get(f"http://127.0.0.1:{port}/metrics") as res:
                assert "avatar_messages_handled" in await res.text()
    finally:
        for r in reversed(runners):
            await r.stop()


def test_doctor_reads_the_states_a_running_bot_recorded(tmp_path: Path) -> None:
    from bot.adapters.supervisor import AdapterStatus
    from bot.doctor import report

    write_status(tmp_path, [AdapterStatus("telegram", AdapterState.RETRYING, "NetworkError: down", 3)])
    assert read_status(tmp_path)[0].state is AdapterState.RETRYING
    settings = Settings(_env_file=None, avatar_data_dir=tmp_path, telegram_token=TOKEN)
    assert "running bot reports retrying: NetworkError: down; start attempts 3" in report(settings)


# ---------------------------------------------------------------- Discord: slash-command sync is best effort


async def test_discord_starts_when_syncing_commands_fails_and_syncs_later(make_core) -> None:
    import simcord

    from bot.adapters.discord_bot import make_client
    from tests.discord_harness import SimClock

    clock = SimClock()
    core = await make_core(clock=clock)
    client = make_client(core, core.settings)
    env = simcord.Env(client, settle_timeout=20.0)
    env.inject_error("PUT", "/applications/*/commands", status=500, times=2)
    await env.start()  # before the fix, the failing sync in setup_hook aborted the login
    clock.env = env
    try:
        assert client.is_ready()
        assert not env.backend.commands.get(None), "the first sync failed"
        await env.advance_time(5)
        await env.advance_time(10)
        await env.settle()
        names = {name for name, _type in env.backend.commands.get(None, {})}
        assert {"help", "adventure"} <= names
    finally:
        await env.shutdown()
