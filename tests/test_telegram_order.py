"""Telegram webhook behind several processes: one chat's updates run in update id order, once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from redis.asyncio import Redis

from bot.adapters.telegram_bot import TelegramAdapter
from bot.adapters.telegram_order import RedisChatOrder
from bot.core.clock import FakeClock
from bot.core.engine import BotCore
from tests.fake_telegram import FakeBotAPI, UpdateFactory
from tests.servers import RedisServer, until

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"
SECRET = "order-test-secret-0123456789abcdefghijklmnop"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
WINDOW_S = 1.0  # every post of a burst lands well within it, even on a loaded machine

Post = Callable[[int, dict], Awaitable[None]]


@pytest.fixture
async def order_url(redis_server: RedisServer) -> AsyncIterator[str]:
    """A Redis database of its own, emptied before and after."""
    url = redis_server.url.rsplit("/", 1)[0] + "/5"
    client = Redis.from_url(url)
    await client.flushdb()
    yield url
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def two_processes(
    make_core, order_url: str, unused_tcp_port_factory
) -> AsyncIterator[tuple[BotCore, list[FakeBotAPI], Post]]:
    """Two webhook adapters (two 'processes') on their own ports, sharing one Redis and one store."""
    core = await make_core(
        telegram_token=TOKEN,
        clock=FakeClock(),
        queue_url=order_url,
        telegram_webhook_url="https://bot.example.org/telegram",
        telegram_webhook_secret=SECRET,
        telegram_order_window_s=WINDOW_S,
    )
    ports = [unused_tcp_port_factory(), unused_tcp_port_factory()]
    apis = [FakeBotAPI(), FakeBotAPI()]
    adapters = [
        TelegramAdapter(
            core,
            core.settings.model_copy(update={"telegram_webhook_port": port}),
            request=api,
            clock=core.clock,
        )
        for port, api in zip(ports, apis, strict=True)
    ]
    for adapter in adapters:
        await adapter.start()
    http = httpx.AsyncClient()

    async def post(process: int, update: dict) -> None:
        url = f"http://127.0.0.1:{ports[process]}/telegram"
        assert (await http.post(url, json=update, headers=HEADERS)).status_code == 200

    try:
        yield core, apis, post
    finally:
        await http.aclose()
        for adapter in adapters:
            await adapter.stop()


async def user_texts(core: BotCore, key: str) -> list[str]:
    """The user's stored messages, oldest first."""
    return [r.text for r in await core.memory.messages.recent(key, 100) if r.role == "user"]


async def test_shuffled_posts_to_two_processes_run_in_update_order_once(two_processes) -> None:
    core, apis, post = two_processes
    make = UpdateFactory()
    updates = [make.message(f"message number {i}") for i in range(1, 9)]
    shuffled = random.Random(11).sample(updates, len(updates))
    assert shuffled != updates
    for i, update in enumerate(shuffled):
        await post(i % 2, update)
    await post(1, updates[2])  # Telegram re-delivers update 3; the load balancer picks the other process
    await post(0, updates[2])

    async def all_answered() -> bool:
        return (
            len(await user_texts(core, "telegram:1")) >= 8
            and sum(len(api.of("sendMessage")) for api in apis) >= 8
        )

    await until(all_answered, "eight answers", 60)
    await asyncio.sleep(WINDOW_S + 0.5)  # room for a duplicate to show up
    assert await user_texts(core, "telegram:1") == [f"message number {i}" for i in range(1, 9)]
    assert sum(len(api.of("sendMessage")) for api in apis) == 8, "each update answered exactly once"
    assert all(api.of("sendMessage") for api in apis), "both processes did part of the work"


async def test_a_chat_waiting_on_a_slow_turn_does_not_hold_up_another_chat(two_processes, order_url) -> None:
    core, apis, post = two_processes
    make = UpdateFactory()
    make.n = 100
    slow = RedisChatOrder(order_url, window_s=0)  # a third process, busy with chat 1's update 100
    try:
        async with slow.turn(1, 100) as ours:
            assert ours
            await post(0, make.message("chat one waits"))  # update 101, chat 1
            await post(1, make.message("chat two goes", user_id=2, chat_id=2, name="Bo"))  # 102

            async def chat_two_answered() -> bool:
                return await user_texts(core, "telegram:2") == ["chat two goes"]

            await until(chat_two_answered, "chat 2's answer", 60)
            assert await user_texts(core, "telegram:1") == [], "chat 1 still waits for update 100"

        async def chat_one_answered() -> bool:
            return await user_texts(core, "telegram:1") == ["chat one waits"]

        await until(chat_one_answered, "chat 1's answer", 60)
    finally:
        await slow.aclose()


async def test_a_crashed_process_turn_expires_and_the_chat_goes_on(order_url) -> None:
    client = Redis.from_url(order_url)
    order = RedisChatOrder(order_url, window_s=0, lease_ms=300)
    try:
        # A process took chat 7's update 1 and died: its lease and lock are no longer refreshed.
        await client.zadd("avatar:tg:pending:7", {"1": 1})
        await client.set("avatar:tg:lease:7:1", "dead:1", px=300)
        await client.set("avatar:tg:lock:7", "dead:1", px=300)
        async with asyncio.timeout(5):
            async with order.turn(7, 2) as ours:
                assert ours
        assert await client.zcard("avatar:tg:pending:7") == 0 and not await client.exists("avatar:tg:lock:7")
        async with order.turn(7, 2) as again:
            assert not again, "an update id is taken once"
    finally:
        await order.aclose()
        await client.aclose()
