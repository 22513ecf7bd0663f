"""Scripts, languages and names: which script a text uses, what its language is called, clean names.

The bot and the generators both use it, so it lives in generators/ and imports nothing from the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Range = tuple[int, int]

# One definition of each East Asian script (first and last code point, inclusive).
HAN: tuple[Range, ...] = (
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x323AF),  # extensions B to H and the compatibility supplement
)
KANA: tuple[Range, ...] = (
    (0x3040, 0x309F),  # hiragana
    (0x30A0, 0x30FF),  # katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xFF66, 0xFF9F),  # half-width katakana
)
HANGUL: tuple[Range, ...] = (
    (0x1100, 0x11FF),  # jamo
    (0x3130, 0x318F),  # compatibility jamo
    (0xAC00, 0xD7AF),  # syllables
)
CJK: tuple[Range, ...] = HAN + KANA + HANGUL
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})

# Scripts that name one language well enough, in the order detect_language checks them.
SCRIPT_LANGUAGES: tuple[tuple[str, tuple[Range, ...]], ...] = (
    ("ja", KANA),
    ("ko", HANGUL),
    ("zh", HAN),
    ("ru", ((0x0400, 0x04FF),)),  # cyrillic
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F))),
    ("he", ((0x0590, 0x05FF),)),
    ("el", ((0x0370, 0x03FF),)),
    ("hi", ((0x0900, 0x097F),)),  # devanagari
    ("th", ((0x0E00, 0x0E7F),)),
)


def _char_class(ranges: tuple[Range, ...]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]")


_HAN_RE = _char_class(HAN)
_CJK_RE = _char_class(CJK)
_CJK_RUN_RE = re.compile(_CJK_RE.pattern + "+")
_SCRIPT_TABLE: tuple[tuple[int, int, str], ...] = tuple(
    (lo, hi, lang) for lang, ranges in SCRIPT_LANGUAGES for lo, hi in ranges
)


def has_han(text: str) -> bool:
    """True when `text` holds a Chinese character (hanzi, kanji, hanja)."""
    return _HAN_RE.search(text) is not None


def has_cjk(text: str) -> bool:
    """True when `text` holds a Chinese character, kana or hangul (text that needs a CJK font)."""
    return _CJK_RE.search(text) is not None


def count_han(text: str) -> int:
    """How many Chinese characters `text` holds."""
    return len(_HAN_RE.findall(text))


def count_cjk(text: str) -> int:
    """How many Chinese characters, kana and hangul `text` holds."""
    return len(_CJK_RE.findall(text))


def cjk_runs(text: str) -> list[str]:
    """The unbroken runs of Chinese characters, kana and hangul in `text`."""
    return _CJK_RUN_RE.findall(text)


def script_language(ch: str) -> str | None:
    """The language a character's script names (kana: 'ja', hangul: 'ko', han: 'zh', ...), else None."""
    cp = ord(ch)
    for lo, hi, lang in _SCRIPT_TABLE:
        if lo <= cp <= hi:
            return lang
    return None


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


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`'s language (script first, then common words); 'en' when unsure."""
    counts: dict[str, int] = {}
    latin = 0
    sample = text[:2000]
    for ch in "" if sample.isascii() else sample:  # ASCII has no script to count
        lang = script_language(ch)
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


@dataclass(frozen=True, slots=True)
class Language:
    """A language's names: in English, in Chinese, and its own name when that helps a model."""

    english: str
    chinese: str
    native: str = ""


LANGUAGES: dict[str, Language] = {
    "en": Language("English", "英语"),
    "zh": Language("Chinese", "中文", "中文"),
    "ja": Language("Japanese", "日语", "日本語"),
    "ko": Language("Korean", "韩语", "한국어"),
    "fr": Language("French", "法语", "français"),
    "es": Language("Spanish", "西班牙语", "español"),
    "de": Language("German", "德语", "Deutsch"),
    "ru": Language("Russian", "俄语", "русский"),
    "ar": Language("Arabic", "阿拉伯语", "العربية"),
    "he": Language("Hebrew", "希伯来语"),
    "el": Language("Greek", "希腊语"),
    "hi": Language("Hindi", "印地语"),
    "th": Language("Thai", "泰语"),
    "it": Language("Italian", "意大利语"),
    "pt": Language("Portuguese", "葡萄牙语"),
}


def language_name(code: str, in_lang: str = "en") -> str:
    """The name of language `code` written in `in_lang` ('zh' gives Chinese, anything else English).

    An unknown code is returned as it is.
    """
    found = LANGUAGES.get(code)
    if found is None:
        return code
    return found.chinese if in_lang == "zh" else found.english


def prompt_language_name(code: str) -> str:
    """The English name plus the language's own name, for a model's instructions: 'Chinese (中文)'."""
    found = LANGUAGES.get(code)
    if found is None:
        return code
    return f"{found.english} ({found.native})" if found.native else found.english


NAME_MAX = 40


def clean_name(name: str, limit: int = NAME_MAX, *, fallback: str = "") -> str:
    """A display name on one line: whitespace collapsed, control and format characters removed,
    at most `limit` characters; `fallback` when nothing is left."""
    kept = "".join(" " if ch.isspace() else ch for ch in name if ch.isprintable() or ch.isspace())
    return " ".join(kept.split())[:limit].strip() or fallback
