"""Limits and cleaning rules shared by persona files and Character Card import.

Policy: a text field longer than its cap is *rejected* (the user gets a clear
reason and nothing is half-imported); list-like data (lore entries, examples,
tags, catchphrases) beyond its cap is *dropped* with a logged warning, because
big lorebooks are normal and keeping the first N entries is still useful.
"""

from __future__ import annotations

import math
import re
import unicodedata

from generators.errors import InputError

MAX_FILE_BYTES = 8 * 1024 * 1024  # a card PNG on disk
MAX_CARD_JSON_BYTES = 2 * 1024 * 1024  # decoded card JSON, a card .json file, a persona .toml file
# base64 of 2 MB plus the keyword: a card text chunk bigger than this is refused unread
MAX_CARD_CHUNK_BYTES = (MAX_CARD_JSON_BYTES * 4) // 3 + 64
MAX_TEXT_CHARS = 20_000  # any single text field
MAX_NAME_CHARS = 100
MAX_SHORT_CHARS = 200  # tagline, a tag, a lore key, a catchphrase
MAX_LORE_ENTRIES = 200
MAX_LORE_KEYS = 20
MAX_EXAMPLES = 30
MAX_TAGS = 30
MAX_LANGUAGES = 10
MAX_CATCHPHRASES = 50
MAX_ID_CHARS = 40
MAX_REACTIONS = 20
MAX_REACTION_WORDS = 10
MAX_REACTION_WORD_CHARS = 40
MAX_EMOJI_CHARS = 10  # code points: a ZWJ family or a flag with its modifiers still fits

VOICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,39}$")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
# Bidi embeddings/overrides/isolates can disguise text direction; drop them with the C0/C1 controls.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def strip_controls(text: str) -> str:
    """Normalise newlines; drop control, lone-surrogate and bidi-override characters (keeps \\n, \\t)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in text
        if ch in "\n\t" or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI)
    )


def one_line(text: str) -> str:
    """A name on one line: newlines and other spacing become one space; zero-width, format and other
    invisible characters are dropped."""
    kept = "".join(" " if ch.isspace() else ch for ch in text if ch.isprintable() or ch.isspace())
    return " ".join(kept.split())


class Checker:
    """Type and size checks that raise one InputError key with a readable reason."""

    def __init__(self, error_key: str) -> None:
        self.error_key = error_key

    def fail(self, reason: str) -> InputError:
        """Build the error for `reason`."""
        return InputError(self.error_key, reason=reason)

    def text(self, value: object, where: str, limit: int = MAX_TEXT_CHARS, default: str = "") -> str:
        """A cleaned string no longer than `limit`; None/missing gives `default`."""
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(f"{where} should be text, not {_kind(value)}")
        if len(value) > limit:
            raise self.fail(f"{where} is {len(value):,} characters long; the limit is {limit:,}")
        return strip_controls(value).strip()

    def text_list(self, value: object, where: str, limit: int = MAX_SHORT_CHARS) -> list[str]:
        """A list of cleaned strings (not capped in count here)."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where} should be a list, not {_kind(value)}")
        return [self.text(v, f"{where}[{i}]", limit) for i, v in enumerate(value)]

    def mapping(self, value: object, where: str) -> dict:
        """A dict (None gives an empty one)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where} should be an object, not {_kind(value)}")
        return value

    def integer(self, value: object, where: str, default: int = 0) -> int:
        """An int (floats with no fraction accepted, as JSON writers produce them)."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where} should be a number, not {_kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{where} should be a finite number")
        return max(-(10**9), min(10**9, int(value)))

    def number(self, value: object, where: str, default: float) -> float:
        """A finite float; None/missing gives `default`."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where} should be a number, not {_kind(value)}")
        if not math.isfinite(value):
            raise self.fail(f"{where} should be a finite number")
        return float(value)

    def boolean(self, value: object, where: str, default: bool) -> bool:
        """A bool; None/missing gives `default`."""
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(f"{where} should be true or false, not {_kind(value)}")
        return value


def _kind(value: object) -> str:
    return {
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


# Joiners and modifiers that build one emoji out of several code points.
_EMOJI_GLUE = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def is_emoji(text: str) -> bool:
    """True for one emoji (or a short run of them): symbols, flags, keycaps and their modifiers only;
    no letters, digits alone, spaces, markup or custom-emoji syntax."""
    if not text or len(text) > MAX_EMOJI_CHARS:
        return False
    symbols = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "So" or 0x1F1E6 <= ord(ch) <= 0x1F1FF:  # symbols; regional indicators (flags)
            symbols += 1
        elif ch in _EMOJI_GLUE or 0x1F3FB <= ord(ch) <= 0x1F3FF or 0xE0020 <= ord(ch) <= 0xE007F:
            continue  # joiners, variation selectors, skin tones, tag characters
        elif ch in "#*0123456789" and "\u20e3" in text:
            symbols += 1  # a keycap: 1️⃣
        else:
            return False
    return symbols > 0


def slugify(text: str) -> str:
    """A safe persona id from a name: lowercase ASCII letters, digits, '-' and '_' only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-_")
    return slug[:32].strip("-_") or "persona"


def hashtag(tag: str) -> str:
    """A tag as a hashtag word without '#': 'magical forest' -> 'MagicalForest'."""
    words = re.findall(r"\w+", tag.lstrip("#"))
    if len(words) <= 1:
        return words[0] if words else ""
    return "".join(w[:1].upper() + w[1:] for w in words)
