"""The foundation's commands: help, persona, memory, remember, forget, reset."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.output import Button

if TYPE_CHECKING:
    from bot.core.engine import BotCore

log = logging.getLogger(__name__)

TEXTS: dict[str, dict[str, str]] = {
    "button_forget_yes": {"en": "Yes, forget me", "zh": "是的，删除"},
    "button_cancel": {"en": "Cancel", "zh": "取消"},
}

MAX_FACT_CHARS = 500


async def cmd_help(ctx: Context) -> None:
    """List the commands."""
    await ctx.reply("help", persona=ctx.persona.name)


async def cmd_start(ctx: Context) -> None:
    """Greet (Telegram's /start) and show help."""
    if ctx.persona.greeting:
        await ctx.send(ctx.persona.greeting)
    await cmd_help(ctx)


def _available(ctx: Context) -> str:
    return ", ".join(f"{p.id} ({p.name})" for p in ctx.core.personas.list())


async def cmd_persona(ctx: Context) -> None:
    """Show the channel's persona, or set it."""
    wanted = ctx.command.args.strip() if ctx.command else ""
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
    fact = ctx.command.args.strip() if ctx.command else ""
    if not fact:
        raise UserFacingError("remember_usage")
    if len(fact) > MAX_FACT_CHARS:
        raise UserFacingError("remember_too_long", length=len(fact), limit=MAX_FACT_CHARS)
    await ctx.core.memory.facts.add(ctx.user_key, fact, "user")
    await ctx.reply("remember_ok", fact=fact)


async def cmd_forget(ctx: Context) -> None:
    """Ask for confirmation, then wipe everything about the user."""
    ctx.core.ask_confirmation(ctx, "forget")
    buttons = (
        Button(ctx.text("button_forget_yes"), "forget:yes"),
        Button(ctx.text("button_cancel"), "forget:no"),
    )
    await ctx.reply("forget_confirm", buttons=buttons)


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


def register(core: BotCore) -> None:
    """Register the foundation commands on `core`."""
    core.router.add("help", cmd_help, "h", "commands", "帮助")
    core.router.add("start", cmd_start)
    core.router.add("persona", cmd_persona, "character")
    core.router.add("memory", cmd_memory, "memories")
    core.router.add("remember", cmd_remember)
    core.router.add("forget", cmd_forget, "forgetme")
    core.router.add("reset", cmd_reset)
    core.add_action("forget", action_forget)
