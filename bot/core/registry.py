"""Every command declared once: names, texts in English and Chinese, typed options, flags and handler.

The Discord app-command tree, Telegram's command menu, the playground's quick buttons and `/help` are all
generated from a `Registry`. Typed text (`/adventure paris seed:4 with @Ana Maria`) is parsed here, once,
into the same structured `Command` that Discord builds from its interaction options.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.models import Attachment, Command, Mention, OptionValue, User
from bot.core.router import parse_command

Handler = Callable[[Context], Awaitable[None]]
# A button action: `handler(ctx, arg)` for an action string `name:arg`, e.g. `forget:yes`.
ActionHandler = Callable[[Context, str], Awaitable[None]]
# A suggestion source: (what the user typed so far, their locale) -> [(label, value)], best first.
SuggestionSource = Callable[[str, str], list[tuple[str, str]]]


class Kind(StrEnum):
    """The type of an option's value."""

    TEXT = "text"  # str
    INTEGER = "integer"  # int
    CHOICE = "choice"  # str, one of `choices`
    ATTACHMENT = "attachment"  # Attachment
    USER = "user"  # tuple[Mention, ...]
    CHANNEL = "channel"  # tuple[str, ...] of platform ids
    ROLE = "role"  # tuple[str, ...] of platform ids


@dataclass(frozen=True, slots=True)
class Words:
    """A short text in English and Chinese."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        """The text in `lang` (English unless Chinese is asked for)."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True)
class Option:
    """One typed option of a command.

    Typed text finds it by `keywords` (`seed:42`), as a bare choice (`9:16`), after a lead word
    (`with @Ana`), or by position; the last positional TEXT option takes the rest of the line.
    """

    name: str
    kind: Kind
    description: Words
    required: bool = False
    choices: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)  # typed word -> choice
    keywords: tuple[str, ...] = ()
    bare: bool = False  # a choice may be typed on its own
    lead_words: tuple[str, ...] = ()  # USER: typed after one of these, e.g. "with"
    pattern: str = r"\S+"  # what a keyword's value may look like
    autocomplete: str | None = None  # name of a suggestion source
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    error: str = "bad_argument"  # message key when a typed value is invalid


@dataclass(frozen=True)
class CommandSpec:
    """A command (or a subcommand) and where it is shown.

    A command with `subcommands` is a group: typed text picks the subcommand by its first word, and
    `handler` (if any) answers when no subcommand was given.
    """

    name: str
    description: Words
    handler: Handler | None = None
    options: tuple[Option, ...] = ()
    subcommands: tuple[CommandSpec, ...] = ()
    aliases: tuple[str, ...] = ()
    usage: Words | None = None  # argument summary shown in /help, e.g. "PLACE [seed:N]"
    private: bool = False  # answered only to the caller where the platform can
    admin: bool = False  # changes server settings; platforms show it to admins
    in_help: bool = True
    in_menu: bool = True  # Telegram's command menu and Discord's tree
    platforms: frozenset[str] | None = None  # None: everywhere
    quick: str | None = None  # text of a playground quick button

    def sub(self, name: str) -> CommandSpec | None:
        """The subcommand called `name` (or one of its aliases)."""
        for spec in self.subcommands:
            if name == spec.name or name in spec.aliases:
                return spec
        return None

    def shown_on(self, platform: str) -> bool:
        """Whether the command belongs in `platform`'s menu."""
        return self.in_menu and (self.platforms is None or platform in self.platforms)


