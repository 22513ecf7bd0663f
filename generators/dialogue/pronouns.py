"""A person's first-person facts restated about them ("I'm a nurse" -> "Ana is a nurse").

A small model shown "I'm a nurse" in its prompt tends to say it as its own line; written about
the person, the fact is something it knows rather than something it says.
"""

from __future__ import annotations

import re

_IRREGULAR = {"am": "is", "'m": "is", "have": "has", "do": "does", "go": "goes", "was": "was", "can": "can"}
_MODALS = {"can", "could", "will", "would", "should", "must", "might", "may", "was", "did", "had", "used"}
_OBJECT = {"me": "them", "myself": "themselves", "mine": "theirs"}
_LEAD = re.compile(r"^\s*i(?:\s+|(?='m\b))(?P<rest>.*)$", re.I | re.S)


def _third_person_verb(verb: str) -> str:
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _MODALS or not low.isalpha():
        return verb
    if low.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _rest_words(text: str, name: str) -> str:
    text = re.sub(r"\bmy\b", f"{name}'s", text, flags=re.I)
    return re.sub(r"\b(me|myself|mine)\b", lambda m: _OBJECT[m.group(1).lower()], text, flags=re.I)


def about(fact: str, name: str) -> str:
    """`fact` as a statement about `name`; text that is not a simple English self-statement is
    returned as "name said: fact"."""
    text = fact.strip().rstrip(".!")
    if not text:
        return text
    m = _LEAD.match(text)
    if m:
        rest = m.group("rest").strip()
        if rest.lower().startswith("'m"):
            return f"{name} is {_rest_words(rest[2:].strip(), name)}."
        verb, _, tail = rest.partition(" ")
        return f"{name} {_third_person_verb(verb)} {_rest_words(tail, name)}".rstrip() + "."
    if re.match(r"^\s*my\b", text, re.I):
        return _rest_words(text, name)[:1].upper() + _rest_words(text, name)[1:] + "."
    if text.isascii():
        return f"{name} said: {text}."
    return f"{name}: {text}"


_YOU = {
    "i": "you",
    "i'm": "you're",
    "am": "are",
    "my": "your",
    "me": "you",
    "myself": "yourself",
    "mine": "yours",
    "was": "were",
}


def to_you(fact: str) -> str:
    """A first-person fact told back to its author: "I'm a nurse" -> "you're a nurse"."""
    words = fact.strip().rstrip(".!").split(" ")
    out = [_YOU.get(w.lower(), w) if w.lower() in _YOU else w for w in words]
    return " ".join(out)
