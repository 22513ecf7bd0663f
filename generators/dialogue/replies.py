"""Cleaning a generated reply: cut at stops, drop name prefixes and repeats, spot loops and drift."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from generators.dialogue.stops import clean_text, cut_at_stop
from generators.lang import CJK_LANGUAGES, count_cjk, detect_language

_SENTENCE_END = re.compile(r"(?:[.!?…]+[\"'”’)\]」』）]*(?=\s|$)|[。！？]+[”’」』）]*)")


def _ends_cleanly(text: str) -> bool:
    last = text[-1]
    if last in ".!?…。！？\"'”’)]」』）~":
        return True
    return unicodedata.category(last) in ("So", "Sk")  # emoji and symbols close a line naturally


_SENTENCE_PIECE = re.compile(r".*?(?:[.!?]+(?=\s|$)|[。！？]+|$)\s*")


def _drop_repeats(text: str) -> str:
    """Remove sentences the reply already said (small models loop)."""
    seen: set[str] = set()
    lines = []
    for line in text.split("\n"):
        kept = []
        for m in _SENTENCE_PIECE.finditer(line):
            piece = m.group(0)
            key = " ".join(piece.lower().split())
            if not key:
                continue
            if key not in seen:
                seen.add(key)
                kept.append(piece)
        if kept or not line.strip():
            lines.append("".join(kept).rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _strip_name_prefix(text: str, names: Sequence[str]) -> str:
    """Remove one leading 'Name:' (optionally **bold**) for any of `names`; plain string ops, no regex."""
    head = text.lstrip()
    body = head[2:] if head.startswith("**") else head
    lowered = body.lower()
    for name in names:
        if not lowered.startswith(name.lower()):
            continue
        rest = body[len(name) :]
        rest = rest[2:] if rest.startswith("**") else rest
        rest = rest.lstrip()
        if rest[:1] in (":", "："):
            rest = rest[1:]
            rest = rest[2:] if rest.startswith("**") else rest
            return rest.lstrip()
    return text


def trim_reply(text: str, stop: tuple[str, ...], names: Sequence[str] = ()) -> str:
    """Cut a generated reply at stop sequences, drop 'Name:' prefixes and repeats, end on a whole sentence."""
    text, _ = cut_at_stop(text, stop)
    text = clean_text(text).strip()
    known = [n for n in names if n]
    known += [s[1:-1] for s in stop if s.startswith("\n") and s.endswith(":") and len(s) > 2]
    if known:
        names = sorted(set(known), key=len, reverse=True)
        while True:
            stripped = _strip_name_prefix(text, names)
            if stripped == text or not stripped.strip():
                break
            text = stripped
    text = _drop_repeats(text) or text.strip()
    if not text or _ends_cleanly(text):
        return text
    ends = list(_SENTENCE_END.finditer(text))
    if ends:
        cut = text[: ends[-1].end()].strip()
        if cut:
            return cut
    return text


_RUN = re.compile(r"([^.\s])\1{3,}")
_LONE_NAME = re.compile(r"^\W*[\w ]{1,40}[:：]\W*$")


def is_degenerate(text: str, language: str | None = None) -> bool:
    """True for replies a small model sometimes loops into: no words at all, a bare 'Name:', one
    token over and over, a run of one character (e.g. only emoji), or mostly CJK when the answer
    should be in a language written without it."""
    text = text.strip()
    if _looping(text):
        return True
    if language and language not in CJK_LANGUAGES:
        return detect_language(text) in CJK_LANGUAGES
    return False


@functools.lru_cache(maxsize=8192)  # stored history lines are checked on every prompt
def _looping(text: str) -> bool:
    if not any(ch.isalpha() for ch in text) or _LONE_NAME.match(text):
        return True
    words = text.split()
    if len(words) >= 6 and len(set(words)) <= len(words) // 4:
        return True
    return bool(_RUN.search(text.replace(" ", "")))


def first_paragraph(text: str, max_sentences: int = 3) -> str:
    """The reply up to its first line break when that first line is whole sentences, and at most
    `max_sentences` of them.

    Chat replies should be short, and small models tend to ramble on after a good start; a first
    line that introduces a list ("Three ideas:") keeps what follows.
    """
    text = text.strip()
    head, sep, _rest = text.partition("\n")
    head = head.strip()
    if sep:
        wordy = len(head.split()) >= 2 or count_cjk(head) >= 2  # CJK lines have no spaces to count
        if not (wordy and _ends_cleanly(head) and not head.endswith(":")):
            return text
        text = head
    pieces = [m.group(0) for m in _SENTENCE_PIECE.finditer(text) if m.group(0).strip()]
    return "".join(pieces[:max_sentences]).strip() or text


_GREETING = r"(?:hi|hello|hey|oh|thanks|thank you|dear|well|yes|wow)"


def drop_self_address(text: str, name: str) -> str:
    """Remove the persona talking to itself: "Luna, what a day!" -> "What a day!",
    "Hello Luna! I hope..." -> "Hello! I hope...". Small models copy the way people address it."""
    if not name.strip():
        return text
    n = re.escape(name.strip())
    out = re.sub(rf"\b({_GREETING}),?\s+{n}\b\s*", r"\1", text, flags=re.I)
    out = re.sub(rf"(^|[.!?…]\s+){n}\s*,\s*", r"\1", out, flags=re.I)
    out = re.sub(rf",\s*{n}\s*([.!?])", r"\1", out, flags=re.I)
    out = re.sub(r"(^|[.!?…]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out)
    return out.strip() or text


def _echo_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def echoes(reply: str, said: str) -> bool:
    """True when the whole reply only repeats (part of) what was `said`, ignoring case and
    punctuation ("¡Te gusta la playa?" to "¿Te gusta la playa?")."""
    key = _echo_key(reply)
    return len(key) >= 4 and key in _echo_key(said)


def drop_echo(text: str, said: str) -> str:
    """Remove a first sentence that only says the person's message back ("我今天很累！" answering
    "我今天很累。"), when the reply goes on after it. Small models often start by echoing."""
    if not said.strip():
        return text
    pieces = [m.group(0) for m in _SENTENCE_PIECE.finditer(text) if m.group(0).strip()]
    if len(pieces) < 2:
        return text
    heard = {_echo_key(said)} | {_echo_key(m.group(0)) for m in _SENTENCE_PIECE.finditer(said)}
    if _echo_key(pieces[0]) in heard - {""}:
        rest = "".join(pieces[1:]).strip()
        return rest[:1].upper() + rest[1:]
    return text


def clean_reply(raw: str, stop: tuple[str, ...], persona_name: str, said: str = "") -> str:
    """What the bot shows of a generated reply: cut and trimmed, its first paragraph, without the
    persona addressing itself or opening by echoing what was `said` to it."""
    reply = first_paragraph(trim_reply(raw, stop, names=(persona_name,)))
    return drop_self_address(drop_echo(reply, said), persona_name)