class Registry:
    """The table of commands, button actions and suggestion sources every adapter and `/help` read."""

    def __init__(self, specs: tuple[CommandSpec, ...] | list[CommandSpec] = ()) -> None:
        self._specs: dict[str, CommandSpec] = {}
        self._names: dict[str, CommandSpec] = {}
        self._sources: dict[str, SuggestionSource] = {}
        self._actions: dict[str, ActionHandler] = {}
        for spec in specs:
            self.add(spec)

    def add_action(self, name: str, handler: ActionHandler) -> None:
        """Declare a button action `name` (pressed as `name:arg`)."""
        if name in self._actions:
            raise ValueError(f"button action {name!r} is declared twice")
        self._actions[name] = handler

    def action(self, name: str) -> ActionHandler | None:
        """The handler of a button action."""
        return self._actions.get(name)

    def add(self, spec: CommandSpec) -> None:
        """Declare a command; its name and aliases must be new."""
        for key in (spec.name, *spec.aliases):
            if key in self._names:
                raise ValueError(f"command name /{key} is declared twice")
            self._names[key] = spec
        self._specs[spec.name] = spec

    def add_source(self, name: str, source: SuggestionSource) -> None:
        """Register a suggestion source (landmarks, personas) for options that autocomplete."""
        self._sources[name] = source

    def suggestions(self, source: str, typed: str, locale: str) -> list[tuple[str, str]]:
        """Suggestions for an option: (label, value) pairs, best first; [] for an unknown source."""
        fn = self._sources.get(source)
        return fn(typed, locale) if fn is not None else []

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs.values())

    def resolve(self, name: str) -> CommandSpec | None:
        """The command called `name` or one of its aliases."""
        return self._names.get(name)

    def suggest(self, name: str) -> str | None:
        """The closest known command name, for typos."""
        close = difflib.get_close_matches(name, list(self._names), n=1, cutoff=0.6)
        return close[0] if close else None

    @property
    def names(self) -> list[str]:
        """Primary command names."""
        return sorted(self._specs)

    def menu(self, platform: str) -> list[CommandSpec]:
        """The commands a platform lists, in declaration order."""
        return [spec for spec in self if spec.shown_on(platform)]

    def help_lines(self, lang: str) -> list[str]:
        """One `/name usage: description` line per command listed in /help."""
        lines = []
        for spec in self:
            if not spec.in_help:
                continue
            usage = spec.usage.get(lang) if spec.usage else ""
            head = f"/{spec.name} {usage}".rstrip()
            sep = "：" if lang == "zh" else ": "
            lines.append(f"{head}{sep}{spec.description.get(lang)}")
        return lines

    def quick_buttons(self) -> list[dict[str, str]]:
        """The playground's quick buttons: label and the text each one sends."""
        return [{"label": spec.quick, "command": spec.quick} for spec in self if spec.quick]

    def accepts_attachment(self, text: str) -> bool:
        """Whether typed text is a command (or subcommand) that takes a picture."""
        head = parse_command(text)
        spec = self.resolve(head.name) if head else None
        if spec is None or head is None:
            return False
        return any(o.kind is Kind.ATTACHMENT for s in (spec, *spec.subcommands) for o in s.options)

    def is_admin_command(self, text: str) -> bool:
        """Whether typed text is an admin command (its handler reads `User.is_admin`)."""
        head = parse_command(text)
        spec = self.resolve(head.name) if head else None
        return spec is not None and spec.admin

    # ------------------------------------------------------------------ typed text -> Command
    def parse(
        self,
        text: str,
        *,
        mentioned: tuple[User, ...] = (),
        attachments: tuple[Attachment, ...] = (),
    ) -> Command | None:
        """Parse typed text into a structured command; None for plain text.

        The name may be unknown (the caller says so); option values are parsed only for known ones.
        """
        head = parse_command(text)
        if head is None:
            return None
        spec = self.resolve(head.name)
        if spec is None:
            return head
        return self.parse_options(spec, head.args, mentioned=mentioned, attachments=attachments)

    def parse_options(
        self,
        spec: CommandSpec,
        args: str,
        *,
        mentioned: tuple[User, ...] = (),
        attachments: tuple[Attachment, ...] = (),
    ) -> Command:
        """Parse a known command's argument text into typed option values."""
        sub: str | None = None
        target = spec
        if spec.subcommands:
            first, _, rest = args.strip().partition(" ")
            chosen = spec.sub(first.lower()) if first else None
            if chosen is not None:
                sub, target, args = chosen.name, chosen, rest
        values = parse_values(target.options, args, mentioned=mentioned, attachments=attachments)
        args = args.strip()
        return Command(name=spec.name, args=args, argv=tuple(args.split()), sub=sub, options=values)


