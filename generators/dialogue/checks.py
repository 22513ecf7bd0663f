"""Automatic checks of one chat reply: what a reader would object to first in a small model's line.

Used to rank candidate replies in the bot and to score replies in bench/dialogue.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from generators.dialogue.replies import _ends_cleanly
from generators.lang import CJK_LANGUAGES, cjk_runs, count_cjk, detect_language

CHECKS = ("complete", "language", "no_copy", "own_voice", "memory", "length")
MIN_WORDS, MAX_WORDS = 2, 60
MIN_CJK, MAX_CJK = 2, 120
COPY_NGRAM = 5  # this many words in a row from an earlier line is a copy
COPY_CJK = 8  # this many Chinese/Japanese/Korean characters in a row (no spaces to count words by)
_WORD = re.compile(r"[\w']+", re.UNICODE)
_FIRST_PERSON = re.compile(r"^(?:i|i'm|i am|my|me)\b", re.I)


@dataclass(frozen=True, slots=True)
class ReplySituation:
    """What a reply is judged against: who speaks, in what language, and what was said before."""

    persona: str
    speaker: str
    language: str  # the language the reply should be in
    user_text: str
    earlier: Sequence[str] = ()  # earlier chat lines (people's and the persona's)
    people_lines: Sequence[str] = ()  # what the people said (their first-person statements)
    others: Sequence[str] = ()  # other people's names in the chat
    expect: Sequence[str] = ()  # words a memory answer must contain (any one of each |-alternative)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Which checks a reply passed and failed."""

    passed: tuple[str, ...]
    failed: tuple[str, ...] = field(default=())

    @property
    def score(self) -> int:
        """Checks passed (higher is better)."""
        return len(self.passed)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s*|\n", text) if s.strip()]


def complete(reply: str) -> bool:
    """Not empty, and ends with a whole sentence (or an emoji)."""
    text = reply.strip()
    return bool(text) and _ends_cleanly(text)


def in_language(reply: str, language: str) -> bool:
    """Written in `language` (CJK by script share, others by word lists, English when unsure)."""
    if language in CJK_LANGUAGES:
        return count_cjk(reply) >= max(2, len(reply.strip()) // 3)
    return detect_language(reply) == language


def _cjk_grams(text: str, n: int) -> set[str]:
    return {run[i : i + n] for run in cjk_runs(text) for i in range(len(run) - n + 1)}


def copies(reply: str, earlier: Sequence[str], n: int = COPY_NGRAM) -> bool:
    """True when the reply repeats `n` words in a row from an earlier line, a whole short line, or
    `COPY_CJK` characters in a row of CJK text (which a word count sees as one long word)."""
    words = _words(reply)
    grams = _ngrams(words, n)
    cjk = _cjk_grams(reply, COPY_CJK)
    norm = " ".join(words)
    for line in earlier:
        theirs = _words(line)
        if len(theirs) >= 3 and " ".join(theirs) == norm:
            return True
        if grams & _ngrams(theirs, n) or cjk & _cjk_grams(line, COPY_CJK):
            return True
    return False


def speaks_as_someone_else(
    reply: str, persona: str, speaker: str, people_lines: Sequence[str], others: Sequence[str]
) -> bool:
    """True when the reply takes a person's words as its own, writes a 'Name:' line for someone,
    introduces itself with another name, or addresses the persona by its own name."""
    low = reply.casefold()
    names = [n for n in (speaker, *others) if n]
    for name in names:
        n = re.escape(name.casefold())
        if re.search(rf"(?:^|\n)\s*\**{n}\**\s*[:：]", low):
            return True
        if re.search(rf"\b(?:i'm|i am|my name is|call me)\s+{n}\b", low):
            return True
        if re.search(rf"(?:^|[.!?,]\s*)\W*{n}\s+here\b", low):  # "Mango here." from Luna
            return True
    if _another_name(reply, persona):
        return True
    p = re.escape(persona.casefold())
    # "Luna, ..." / "Hi Luna" / "Thanks, Luna!" talk to the persona; "I'm Luna" is fine.
    if re.search(rf"(?:^|[.!?]\s+)\W*{p}\s*[,!]", low) or re.search(
        rf"\b(?:hi|hello|hey|thanks|thank you|dear|oh),?\s+{p}\b", low
    ):
        return True
    if re.search(rf",\s*{p}\s*[.!?]", low):
        return True
    for line in people_lines:
        for sentence in _sentences(line):
            words = _words(sentence)
            if len(words) >= 3 and _FIRST_PERSON.match(sentence.strip()):
                if " ".join(words[:3]) in " ".join(_words(reply)):
                    return True
    return False


_INTRO = re.compile(
    r"\b(?:[Mm]y name is|[Cc]all me|I'?m|I am)\s+(?:Dr\.?\s+|Mr\.?\s+|Mrs\.?\s+|Ms\.?\s+)?"
    r"([A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?(?=\s*,|\s*\.|\s*!|\s+(?:a|an|the|your)\b)"
)


def _another_name(reply: str, persona: str) -> bool:
    """The reply introduces itself by a name that is not the persona's: "I'm Sarah, a travel
    blogger", "My name is Dr. Maria Rodriguez." (a name, then a comma, a stop or "a/the/your")."""
    own = {w.casefold() for w in re.findall(r"\w+", persona)}
    return any(m.group(1).casefold() not in own for m in _INTRO.finditer(reply))


def answers_memory(reply: str, expect: Sequence[str]) -> bool:
    """Every expected item appears in the reply (an item 'a|b' accepts either)."""
    low = reply.casefold()
    return all(any(alt.casefold() in low for alt in item.split("|")) for item in expect)


def good_length(reply: str) -> bool:
    """Between 2 and 60 words (2 and 120 CJK characters)."""
    cjk = count_cjk(reply)
    if cjk > len(reply) / 3:
        return MIN_CJK <= cjk <= MAX_CJK
    return MIN_WORDS <= len(_words(reply)) <= MAX_WORDS


def check_reply(reply: str, situation: ReplySituation) -> CheckResult:
    """Run every check on `reply`; `memory` passes trivially when nothing is expected."""
    results = {
        "complete": complete(reply),
        "language": in_language(reply, situation.language),
        "no_copy": not copies(reply, [*situation.earlier, situation.user_text]),
        "own_voice": not speaks_as_someone_else(
            reply, situation.persona, situation.speaker, situation.people_lines, situation.others
        ),
        "memory": answers_memory(reply, situation.expect),
        "length": good_length(reply),
    }
    return CheckResult(
        passed=tuple(k for k in CHECKS if results[k]), failed=tuple(k for k in CHECKS if not results[k])
    )
