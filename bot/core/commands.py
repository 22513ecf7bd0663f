"""The foundation's commands: help, persona, memory, remember, forget, reset."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.output import Button
from bot.core.registry import CommandSpec, Kind, Option, Words

if TYPE_CHECKING:
    from bot.core.engine import BotCore
    from personas.model import Persona

log = logging.getLogger(__name__)

TEXTS: dict[str, dict[str, str]] = {
    "button_forget_yes": {"en": "Yes, forget me", "zh": "是的，删除"},
    "button_cancel": {"en": "Cancel", "zh": "取消"},
}

MAX_FACT_CHARS = 500


async def cmd_help(ctx: Context) -> None:
    """List the commands (generated from the registry)."""
    lines = ctx.core.registry.help_lines(ctx.lang)
    await ctx.send(ctx.text("help", persona=ctx.persona.name) + "\n" + "\n".join(lines))


async def cmd_start(ctx: Context) -> None:
    """Greet (Telegram's /start) and show help."""
    if ctx.persona.greeting:
        await ctx.send(ctx.persona.greeting)
    await cmd_help(ctx)


def _available(ctx: Context) -> str:
    return ", ".join(f"{p.id} ({p.name})" for p in ctx.core.personas.list())


async def cmd_persona(ctx: Context) -> None:
    """Show the channel's persona, or set it."""
    wanted = ctx.command.string("persona_id").strip() if ctx.command else ""
    if not wanted:
        p = ctx.persona
        await ctx.reply("persona_current", name=p.name, id=p.id, tagline=p.tagline, available=_available(ctx))
        return
    persona = ctx.core.personas.find(wanted)
    if persona is None:
        raise UserFacingError("persona_unknown", id=wanted[:60], available=_available(ctx))
    if ctx.msg.channel.kind.value == "group" and not await _may_change_persona(ctx):
        raise UserFacingError("persona_admin_only")
    await ctx.core.memory.settings.set_channel_persona(ctx.channel_key, persona.id)
    await ctx.reply("persona_set", name=persona.name, greeting=persona.greeting)


async def _may_change_persona(ctx: Context) -> bool:
    locked = await ctx.core.memory.settings.get(f"channel:{ctx.channel_key}", "persona_locked")
    return not locked or ctx.msg.user.is_admin


async def cmd_memory(ctx: Context) -> None:
    """List what the bot remembers about the speaker."""
    facts = await ctx.core.memory.facts.list(ctx.user_key)
    trips = len(await ctx.core.memory.adventures.list(ctx.user_key, limit=1000))
    name = ctx.msg.user.display_name
    if not facts and not trips:
        await ctx.reply("memory_empty", user=name)
        return
    lines = "\n".join(f"• {f.text}" for f in facts) or "•"
    await ctx.reply("memory_list", user=name, facts=lines, trips=trips)


async def cmd_remember(ctx: Context) -> None:
    """Store a fact the user gives."""
    fact = ctx.command.string("text").strip() if ctx.command else ""
    if not fact:
        raise UserFacingError("remember_usage")
    if len(fact) > MAX_FACT_CHARS:
        raise UserFacingError("remember_too_long", length=len(fact), limit=MAX_FACT_CHARS)
    await ctx.core.memory.facts.add(ctx.user_key, fact, "user")
    await ctx.reply("remember_ok", fact=fact)


async def cmd_forget(ctx: Context) -> None:
    """Ask for confirmation, then wipe everything about the user."""
    buttons = (
        Button(ctx.text("button_forget_yes"), "forget:yes"),
        Button(ctx.text("button_cancel"), "forget:no"),
    )
    prompt = await ctx.reply("forget_confirm", buttons=buttons)
    ctx.core.confirmations.ask(ctx.msg, "forget", prompt)


async def action_forget(ctx: Context, arg: str) -> None:
    """Carry out or cancel /forget."""
    if arg != "yes":
        await ctx.reply("forget_cancelled")
        return
    report = await ctx.core.memory.users.forget(ctx.user_key)
    removed = await asyncio.to_thread(delete_files, report.files, ctx.core.settings.avatar_data_dir)
    ctx.core.forget_identity(ctx.user_key)
    await ctx.reply("forget_done", facts=report.facts, messages=report.messages, files=removed)


def delete_files(paths: list[str], data_dir: Path) -> int:
    """Delete files that live under `data_dir`; returns how many were removed."""
    root = data_dir.resolve()
    removed = 0
    for path in paths:
        p = Path(path)
        try:
            if p.resolve().is_relative_to(root) and p.is_file():
                p.unlink()
                removed += 1
        except OSError:
            log.warning("could not delete a file during /forget", exc_info=True)
    return removed


async def cmd_reset(ctx: Context) -> None:
    """Clear the channel's recent context."""
    await ctx.core.memory.messages.reset_channel(ctx.channel_key)
    await ctx.reply("reset_done")


PERSONA_ID = Option("persona_id", Kind.TEXT, Words("A persona id", "角色 id"), autocomplete="personas")


def specs() -> list[CommandSpec]:
    """The foundation's commands, declared once."""
    return [
        CommandSpec(
            "help",
            Words("What I can do", "我能做什么"),
            cmd_help,
            aliases=("h", "commands", "帮助"),
            quick="/help",
        ),
        CommandSpec(
            "start",
            Words("Say hello", "打个招呼"),
            cmd_start,
            in_help=False,
            platforms=frozenset({"telegram"}),
        ),
        CommandSpec(
            "persona",
            Words("Show or change this channel's persona", "查看或更换本频道的角色"),
            cmd_persona,
            options=(PERSONA_ID,),
            aliases=("character",),
            usage=Words("[id]", "[id]"),
        ),
        CommandSpec(
            "memory",
            Words("What I remember about you", "我记得的关于你的事"),
            cmd_memory,
            aliases=("memories",),
            private=True,
        ),
        CommandSpec(
            "remember",
            Words("Tell me something to remember", "让我记住一件事"),
            cmd_remember,
            options=(
                Option(
                    "text",
                    Kind.TEXT,
                    Words("What I should remember", "要我记住的事"),
                    required=True,
                    max_length=MAX_FACT_CHARS,
                ),
            ),
            usage=Words("TEXT", "内容"),
            private=True,
        ),
        CommandSpec(
            "forget",
            Words("Wipe everything I know about you", "删除我知道的关于你的一切"),
            cmd_forget,
            aliases=("forgetme",),
            private=True,
        ),
        CommandSpec(
            "reset",
            Words("Clear this channel's recent conversation", "清空本频道最近的对话"),
            cmd_reset,
        ),
    ]


def register(core: BotCore) -> None:
    """Register the foundation commands on `core`."""
    for spec in specs():
        core.registry.add(spec)
    core.registry.add_source("personas", lambda typed, locale: persona_choices(core.personas.list(), typed))
    core.add_action("forget", action_forget)


def persona_choices(personas: list[Persona], typed: str) -> list[tuple[str, str]]:
    """Personas whose id or name contains what the user typed, as (label, id)."""
    cur = typed.lower()
    return [(f"{p.name} ({p.id})", p.id) for p in personas if cur in p.id.lower() or cur in p.name.lower()]
