"""Driving our Discord client in simcord's simulated Discord: a virtual clock, a running world, and readers
for what an interaction showed. Shared by the Discord tests and the adapter parity tests."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import simcord
from PIL import Image, ImageDraw

from bot.adapters.discord_bot import make_client, shard_config

# Enough real seconds for model and image threads on a busy 2-core machine; virtual waits longer than this
# are parked by simcord and only move on with env.advance_time().
SETTLE_S = 20.0


class SimClock:
    """The core's clock, bound to simcord's virtual time (so cooldowns and throttles follow env.advance_time)."""

    def __init__(self) -> None:
        self.env: simcord.Env | None = None
        self._epoch = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """Virtual UTC now."""
        return self.env.now() if self.env is not None else self._epoch

    def monotonic(self) -> float:
        """Virtual seconds since the simulation began."""
        return (self.now() - self._epoch).total_seconds()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the (virtualised) event loop."""
        await asyncio.sleep(seconds)

    @asynccontextmanager
    async def timeout(self, seconds: float) -> AsyncIterator[None]:
        """A deadline on the (virtualised) event loop."""
        async with asyncio.timeout(seconds):
            yield


@dataclass
class World:
    """A running simulated Discord with our bot in one guild."""

    env: simcord.Env
    client: discord.Client
    core: Any
    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    alice: simcord.MemberActor
    admin: simcord.MemberActor
    expected: list[BaseException] = field(default_factory=list)

    def expect_errors(self) -> list[BaseException]:
        """The errors the bot raised so far, accepted as expected by the test."""
        self.expected = list(self.env.errors)
        return self.expected

    def bot_messages(self, channel: simcord.ChannelHandle) -> list[discord.Message]:
        """What the bot posted in a channel, oldest first."""
        return [m for m in channel.history() if m.author.id == self.client.user.id]

    def channel_key(self, channel: simcord.ChannelHandle) -> str:
        return f"discord:{channel.id}"


def portrait_png(size: int = 256) -> bytes:
    """A small portrait-like picture."""
    im = Image.new("RGB", (size, size), (120, 170, 220))
    d = ImageDraw.Draw(im)
    d.ellipse((size // 4, size // 6, 3 * size // 4, 2 * size // 3), fill=(230, 190, 160))
    d.rectangle((size // 5, 2 * size // 3, 4 * size // 5, size), fill=(200, 60, 60))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@asynccontextmanager
async def running(make_core, *, dialogue: Any = None, extra_commands=None, **settings: Any):
    """Build a real core and our Discord client, and run them in simcord (errors the test did not
    expect fail it at the end, as with simcord's own fixture)."""
    clock = SimClock()
    # Greedy decoding keeps the tiny model's replies the same on every run.
    overrides: dict[str, Any] = {
        "image_cooldown_s": 0.0,
        "llm_timeout_s": 3600.0,
        "llm_temperature": 0.0,
        "llm_max_new_tokens": 24,
    }
    overrides.update(settings)
    core = await make_core(clock=clock, dialogue=dialogue, **overrides)
    # build_core starts the image queue's workers, outside simcord, so they do not count as unsettled work.
    client = make_client(core, core.settings)
    if extra_commands is not None:
        extra_commands(client)
    # Env.start()/shutdown() rather than `async with simcord.run()`, which selects clocks in a context
    # variable and so cannot span an async fixture's setup and teardown.
    env = simcord.Env(client, settle_timeout=SETTLE_S, **_shards(core.settings))
    await env.start()
    clock.env = env
    try:
        guild = env.create_guild("Travellers")
        general = guild.create_text_channel("general")
        mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
        alice = guild.add_member(env.create_user("alice"))
        admin = guild.add_member(env.create_user("root"), roles=[mods])
        world = World(env, client, core, guild, general, alice, admin)
        yield world
    finally:
        await env.shutdown()
    unexpected = [e for e in env.errors if all(e is not x for x in world.expected)]
    if unexpected:
        raise ExceptionGroup("the bot raised errors the test did not expect", unexpected)


def _shards(settings: Any) -> dict[str, Any]:
    sharded, count = shard_config(settings.discord_shards)
    return {"shard_count": 2} if sharded and count is None else {}


def callbacks_since(env: simcord.Env, start: int) -> list[int]:
    """Interaction callback types the bot sent since request number `start` (5 = deferred 'thinking')."""
    return [
        r.json["type"]
        for r in env.http_requests[start:]
        if r.method == "POST" and r.path.startswith("/interactions/") and r.path.endswith("/callback")
    ]


def shown(result: simcord.InteractionResult) -> list[simcord.ResponseMessage]:
    """Every message an interaction produced: the (completed) deferred original, then follow-ups."""
    return ([result.response] if result.response is not None else []) + result.followups


def custom_ids(message: simcord.ResponseMessage) -> list[str]:
    """The custom ids of the buttons under a response message."""
    return [
        c["custom_id"] for row in message.components for c in row.get("components", []) if "custom_id" in c
    ]
