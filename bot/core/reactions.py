"""A persona's emoji reactions to messages that mention its favourite topics or places."""

from __future__ import annotations

import functools
import logging
import re

from bot.core.clock import Clock
from bot.core.models import IncomingMessage
from bot.core.output import ChatOutput
from generators.lang import has_han
from personas.model import Persona, Reaction

log = logging.getLogger(__name__)

REACT_EVERY_S = 60.0  # at most one reaction per channel in this many seconds
MAX_CHANNELS = 10_000


class Reactions:
    """Reacts to a message with the persona's emoji for the first favourite word it mentions."""

    def __init__(self, clock: Clock, every_s: float = REACT_EVERY_S) -> None:
        self.clock = clock
        self.every_s = every_s
        self._last: dict[str, float] = {}  # channel key -> when it last got a reaction (monotonic)

    async def notice(self, msg: IncomingMessage, out: ChatOutput, persona: Persona) -> str | None:
        """React if the message mentions a favourite and the channel had no reaction this minute; the
        emoji used, or None. A platform refusing (no permission) is logged, never raised."""
        if not persona.reactions or not msg.message_id or not msg.text:
            return None
        emoji = pick(persona.reactions, msg.text)
        if emoji is None:
            return None
        now = self.clock.monotonic()
        key = msg.channel.key
        last = self._last.get(key)
        if last is not None and now - last < self.every_s:
            return None
        if len(self._last) >= MAX_CHANNELS:
            self._last = {k: v for k, v in self._last.items() if now - v < self.every_s}
        self._last[key] = now
        try:
            await out.react(msg.message_id, emoji)
        except Exception:
            log.debug("reaction %s in %s failed", emoji, key, exc_info=True)
            return None
        return emoji


def pick(reactions: tuple[Reaction, ...], text: str) -> str | None:
    """The emoji of the first reaction one of whose words the text mentions, or None."""
    folded = text.casefold()
    for reaction in reactions:
        if _pattern(reaction.words).search(folded):
            return reaction.emoji
    return None


@functools.lru_cache(maxsize=512)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words for alphabetic scripts; plain substrings for Chinese (written without spaces)."""
    parts = []
    for word in words:
        folded = re.escape(word.casefold())
        parts.append(folded if has_han(word) else rf"(?<!\w){folded}(?!\w)")
    return re.compile("|".join(parts) or r"(?!)")
