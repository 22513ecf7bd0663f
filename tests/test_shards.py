"""Discord shards split over processes: DISCORD_SHARD_IDS of DISCORD_SHARD_COUNT reach discord.py."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.shards import ShardPlan, parse_shard_ids, shard_plan


def plan(**values: object) -> ShardPlan:
    return shard_plan(Settings(_env_file=None, **values))


def test_shard_ids_and_ranges() -> None:
    assert parse_shard_ids("0-3") == (0, 1, 2, 3)
    assert parse_shard_ids("6, 2-3,2") == (2, 3, 6)
    assert parse_shard_ids("") == ()
    for bad in ("a", "3-1", "1-"):
        with pytest.raises(ValueError, match="DISCORD_SHARD_IDS"):
            parse_shard_ids(bad)


def test_plans_from_settings() -> None:
    assert plan() == ShardPlan(False)
    assert plan(discord_shards="auto") == ShardPlan(True)
    assert plan(discord_shards="3") == ShardPlan(True, 3)
    assert plan(discord_shard_count=8) == ShardPlan(True, 8)
    two = plan(discord_shard_ids="4-7", discord_shard_count=8)
    assert two == ShardPlan(True, 8, (4, 5, 6, 7))
    assert two.describe() == "shards 4, 5, 6, 7 of 8 in this process"
    with pytest.raises(ValueError, match="needs DISCORD_SHARD_COUNT"):
        plan(discord_shard_ids="0-1")
    with pytest.raises(ValueError, match="DISCORD_SHARD_COUNT=4"):
        plan(discord_shard_ids="3-4", discord_shard_count=4)


async def test_the_client_of_each_process_gets_its_shards(make_core) -> None:
    from bot.adapters.discord_bot import make_client

    core = await make_core()
    for ids in ("0-1", "2-3"):
        settings = Settings(_env_file=None, discord_shard_ids=ids, discord_shard_count=4)
        client = make_client(core, settings)  # never connected: nothing to close
        assert (client.shard_ids, client.shard_count) == ([int(ids[0]), int(ids[-1])], 4)
