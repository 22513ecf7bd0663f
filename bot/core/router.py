"""Parse `/command args` and map command names to handlers."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.models import Command

Handler = Callable[..., Awaitable[None]]


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


@dataclass(frozen=True, slots=True)
class Route:
    """A registered command."""

    name: str
    handler: Handler
    aliases: tuple[str, ...] = ()


class Router:
    """A table of command names (and aliases) to handlers."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}

    def add(self, name: str, handler: Handler, *aliases: str) -> None:
        """Register `handler` for `/name` and its aliases."""
        route = Route(name, handler, aliases)
        for key in (name, *aliases):
            self._routes[key] = route

    def resolve(self, name: str) -> Route | None:
        """The route for a command name, or None."""
        return self._routes.get(name)

    def suggest(self, name: str) -> str | None:
        """The closest known command name, for typos."""
        close = difflib.get_close_matches(name, list(self._routes), n=1, cutoff=0.6)
        return close[0] if close else None

    @property
    def names(self) -> list[str]:
        """Primary command names."""
        return sorted({r.name for r in self._routes.values()})