def parse_values(
    options: tuple[Option, ...],
    text: str,
    *,
    mentioned: tuple[User, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> dict[str, OptionValue]:
    """Typed option values from argument text: keywords first, then lead words, then positions."""
    rest = " " + text.strip() + " "
    values: dict[str, OptionValue] = {}
    for opt in options:
        if opt.kind is Kind.ATTACHMENT:
            if attachments:
                values[opt.name] = attachments[0]
            continue
        if not opt.keywords:
            continue
        words = "|".join(re.escape(k) for k in opt.keywords)
        sep = r"[:=：]?" if opt.kind is Kind.INTEGER else r"[:=：]"
        if m := re.search(rf"(?:^|\s)(?:{words})\s*{sep}\s*({opt.pattern})", rest, re.I):
            values[opt.name] = convert(opt, m.group(1))
            rest = rest[: m.start()] + " " + rest[m.end() :]
    for opt in options:
        if opt.name in values or not opt.bare or not opt.choices:
            continue
        bare = "|".join(re.escape(c) for c in opt.choices)
        if m := re.search(rf"(?:^|\s)({bare})(?=\s|$)", rest):
            values[opt.name] = m.group(1)
            rest = rest[: m.start()] + " " + rest[m.end() :]
    for opt in options:
        if opt.kind is not Kind.USER or not opt.lead_words:
            continue
        lead = "|".join(re.escape(w) for w in opt.lead_words)
        if m := re.search(rf"(?:^|\s)(?:{lead})\s*((?:@|<@).*)$", rest.rstrip(), re.I):
            values[opt.name] = mentions_in(m.group(1), mentioned)
            rest = rest[: m.start()]
    positional = [
        o
        for o in options
        if o.name not in values and not o.keywords and not o.lead_words and o.kind is not Kind.ATTACHMENT
    ]
    for i, opt in enumerate(positional):
        last = i == len(positional) - 1
        rest = rest.strip()
        if not rest:
            break
        if last or opt.kind in (Kind.CHANNEL, Kind.ROLE):
            raw, rest = rest, ""
        else:
            raw, _, rest = rest.partition(" ")
        values[opt.name] = convert(opt, raw, mentioned)
    return values


def convert(opt: Option, raw: str, mentioned: tuple[User, ...] = ()) -> OptionValue:
    """One typed value as the option's type; invalid values raise the option's error."""
    raw = raw.strip()
    if opt.kind is Kind.INTEGER:
        return parse_int(raw, opt)
    if opt.kind is Kind.CHOICE:
        word = raw.lower()
        value = opt.synonyms.get(word, word)
        if value not in opt.choices:
            raise UserFacingError(opt.error, value=word[:12], usage="")
        return value
    if opt.kind is Kind.USER:
        return mentions_in(raw, mentioned)
    if opt.kind in (Kind.CHANNEL, Kind.ROLE):
        return tuple(w.strip("<#@&!>") for w in raw.split())
    return raw


def clean_text(opt: Option, value: str) -> str | None:
    """A free-text value given through a platform's own form, cut to what typed text would accept."""
    if opt.pattern == r"\S+":
        return value
    m = re.search(opt.pattern, value)
    return m.group(0) if m else None


def parse_int(raw: str, opt: Option) -> int:
    """An integer from text; any Unicode decimal digits; out-of-range values raise the option's error."""
    raw = unicodedata.normalize("NFKC", raw).strip()
    fail = UserFacingError(opt.error, value=raw[:24], max=opt.max_value)
    if not raw or not all(ch.isdecimal() for ch in raw) or len(raw) > 12:
        raise fail
    value = int(raw)
    if (opt.min_value is not None and value < opt.min_value) or (
        opt.max_value is not None and value > opt.max_value
    ):
        raise fail
    return value


_SEPARATORS = re.compile(r"\s*(?:,|&|\band\b|和)\s*", re.I)


def mentions_in(text: str, mentioned: tuple[User, ...]) -> tuple[Mention, ...]:
    """People named in `@Ana Maria and @Ben` (or `<@123>`), matched to the users the platform resolved.

    A name may hold spaces: the longest display name of a mentioned user that the text starts with wins.
    """
    found: list[Mention] = []
    for part in _SEPARATORS.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        if m := re.fullmatch(r"<@!?(\d+)>", part):
            user = next((u for u in mentioned if u.platform_id == m.group(1)), None)
            found.append(Mention(user.display_name if user else part, user))
            continue
        name = part.removeprefix("@").strip()
        if not name:
            continue
        user = _by_name(name, mentioned)
        found.append(Mention(user.display_name if user else name, user))
    return tuple(found)


def _by_name(name: str, mentioned: tuple[User, ...]) -> User | None:
    low = name.casefold()
    for user in sorted(mentioned, key=lambda u: -len(u.display_name)):
        for known in (user.display_name.casefold(), user.platform_id.casefold()):
            if known and low.startswith(known) and (len(low) == len(known) or not low[len(known)].isalnum()):
                return user
    return None
