"""Evaluated prompt prefixes kept in RAM, bounded in bytes and shared fairly between sessions."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(slots=True)
class PrefixEntry:
    """One saved model state: the tokens it holds and the engine's opaque bytes for them."""

    session: str
    tokens: tuple[int, ...]
    data: bytes
    used: int = field(default=0)

    @property
    def size(self) -> int:
        """Bytes this entry keeps alive."""
        return len(self.data) + 4 * len(self.tokens)


class PrefixCache:
    """Saved states looked up by longest common token prefix.

    Bounded by `max_bytes` overall and `per_session` entries per session (a channel): a busy channel
    replaces its own older entries instead of pushing every other channel out, and when the byte
    budget is exceeded the least recently used entry of the session holding the most bytes goes first.
    """

    def __init__(self, max_bytes: int, per_session: int = 2, min_tokens: int = 16) -> None:
        self.max_bytes = max_bytes
        self.per_session = per_session
        self.min_tokens = min_tokens
        self._entries: list[PrefixEntry] = []
        self._clock = itertools.count(1)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def bytes_used(self) -> int:
        """Bytes held by all entries."""
        with self._lock:
            return sum(e.size for e in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def best(self, tokens: Sequence[int]) -> tuple[PrefixEntry | None, int]:
        """The entry sharing the longest prefix with `tokens` (at least `min_tokens`), and that length."""
        with self._lock:
            found: PrefixEntry | None = None
            length = 0
            for entry in self._entries:
                n = common_prefix(entry.tokens, tokens)
                if n > length:
                    found, length = entry, n
            if found is None or length < self.min_tokens:
                self.misses += 1
                return None, 0
            found.used = next(self._clock)
            self.hits += 1
            return found, length

    def put(self, session: str, tokens: Sequence[int], data: bytes) -> None:
        """Keep `data` for `tokens`, replacing this session's entries it extends, then evict to fit."""
        entry = PrefixEntry(session, tuple(tokens), data, next(self._clock))
        if entry.size > self.max_bytes:
            return
        with self._lock:
            # An entry whose tokens are a prefix of the new one is superseded by it.
            self._entries = [
                e
                for e in self._entries
                if not (e.session == session and common_prefix(e.tokens, entry.tokens) == len(e.tokens))
            ]
            self._entries.append(entry)
            mine = sorted((e for e in self._entries if e.session == session), key=lambda e: e.used)
            for old in mine[: max(0, len(mine) - self.per_session)]:
                self._entries.remove(old)
            while sum(e.size for e in self._entries) > self.max_bytes and len(self._entries) > 1:
                self._entries.remove(self._victim(entry))

    def _victim(self, keep: PrefixEntry) -> PrefixEntry:
        """The least recently used entry of the session holding the most bytes, never `keep`."""
        held: dict[str, int] = {}
        for e in self._entries:
            held[e.session] = held.get(e.session, 0) + e.size
        others = [e for e in self._entries if e is not keep]
        greedy = max(
            {e.session for e in others},
            key=lambda s: (held[s], -min(e.used for e in others if e.session == s)),
        )
        return min((e for e in others if e.session == greedy), key=lambda e: e.used)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
