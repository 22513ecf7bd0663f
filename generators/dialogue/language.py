"""Guess the language of a chat message: by script first, then by a few common words."""

from __future__ import annotations

import re

# (first code point, last code point, language) for scripts that name one language well enough.
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x3040, 0x30FF, "ja"),  # hiragana, katakana
    (0x31F0, 0x31FF, "ja"),
    (0xFF66, 0xFF9F, "ja"),  # half-width katakana
    (0xAC00, 0xD7AF, "ko"),  # hangul syllables
    (0x1100, 0x11FF, "ko"),
    (0x3130, 0x318F, "ko"),
    (0x4E00, 0x9FFF, "zh"),  # CJK unified ideographs
    (0x3400, 0x4DBF, "zh"),
    (0x0400, 0x04FF, "ru"),  # cyrillic
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x0590, 0x05FF, "he"),
    (0x0370, 0x03FF, "el"),
    (0x0900, 0x097F, "hi"),  # devanagari
    (0x0E00, 0x0E7F, "th"),
)

_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and you is are what how i my me your to of it this that do can with for have hello hi".split()
    ),
    "fr": frozenset(
        "le la les et est je tu vous nous un une des du que qui pas bonjour merci avec pour mon ma "
        "ton c'est suis êtes où comment".split()
    ),
    "es": frozenset(
        "el la los las y es yo tú usted un una que qué no hola gracias con para mi por cómo dónde "
        "estás eres soy muy".split()
    ),
    "de": frozenset(
        "der die das und ist ich du sie wir ein eine nicht hallo danke mit für mein wie wo bist "
        "bin auch sehr".split()
    ),
}
_WORD_RE = re.compile(r"[a-zà-öø-ÿ']+")
_ACCENTS = {"es": "ñ¿¡", "de": "ßäöü", "fr": "çèêëàâîïôûœ"}


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for lo, hi, lang in _SCRIPTS:
        if lo <= cp <= hi:
            return lang
    return None


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`'s language (script first, then common words); 'en' when unsure."""
    counts: dict[str, int] = {}
    latin = 0
    sample = text[:2000]
    for ch in "" if sample.isascii() else sample:  # ASCII has no script to count
        lang = _script_of(ch)
        if lang:
            counts[lang] = counts.get(lang, 0) + 1
        elif ch.isalpha():
            latin += 1
    if counts:
        # Kana mark Japanese even when most characters are kanji.
        if counts.get("ja"):
            return "ja"
        best = max(counts, key=lambda k: counts[k])
        if counts[best] >= latin / 2:
            return best
    lowered = sample.lower()
    words = _WORD_RE.findall(lowered)
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    for lang, marks in _ACCENTS.items():
        scores[lang] += sum(lowered.count(m) for m in marks)
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    return best if scores[best] > 0 else "en"
