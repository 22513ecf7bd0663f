"""Per-chat ordering of Telegram webhook updates across bot processes, kept in Redis.

Several `avatar-bot run` processes may receive one bot's webhook posts (behind a load balancer).
Before an update reaches the core, `RedisChatOrder.turn` makes it wait for its turn:

- each update id is accepted once (`avatar:tg:seen:<update id>`, set NX): a re-delivery that lands
  on another process is dropped, so every update is handled exactly once;
- the update joins its chat's pending set (`avatar:tg:pending:<chat>`, a sorted set scored by
  update id) with a lease (`avatar:tg:lease:<chat>:<update id>`) that its process keeps alive;
- it runs only when it is the lowest pending update of its chat, it has waited the reorder window
  (posts Telegram sends in parallel may arrive out of order), and it takes the chat's lock
  (`avatar:tg:lock:<chat>`), so one update per chat runs at a time, anywhere;
- when it is done it leaves the set and frees the lock. A crashed process stops refreshing its
  leases and its lock: they expire, and the others drop its entries and go on.

Chats share nothing, so a slow chat never holds up another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from redis.asyncio import Redis

log = logging.getLogger(__name__)

PREFIX = "avatar:tg"
SEEN_TTL_S = 24 * 3600  # Telegram keeps undelivered updates for 24 hours
LEASE_MS = 15_000  # a live process refreshes its leases and locks every LEASE_MS / 3
POLL_S = 0.02

# KEYS: pending set, lock; ARGV: update id, token, lease ms, lease key prefix.
# Drops lowest entries whose lease has expired (their process died), then takes the lock if
# ARGV[1] is the lowest pending update. Returns 1 when the caller may run.
_ACQUIRE = """
while true do
  local low = redis.call('zrange', KEYS[1], 0, 0)[1]
  if low == nil then return 0 end
  if low == ARGV[1] then break end
  if redis.call('exists', ARGV[4] .. low) == 1 then return 0 end
  redis.call('zrem', KEYS[1], low)
end
if redis.call('set', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 1 end
if redis.call('get', KEYS[2]) == ARGV[2] then return 1 end
return 0
"""

# KEYS: pending set, lock, lease; ARGV: update id, token. Leave the set; free the lock if ours.
_RELEASE = """
redis.call('zrem', KEYS[1], ARGV[1])
redis.call('del', KEYS[3])
if redis.call('get', KEYS[2]) == ARGV[2] then redis.call('del', KEYS[2]) end
return 1
"""

# KEYS: keys to refresh when they still hold ARGV[1]; ARGV[2]: lease ms.
_REFRESH = """
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then redis.call('pexpire', key, ARGV[2]) end
end
return 1
"""


class RedisChatOrder:
    """Runs each chat's updates one at a time, in update id order, once, across processes."""

    def __init__(self, url: str, *, window_s: float = 0.5, lease_ms: int = LEASE_MS) -> None:
        self.redis = Redis.from_url(url)
        self.window_s = window_s
        self.lease_ms = lease_ms
        self.token = secrets.token_hex(8)  # this process; a turn's token adds its update id
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._release = self.redis.register_script(_RELEASE)
        self._refresh = self.redis.register_script(_REFRESH)

    @staticmethod
    def _keys(chat_id: int, update_id: int) -> tuple[str, str, str]:
        return (
            f"{PREFIX}:pending:{chat_id}",
            f"{PREFIX}:lock:{chat_id}",
            f"{PREFIX}:lease:{chat_id}:{update_id}",
        )

    async def _keep_alive(self, keys: list[str], token: str) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                await self._refresh(keys=keys, args=[token, self.lease_ms])
            except Exception:  # noqa: BLE001 - Redis may blip; the next refresh tries again
                log.warning("telegram order: lease refresh failed", exc_info=True)

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int, update_id: int) -> AsyncIterator[bool]:
        """Wait for this update's turn in its chat; yields False (run nothing) for a duplicate."""
        if not await self.redis.set(f"{PREFIX}:seen:{update_id}", 1, nx=True, ex=SEEN_TTL_S):
            log.info("telegram order: update %s was already taken; dropped", update_id)
            yield False
            return
        pending, lock, lease = self._keys(chat_id, update_id)
        token = f"{self.token}:{update_id}"
        await self.redis.set(lease, token, px=self.lease_ms)
        await self.redis.zadd(pending, {str(update_id): update_id})
        keeper = asyncio.create_task(self._keep_alive([lease, lock], token))
        try:
            await asyncio.sleep(self.window_s)
            args = [str(update_id), token, self.lease_ms, f"{PREFIX}:lease:{chat_id}:"]
            # Another process's turn ending is seen by polling: Redis has no cheap wait for it.
            while not await self._acquire(keys=[pending, lock], args=args):  # noqa: ASYNC110
                await asyncio.sleep(POLL_S)
            yield True
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await self._release(keys=[pending, lock, lease], args=[str(update_id), token])

    async def aclose(self) -> None:
        """Close the Redis connection pool."""
        await self.redis.aclose()
