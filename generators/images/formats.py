"""The postcard formats: the one list that the postcard, the argument parser, adapters and buttons read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PostcardFormat:
    """One postcard shape: its name ("4:5"), aspect ratio, finished pixel size and caption band height."""

    name: str
    ratio: tuple[int, int]
    size: tuple[int, int]
    band: int
    words: tuple[str, ...]  # what users may type for it after `format:` ("portrait", "竖版")


FORMATS: dict[str, PostcardFormat] = {
    f.name: f
    for f in (
        PostcardFormat("1:1", (1, 1), (1080, 1080), 210, ("square", "方形")),
        PostcardFormat("4:5", (4, 5), (1080, 1350), 250, ("portrait", "竖版")),
        PostcardFormat("9:16", (9, 16), (1080, 1920), 300, ("story", "vertical")),
    )
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)
DEFAULT_FORMAT = "1:1"
# Every word `format:` accepts, lower-case, to the format's name.
FORMAT_WORDS: dict[str, str] = {word: f.name for f in FORMATS.values() for word in (f.name, *f.words)}
