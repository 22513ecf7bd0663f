"""Shared pieces of the memory contract tests: a hand-set clock, sample users, a journal helper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.core.models import Channel, ChannelKind, User
from bot.core.ports import Memory

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ANA = User("telegram", "1", "Ana", locale="en")
ANA_DC = User("discord", "2", "Ana D")
BEN = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP, title="Lobby")


def at(minutes: float) -> datetime:
    """T0 plus `minutes`."""
    return T0 + timedelta(minutes=minutes)


class ManualClock(FakeClock):
    """A FakeClock whose wall time the test sets: `set(minutes)` puts it at T0 + minutes."""

    def __init__(self) -> None:
        super().__init__(start=0.0, wall=T0)

    def set(self, minutes: float) -> ManualClock:
        """Move the clock to T0 + `minutes` (backwards too); returns self."""
        self.t = minutes * 60.0
        self._expire()
        return self


async def add_trip(memory: Memory, user_key: str, n: int, channel: str = ROOM.key) -> int:
    """A journal entry numbered `n` (landmark place{n}, seed n)."""
    return await memory.adventures.add(
        user_key=user_key,
        channel_key=channel,
        landmark_id=f"place{n}",
        seed=n,
        image_path=f"/data/postcards/{user_key}-{n}.jpg",
        image_sha256=f"{n:064d}",
        caption=f"caption {n} for {user_key}",
        path_used="illustrated",
        format="1:1",
    )


async def populate_linked_ana_and_ben(memory: Memory) -> tuple[Channel, Channel]:
    """Ana on Telegram and Discord (linked) and Ben, with something of every kind; Ana's two DMs."""
    dm_tg = Channel("telegram", "1", ChannelKind.DIRECT, title="Ana")
    dm_dc = Channel("discord", "dm2", ChannelKind.DIRECT)
    for user in (ANA, ANA_DC, BEN):
        await memory.users.upsert_user(user)
    await memory.users.upsert_channel(dm_tg)
    await memory.users.upsert_channel(dm_dc, ANA_DC.key)
    await memory.users.upsert_channel(ROOM, BEN.key)
    await memory.users.create_link_code(ANA_DC.key, "LINK2345", timedelta(hours=1))
    await memory.users.redeem_link_code("LINK2345", ANA.key)
    await memory.messages.add(dm_tg.key, ANA.key, "Ana", "user", "secret-zebra in a DM")
    await memory.messages.add(dm_tg.key, None, "Captain", "assistant", "reply about secret-zebra")
    await memory.messages.add(dm_dc.key, None, "Captain", "assistant", "hello Ana D")
    await memory.messages.add(ROOM.key, ANA_DC.key, "Ana D", "user", "secret-zebra in the room")
    await memory.messages.add(ROOM.key, BEN.key, "Ben", "user", "Ben stays")
    await memory.facts.add(ANA.key, "secret-zebra fact", "user")
    await memory.facts.add(BEN.key, "Ben's fact", "user")
    await memory.avatars.set(ANA_DC.key, "/data/avatars/ana.png", "upload", "plain", "a" * 64)
    await memory.avatars.set(BEN.key, "/data/avatars/ben.png", "upload", "plain", "b" * 64)
    await add_trip(memory, ANA.key, 8, channel=dm_tg.key)
    await add_trip(memory, BEN.key, 9)
    await memory.usage.record(ANA.key, "adventure")
    await memory.settings.set(f"user:{ANA.key}", "lang_notice:fr", "1")
    await memory.settings.set(f"channel:{dm_tg.key}", "persona_locked", "1")
    await memory.settings.set("web-space:x", "allowed_channels", "[]")
    await memory.users.create_link_code(ANA.key, "UNUSED23", timedelta(hours=1))
    return dm_tg, dm_dc
