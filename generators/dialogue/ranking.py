"""Choosing among candidate replies by the automatic checks, and spotting questions about memory."""

from __future__ import annotations

import re
from collections.abc import Sequence

from generators.dialogue.checks import CheckResult, ReplySituation, check_reply

_MEMORY_Q = re.compile(
    r"\b(what(?:'s| is| are| do)? (?:my|i)\b|where do i\b|who am i\b|do you (?:still )?remember|"
    r"what do you (?:know|remember)|about me\b|my (?:name|job|dog|cat|favou?rite))"
    r"|我叫什么|记得我|关于我|我的名字|我住在哪|我喜欢什么",
    re.I,
)
_STOP = frozenset(
    "a an the is am are was to of in on at and or my i me name called with for from as "
    "love like live work works favourite favorite".split()
)


def is_memory_question(text: str) -> bool:
    """True for questions about what the person told the bot ("What is my name?", "Where do I live?")."""
    if not _MEMORY_Q.search(text):
        return False
    return "?" in text or "？" in text or "remember" in text.lower()


def fact_words(facts: Sequence[str]) -> set[str]:
    """The content words of stored facts (names, places, things), lower-cased."""
    words: set[str] = set()
    for fact in facts:
        for w in re.findall(r"[\w']+", fact.casefold()):
            if len(w) > 2 and w not in _STOP:
                words.add(w)
    return words


def fact_hits(reply: str, words: set[str]) -> int:
    """How many of `words` the reply mentions."""
    mine = set(re.findall(r"[\w']+", reply.casefold()))
    return len(words & mine)


def rank(
    candidates: Sequence[str], situation: ReplySituation, memory_words: set[str] = frozenset()
) -> list[tuple[str, CheckResult]]:
    """Candidates best first: most checks passed, then most stored-fact words (for a memory
    question), then the earliest generated (the streamed one wins ties)."""
    scored = [(c, check_reply(c, situation)) for c in candidates]
    order = sorted(
        range(len(scored)),
        key=lambda i: (-scored[i][1].score, -fact_hits(scored[i][0], memory_words), i),
    )
    return [scored[i] for i in order]
