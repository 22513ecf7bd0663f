"""Which of the bot's group replies must go with a person on /forget (shared by every store backend)."""

from __future__ import annotations

from collections.abc import Iterable

MIN_NAME_CHARS = 3  # shorter display names would match too much unrelated text


def pieces(text: str) -> set[str]:
    """Word pairs of at least 10 characters (runs of 6 characters in text without spaces, e.g. Chinese)."""
    words = text.casefold().split()
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if len(a) + len(b) >= 9}
    runs = {w[i : i + 6] for w in words if len(w) > 12 for i in range(len(w) - 5)}
    return pairs | runs


def replies_about(said: Iterable[str], names: Iterable[str], replies: Iterable[tuple[int, str]]) -> list[int]:
    """Ids of the bot's `replies` (id, text) that quote what the person `said` or name them."""
    quoted: set[str] = set()
    for text in said:
        quoted |= pieces(text)
    folded = [n.strip().casefold() for n in names]
    folded = [n for n in folded if len(n) >= MIN_NAME_CHARS]
    return [
        rid for rid, text in replies if pieces(text) & quoted or any(n in text.casefold() for n in folded)
    ]
