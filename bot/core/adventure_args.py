"""Parse `/adventure` arguments: place text, seed, format, style and friends."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.errors import UserFacingError
from generators.images.formats import DEFAULT_FORMAT, FORMAT_NAMES, FORMAT_WORDS

MAX_SEED = 2**32 - 1
_SEED = re.compile(r"(?:^|\s)seed\s*[:=：]?\s*(\S+)", re.I)
_FORMAT = re.compile(r"(?:^|\s)(?:format|fmt|格式)\s*[:=：]\s*(\S+)", re.I)
_STYLE = re.compile(r"(?:^|\s)style\s*[:=：]\s*([\w-]{1,24})", re.I)
_WITH = re.compile(r"(?:^|\s)(?:with|和|跟|与)\s*((?:@\S+\s*(?:and|,|&|和)?\s*)+)$", re.I)
_BARE_FORMAT = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, FORMAT_NAMES)) + r")(?=\s|$)")


@dataclass(frozen=True)
class AdventureArgs:
    """What the user asked for."""

    place: str
    seed: int | None = None
    fmt: str = DEFAULT_FORMAT
    style: str | None = None
    friends: tuple[str, ...] = ()


def parse_seed(raw: str) -> int:
    """A seed from text; accepts any Unicode decimal digits; rejects negatives and huge values."""
    raw = unicodedata.normalize("NFKC", raw).strip()
    if raw.startswith("-"):
        raise UserFacingError("seed_invalid", value=raw[:24], max=MAX_SEED)
    if not raw or not all(ch.isdecimal() for ch in raw) or len(raw) > 12:
        raise UserFacingError("seed_invalid", value=raw[:24], max=MAX_SEED)
    value = int(raw)
    if value > MAX_SEED:
        raise UserFacingError("seed_invalid", value=raw[:24], max=MAX_SEED)
    return value


def parse_adventure_args(text: str) -> AdventureArgs:
    """Split `/adventure` arguments into the place and its options."""
    text = " " + text.strip() + " "
    seed = fmt = style = None
    friends: tuple[str, ...] = ()
    if m := _SEED.search(text):
        seed = parse_seed(m.group(1))
        text = text[: m.start()] + " " + text[m.end() :]
    if m := _FORMAT.search(text):
        word = m.group(1).lower()
        if word not in FORMAT_WORDS:
            raise UserFacingError("format_invalid", value=word[:12])
        fmt = FORMAT_WORDS[word]
        text = text[: m.start()] + " " + text[m.end() :]
    elif m := _BARE_FORMAT.search(text):
        fmt = m.group(1)
        text = text[: m.start()] + " " + text[m.end() :]
    if m := _STYLE.search(text):
        style = m.group(1).lower()
        text = text[: m.start()] + " " + text[m.end() :]
    if m := _WITH.search(text.rstrip()):
        friends = tuple(f.lstrip("@").strip(",&") for f in re.findall(r"@\S+", m.group(1)))
        text = text[: m.start()]
    return AdventureArgs(
        place=" ".join(text.split()), seed=seed, fmt=fmt or DEFAULT_FORMAT, style=style, friends=friends
    )
