"""Discord's app-command tree, generated from the command registry."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Literal, Optional

import discord
from discord import app_commands

from bot.core.registry import CommandSpec, Kind, Option, Registry, Words

log = logging.getLogger(__name__)

PLATFORM = "discord"
OptionInput = str | int | discord.Attachment | discord.abc.User | discord.abc.GuildChannel | discord.Role
# Called for each slash command: (interaction, command, subcommand or None, the option values Discord sent).
Runner = Callable[
    [discord.Interaction, CommandSpec, CommandSpec | None, dict[str, OptionInput]], Awaitable[None]
]
# (interaction, source name, what the user typed) -> [(label, value)]
Suggester = Callable[[discord.Interaction, str, str], list[tuple[str, str]]]


def _text(words: Words, limit: int = 100) -> app_commands.locale_str:
    """A description Discord shows in the client's language (Chinese through `Translator`)."""
    return app_commands.locale_str(words.en[:limit], zh=words.zh[:limit])


class Translator(app_commands.Translator):
    """Gives Discord the Chinese texts declared in the registry for zh-CN and zh-TW clients."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Chinese text for Chinese clients; None (the English default) otherwise."""
        if locale in (discord.Locale.chinese, discord.Locale.taiwan_chinese):
            return string.extras.get("zh")
        return None


def _annotation(opt: Option) -> object:
    """The Python annotation from which discord.py derives the option's Discord type."""
    match opt.kind:
        case Kind.INTEGER:
            low = opt.min_value if opt.min_value is not None else -(2**53)
            high = opt.max_value if opt.max_value is not None else 2**53
            return app_commands.Range[int, low, high]
        case Kind.CHOICE:
            return Literal[opt.choices]
        case Kind.ATTACHMENT:
            return discord.Attachment
        case Kind.USER:
            return discord.Member
        case Kind.CHANNEL:
            return discord.TextChannel
        case Kind.ROLE:
            return discord.Role
        case _:
            if opt.max_length is not None:
                return app_commands.Range[str, 1, opt.max_length]
            return str


def _command(
    spec: CommandSpec, sub: CommandSpec | None, run: Runner, suggest: Suggester
) -> app_commands.Command:
    target = sub or spec

    async def callback(interaction: discord.Interaction, **values: OptionInput) -> None:
        await run(interaction, spec, sub, values)

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for opt in sorted(target.options, key=lambda o: not o.required):
        annotation = _annotation(opt)
        params.append(
            inspect.Parameter(
                opt.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation if opt.required else Optional[annotation],  # noqa: UP045
                default=inspect.Parameter.empty if opt.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    app_commands.describe(**{o.name: _text(o.description) for o in target.options})(callback)
    command = app_commands.Command(name=target.name, description=_text(target.description), callback=callback)
    for opt in target.options:
        if opt.autocomplete is not None:
            command.autocomplete(opt.name)(_autocomplete(opt.autocomplete, suggest))
    return command


def _autocomplete(
    source: str, suggest: Suggester
) -> Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]:
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            items = suggest(interaction, source, current[:100])
        except Exception:  # suggestions are best-effort; the command itself reports bad values
            log.exception("%s autocomplete failed for %r", source, current[:100])
            return []
        return [app_commands.Choice(name=label[:100], value=value[:100]) for label, value in items][:25]

    return complete


def build_tree(tree: app_commands.CommandTree, registry: Registry, run: Runner, suggest: Suggester) -> None:
    """Add every command the registry lists for Discord to `tree`; groups become subcommand groups."""
    for spec in registry.menu(PLATFORM):
        if not spec.subcommands:
            tree.add_command(_command(spec, None, run, suggest))
            continue
        group = app_commands.Group(
            name=spec.name,
            description=_text(spec.description),
            default_permissions=discord.Permissions(manage_guild=True) if spec.admin else None,
            guild_only=spec.admin,
        )
        for sub in spec.subcommands:
            group.add_command(_command(spec, sub, run, suggest))
        tree.add_command(group)
