"""Text confirmations of destructive actions, answered only when the answer is unmistakable.

A confirmation fires on its button, or on the confirmation word: in a direct chat; in a group, in a
reply to the bot's confirmation message or in a message that mentions the bot. Unaddressed chatter
neither confirms nor cancels, and commands run normally in between.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.models import ChannelKind, IncomingMessage
from bot.core.output import SentMessage

CONFIRM_WORDS = frozenset({"yes", "y", "是", "是的", "确认", "好", "はい", "oui", "sí", "si", "ja", "да"})
CANCEL_WORDS = frozenset(
    {"no", "n", "cancel", "nope", "不", "不要", "取消", "否", "いいえ", "non", "nein", "нет"}
)
CONFIRM_TTL_S = 120.0
MAX_PENDING = 10_000


@dataclass(frozen=True, slots=True)
class Pending:
    """An action waiting for one user's answer in one channel."""

    action: str
    expires_at: float
    prompt_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class Answer:
    """A message that answers a pending confirmation."""

    action: str
    yes: bool


class Confirmations:
    """The confirmations waiting for an answer, per (user, channel)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._pending: dict[tuple[str, str], Pending] = {}

    def ask(self, msg: IncomingMessage, action: str, prompt: SentMessage) -> None:
        """Wait for the speaker's answer to `prompt` (the bot's confirmation message) about `action`."""
        now = self.clock.monotonic()
        self._pending[(msg.user.key, msg.channel.key)] = Pending(
            action, now + CONFIRM_TTL_S, frozenset({prompt.id})
        )
        if len(self._pending) > MAX_PENDING:
            self._pending = {k: v for k, v in self._pending.items() if v.expires_at >= now}

    def answer(self, msg: IncomingMessage) -> Answer | None:
        """The answer `msg` gives (and the confirmation is then closed), or None when it is no answer."""
        key = (msg.user.key, msg.channel.key)
        pending = self._pending.get(key)
        if pending is None:
            return None
        if pending.expires_at < self.clock.monotonic():
            del self._pending[key]
            return None
        word = msg.text.strip().lower().rstrip("!.。！")
        direct = msg.channel.kind is ChannelKind.DIRECT
        to_prompt = msg.reply_to_bot and (not msg.reply_to_id or msg.reply_to_id in pending.prompt_ids)
        if word in CONFIRM_WORDS and (direct or to_prompt or msg.mentions_bot):
            yes = True
        elif direct or to_prompt or (msg.mentions_bot and word in CANCEL_WORDS):
            yes = False
        else:
            return None
        del self._pending[key]
        return Answer(pending.action, yes)

    def close(self, user_key: str, channel_key: str, action: str) -> None:
        """Close a pending `action` (its button was pressed)."""
        pending = self._pending.get((user_key, channel_key))
        if pending is not None and pending.action == action:
            del self._pending[(user_key, channel_key)]

    def forget_user(self, user_key: str) -> None:
        """Drop every confirmation the user has open."""
        self._pending = {k: v for k, v in self._pending.items() if k[0] != user_key}
