"""The options of `/adventure` (place, seed, format, style, friends), declared once for every platform."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.registry import Kind, Option, Words, parse_int, parse_values
from generators.images.formats import DEFAULT_FORMAT, FORMAT_NAMES, FORMAT_WORDS

MAX_SEED = 2**32 - 1

PLACE = Option(
    "place",
    Kind.TEXT,
    Words("A landmark or city, in any language", "任何语言的地标或城市"),
    required=True,
    autocomplete="landmarks",
)
SEED = Option(
    "seed",
    Kind.INTEGER,
    Words("Reproduce an image exactly", "用同一个种子重现图片"),
    keywords=("seed",),
    min_value=0,
    max_value=MAX_SEED,
    error="seed_invalid",
)
FORMAT = Option(
    "format",
    Kind.CHOICE,
    Words("Postcard shape", "明信片形状"),
    choices=FORMAT_NAMES,
    synonyms=FORMAT_WORDS,
    keywords=("format", "fmt", "格式"),
    bare=True,
    error="format_invalid",
)
STYLE = Option(
    "style",
    Kind.TEXT,
    Words("A style word, e.g. watercolor", "风格词，例如 watercolor"),
    keywords=("style",),
    pattern=r"[\w-]{1,24}",
)
FRIEND = Option(
    "friend",
    Kind.USER,
    Words("Bring a friend", "带上一个朋友"),
    lead_words=("with", "和", "跟", "与"),
)
VOICE = Option(
    "voice",
    Kind.CHOICE,
    Words("Add the caption spoken in the persona's voice", "附上角色朗读的配文语音"),
    choices=("voice",),
    synonyms={"spoken": "voice", "speak": "voice", "语音": "voice", "🔊": "voice"},
    bare=True,
)
MOTION = Option(
    "motion",
    Kind.CHOICE,
    Words("Send the postcard as a short animated loop", "把明信片做成一段循环小动画"),
    choices=("motion",),
    synonyms={
        "animated": "motion",
        "animation": "motion",
        "gif": "motion",
        "动图": "motion",
        "动画": "motion",
    },
    bare=True,
)
ADVENTURE_OPTIONS = (PLACE, SEED, FORMAT, STYLE, FRIEND, VOICE, MOTION)


@dataclass(frozen=True)
class AdventureArgs:
    """What the user asked for."""

    place: str
    seed: int | None = None
    fmt: str = DEFAULT_FORMAT
    style: str | None = None
    friends: tuple[str, ...] = ()
    voice: bool = False
    motion: bool = False


def parse_seed(raw: str) -> int:
    """A seed from text; accepts any Unicode decimal digits; rejects negatives and huge values."""
    return parse_int(raw, SEED)


def parse_adventure_args(text: str) -> AdventureArgs:
    """Split typed `/adventure` arguments into the place and its options (the registry's parser)."""
    values = parse_values(ADVENTURE_OPTIONS, text)
    place, seed, fmt, style, friends, voice, motion = (values.get(o.name) for o in ADVENTURE_OPTIONS)
    return AdventureArgs(
        place=" ".join(place.split()) if isinstance(place, str) else "",
        seed=seed if isinstance(seed, int) else None,
        fmt=fmt if isinstance(fmt, str) else DEFAULT_FORMAT,
        style=style.lower() if isinstance(style, str) else None,
        friends=tuple(m.name for m in friends) if isinstance(friends, tuple) else (),
        voice=voice == "voice",
        motion=motion == "motion",
    )
