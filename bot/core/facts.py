"""Spot simple self-statements ("my name is…", "I love…", "我喜欢…") worth remembering."""

from __future__ import annotations

import re

MAX_FACT_CHARS = 300

_PATTERNS = [
    re.compile(r"\b(my name is|call me|i am called|i'm called)\s+[^.!?\n]{1,60}", re.I),
    re.compile(r"\bi (love|like|adore|enjoy|hate|dislike)\s+[^.!?\n]{2,120}", re.I),
    re.compile(r"\bi(?:'m| am) from\s+[^.!?\n]{2,80}", re.I),
    re.compile(r"\bi live in\s+[^.!?\n]{2,80}", re.I),
    re.compile(r"\bmy favou?rite\s+[^.!?\n]{2,120}", re.I),
    re.compile(r"\bi(?:'m| am) (?:a|an)\s+[^.!?\n]{2,60}", re.I),
    re.compile(r"我(叫|的名字是|喜欢|爱|讨厌|来自|住在|是一名|最喜欢)[^。！？，,\n]{1,60}"),
]

_CONJUNCTION = re.compile(r"\s+(?:and|but)\s+(?=i\b|i'm\b|my\b)|[,，]\s*(?=i\b|my\b|我)", re.I)
_NOT_FACTS = re.compile(r"\b(i love (it|that|this|you)|i like (it|that|this|you))\b", re.I)


def extract_facts(text: str) -> list[str]:
    """Return self-statements found in `text`, each as a short sentence."""
    if not text or len(text) > 2000:
        return []
    found: list[str] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            # "my name is Ana and I love tea" holds two facts; the other pattern finds the second.
            fact = _CONJUNCTION.split(m.group(0), maxsplit=1)[0].strip(" ,;:")
            if _NOT_FACTS.fullmatch(fact.strip()):
                continue
            fact = fact[0].upper() + fact[1:]
            if fact not in found:
                found.append(fact[:MAX_FACT_CHARS])
    return found
