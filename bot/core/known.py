"""Users and channels already recorded in memory during this run, so each is written once."""

from __future__ import annotations

from bot.core.models import ChannelKind, IncomingMessage
from bot.core.ports import UserRepo

MAX_KNOWN = 100_000


class KnownIdentities:
    """Records a message's user and channel the first time they are seen."""

    def __init__(self, users: UserRepo) -> None:
        self.users = users
        self._known: set[str] = set()

    async def remember(self, msg: IncomingMessage) -> None:
        """Upsert the speaker and the channel unless already done this run."""
        if msg.user.key not in self._known:
            await self.users.upsert_user(msg.user)
            self._known.add(msg.user.key)
        if msg.channel.key not in self._known:
            owner = msg.user.key if msg.channel.kind is ChannelKind.DIRECT else None
            await self.users.upsert_channel(msg.channel, owner)
            self._known.add(msg.channel.key)
        if len(self._known) > MAX_KNOWN:
            self._known.clear()

    def forget(self, user_key: str) -> None:
        """Drop a user (after /forget), so their next message records them again."""
        self._known.discard(user_key)
