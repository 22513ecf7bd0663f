"""Text made ready to speak: symbols and markup dropped, script checked, length capped."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from generators.lang import detect_language
from generators.voice.base import SpeechUnsupported

# More letters than this share of an unreadable script and the text is refused, not mangled.
MAX_UNREADABLE_SHARE = 0.2
_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’）)]*\s*")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MARKUP = str.maketrans({c: " " for c in "*_~`#|<>[]{}\\^="})


@dataclass(frozen=True, slots=True)
class SpeakableText:
    """Text an engine can read, its language, and whether it was shortened."""

    text: str
    language: str
    truncated: bool


def is_latin_letter(ch: str) -> bool:
    """A letter of the Latin script (every eSpeak NG voice reads these)."""
    cp = ord(ch)
    return ch.isalpha() and (cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF)


def clean(text: str) -> str:
    """NFC text without links, markup characters, symbols (emoji), or control characters."""
    text = _URL.sub(" ", unicodedata.normalize("NFC", text)).translate(_MARKUP)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif cat[0] in "LNP" or cat in ("Mn", "Mc"):
            kept.append(ch)
        else:
            kept.append(" ")  # symbols, emoji, controls, format characters
    return " ".join("".join(kept).split())


def cap(text: str, max_chars: int) -> tuple[str, bool]:
    """At most `max_chars` characters, cut after a sentence (else a space) when one is near the end."""
    if len(text) <= max_chars:
        return text, False
    head = text[:max_chars]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= max_chars // 2:
        return head[: ends[-1]].strip(), True
    space = head.rfind(" ")
    return (head[:space] if space >= max_chars // 2 else head).strip(), True


def prepare(
    text: str,
    *,
    language: str | None,
    languages: frozenset[str] | None,
    reads: Callable[[str, str], bool],
    max_chars: int,
) -> SpeakableText:
    """Clean, check and cap `text` for an engine; SpeechUnsupported when it cannot be spoken."""
    cleaned = clean(text)
    lang = language or detect_language(cleaned)
    if languages is not None and lang not in languages:
        raise SpeechUnsupported("voice_unsupported", language=lang)
    letters = [ch for ch in cleaned if ch.isalpha()]
    unreadable = {ch for ch in letters if not reads(lang, ch)}
    if letters and sum(ch in unreadable for ch in letters) > MAX_UNREADABLE_SHARE * len(letters):
        raise SpeechUnsupported("voice_unsupported_script")
    if unreadable:  # a few stray letters of another script: left out rather than spelled as noise
        cleaned = " ".join("".join(" " if ch in unreadable else ch for ch in cleaned).split())
    if not any(ch.isalnum() for ch in cleaned):
        raise SpeechUnsupported("voice_empty")
    capped, truncated = cap(cleaned, max_chars)
    return SpeakableText(capped, lang, truncated)
