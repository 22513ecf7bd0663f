"""Normalise typed text and split `/command args` (the registry parses the arguments)."""

from __future__ import annotations

import unicodedata

from bot.core.models import Command


def normalise_text(text: str) -> str:
    """NFKC-normalise, drop zero-width and control characters (keep newlines), and strip."""
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\t":
            kept.append(ch)
        elif cat in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            kept.append(ch)
    return "".join(kept).strip()


def parse_command(text: str) -> Command | None:
    """Parse `/name args` (also `/name@botname args`, full-width slash); None for plain text."""
    if not text or text[0] not in "/／":
        return None
    body = text[1:]
    head, _, args = body.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        args = (more + " " + args).strip()
    name = head.split("@", 1)[0].strip().lower()
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        return None
    args = args.strip()
    return Command(name=name, args=args, argv=tuple(args.split()))
