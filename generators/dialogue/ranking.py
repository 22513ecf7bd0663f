"""Choosing among candidate replies by the automatic checks, and spotting questions about memory."""

from __future__ import annotations

import re
from collections.abc import Sequence

from generators.dialogue.checks import CheckResult, ReplySituation, check_reply
from generators.dialogue.pronouns import to_you

_MEMORY_Q = re.compile(
    r"\b(what(?:'s| is| are| do)? (?:my|i)\b|where do i\b|who am i\b|do you (?:still )?remember|"
    r"what do you (?:know|remember)|about me\b|my (?:name|job|dog|cat|favou?rite)|"
    r"(?:do|did) i (?:love|like|enjoy|live|work|do)\b)"
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


_QUESTION_WORDS = frozenset(
    "what where who which do does did is are am my me i you your about remember know".split()
)
_JOB_WORDS = frozenset({"job", "work", "living", "do"})


def answer_from_facts(question: str, facts: Sequence[str], speaker: str) -> str:
    """A reply built from the stored facts the question asks about (the most recent ones when the
    question names none): what the bot says when no generated candidate mentions them."""
    asked = {w.removesuffix("'s") for w in re.findall(r"[\w']+", question.casefold())} - _QUESTION_WORDS
    relevant = [
        f for f in facts if asked & fact_words([f]) or asked & set(re.findall(r"[\w']+", f.casefold()))
    ]
    if asked & _JOB_WORDS:
        relevant += [
            f for f in facts if re.match(r"(?i)i(?:'m| am) an? |i work", f.strip()) and f not in relevant
        ]
    chosen = (relevant or list(facts)[-3:])[:3]
    said = "; ".join(to_you(f) for f in chosen if f.isascii())
    if not said:
        return ""
    return f"You told me {said}, {speaker}!"
