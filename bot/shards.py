"""Which Discord shards this process runs: DISCORD_SHARD_IDS of DISCORD_SHARD_COUNT, or DISCORD_SHARDS."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings


@dataclass(frozen=True)
class ShardPlan:
    """`sharded`: use AutoShardedClient; `count`: total shards (None: Discord picks); `ids`: this process's."""

    sharded: bool
    count: int | None = None
    ids: tuple[int, ...] | None = None

    def describe(self) -> str:
        """One line for doctor and the log."""
        if not self.sharded:
            return "one connection (not sharded)"
        if self.ids is not None:
            return f"shards {', '.join(map(str, self.ids))} of {self.count} in this process"
        if self.count is not None:
            return f"all {self.count} shards in this process"
        return "sharded, shard count chosen by Discord, all in this process"


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """'0,1' or '0-3' or '2-3,6' as sorted unique shard ids."""
    ids: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"DISCORD_SHARD_IDS: {part!r} is not a shard id or a range like 0-3")
        lo, hi = int(first), int(last) if dash else int(first)
        if hi < lo:
            raise ValueError(f"DISCORD_SHARD_IDS: the range {part!r} runs backwards")
        ids.update(range(lo, hi + 1))
    return tuple(sorted(ids))


def shard_plan(settings: Settings) -> ShardPlan:
    """The shards this process connects, from the settings; a wrong combination fails clearly."""
    ids = parse_shard_ids(settings.discord_shard_ids)
    count = settings.discord_shard_count
    if ids:
        if count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total over all processes)")
        if ids[-1] >= count:
            raise ValueError(
                f"DISCORD_SHARD_IDS has shard {ids[-1]}, but DISCORD_SHARD_COUNT={count} (ids 0-{count - 1})"
            )
        return ShardPlan(True, count, ids)
    if count is not None:
        return ShardPlan(True, count)
    value = settings.discord_shards.strip().lower()
    if value == "auto":
        return ShardPlan(True)
    if value.isdigit() and int(value) > 0:
        return ShardPlan(True, int(value))
    return ShardPlan(False)
