"""Memory commands: what the bot remembers about a person (/memory, /remember) and /forget."""

from __future__ import annotations

from pathlib import Path

from bot.core.confirm import Confirmations
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.files import delete_files_async
from bot.core.known import KnownIdentities
from bot.core.output import Button
from bot.core.ports import Memory
from bot.core.registry import ActionHandler, CommandSpec, Kind, Option, Words

MAX_FACT_CHARS = 500
FORGET = "forget"

TEXTS: dict[str, dict[str, str]] = {
    "button_forget_yes": {"en": "Yes, forget me", "zh": "是的，删除"},
    "button_cancel": {"en": "Cancel", "zh": "取消"},
}


class Memories(Feature):
    """/memory, /remember and /forget (which asks for a confirmation first)."""

    def __init__(
        self, memory: Memory, known: KnownIdentities, confirmations: Confirmations, data_dir: Path
    ) -> None:
        self.memory = memory
        self.known = known
        self.confirmations = confirmations
        self.data_dir = data_dir

    def commands(self) -> list[CommandSpec]:
        """/memory, /remember TEXT, /forget."""
        return [
            CommandSpec(
                "memory",
                Words("What I remember about you", "我记得的关于你的事"),
                self.cmd_memory,
                aliases=("memories",),
                private=True,
            ),
            CommandSpec(
                "remember",
                Words("Tell me something to remember", "让我记住一件事"),
                self.cmd_remember,
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
                FORGET,
                Words("Wipe everything I know about you", "删除我知道的关于你的一切"),
                self.cmd_forget,
                aliases=("forgetme",),
                private=True,
            ),
        ]

    def actions(self) -> dict[str, ActionHandler]:
        """`forget:yes` / `forget:no`."""
        return {FORGET: self.action_forget}

    async def cmd_memory(self, ctx: Context) -> None:
        """List what the bot remembers about the speaker."""
        facts = await self.memory.facts.list(ctx.user_key)
        trips = len(await self.memory.adventures.list(ctx.user_key, limit=1000))
        name = ctx.msg.user.display_name
        if not facts and not trips:
            await ctx.reply("memory_empty", user=name)
            return
        lines = "\n".join(f"• {f.text}" for f in facts) or "•"
        await ctx.reply("memory_list", user=name, facts=lines, trips=trips)

    async def cmd_remember(self, ctx: Context) -> None:
        """Store a fact the user gives."""
        fact = ctx.command.string("text").strip() if ctx.command else ""
        if not fact:
            raise UserFacingError("remember_usage")
        if len(fact) > MAX_FACT_CHARS:
            raise UserFacingError("remember_too_long", length=len(fact), limit=MAX_FACT_CHARS)
        await self.memory.facts.add(ctx.user_key, fact, "user")
        await ctx.reply("remember_ok", fact=fact)

    async def cmd_forget(self, ctx: Context) -> None:
        """Ask for confirmation, then wipe everything about the user."""
        buttons = (
            Button(ctx.text("button_forget_yes"), f"{FORGET}:yes"),
            Button(ctx.text("button_cancel"), f"{FORGET}:no"),
        )
        await ctx.ask_confirmation(FORGET, "forget_confirm", buttons)

    async def action_forget(self, ctx: Context, arg: str) -> None:
        """Carry out or cancel /forget."""
        if arg != "yes":
            await ctx.reply("forget_cancelled")
            return
        report = await self.memory.users.forget(ctx.user_key)
        removed = await delete_files_async(report.files, self.data_dir)
        self.known.forget(ctx.user_key)
        self.confirmations.forget_user(ctx.user_key)
        await ctx.reply("forget_done", facts=report.facts, messages=report.messages, files=removed)
