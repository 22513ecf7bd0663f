"""The chat feature: plain messages answered in the persona's voice, and the persona commands
(/help, /start, /persona, /reset)."""

from __future__ import annotations

from bot.core.chat import ChatService
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.facts import extract_facts
from bot.core.feature import Feature
from bot.core.models import ChannelKind
from bot.core.ports import Memory, PersonaCatalogue
from bot.core.registry import CommandSpec, Kind, Option, Registry, SuggestionSource, Words
from personas.model import Persona

PERSONA_SOURCE = "personas"


def persona_choices(personas: list[Persona], typed: str) -> list[tuple[str, str]]:
    """Personas whose id or name contains what the user typed, as (label, id)."""
    cur = typed.lower()
    return [(f"{p.name} ({p.id})", p.id) for p in personas if cur in p.id.lower() or cur in p.name.lower()]


class Conversation(Feature):
    """Chat with the channel's persona; `/help` lists what the registry holds."""

    def __init__(
        self, chat: ChatService, memory: Memory, personas: PersonaCatalogue, registry: Registry
    ) -> None:
        self.chat = chat
        self.memory = memory
        self.personas = personas
        self.registry = registry

    def commands(self) -> list[CommandSpec]:
        """/help, /start (Telegram), /persona [id], /reset."""
        return [
            CommandSpec(
                "help",
                Words("What I can do", "我能做什么"),
                self.cmd_help,
                aliases=("h", "commands", "帮助"),
                quick="/help",
            ),
            CommandSpec(
                "start",
                Words("Say hello", "打个招呼"),
                self.cmd_start,
                in_help=False,
                platforms=frozenset({"telegram"}),
            ),
            CommandSpec(
                "persona",
                Words("Show or change this channel's persona", "查看或更换本频道的角色"),
                self.cmd_persona,
                options=(
                    Option(
                        "persona_id", Kind.TEXT, Words("A persona id", "角色 id"), autocomplete=PERSONA_SOURCE
                    ),
                ),
                aliases=("character",),
                usage=Words("[id]", "[id]"),
            ),
            CommandSpec(
                "reset",
                Words("Clear this channel's recent conversation", "清空本频道最近的对话"),
                self.cmd_reset,
            ),
        ]

    def sources(self) -> dict[str, SuggestionSource]:
        """Persona ids for /persona and /config persona."""
        return {PERSONA_SOURCE: lambda typed, locale: persona_choices(self.personas.list(), typed)}

    async def hear(self, ctx: Context, addressed: bool) -> None:
        """Store a plain message; when it is addressed to the bot, learn from it and answer."""
        msg = ctx.msg
        stored_id = await self.memory.messages.add(
            msg.channel.key, msg.user.key, msg.user.display_name, "user", msg.text
        )
        if not addressed:
            return
        for fact in extract_facts(msg.text):
            await self.memory.facts.add(msg.user.key, fact, "auto")
        await self.chat.respond(ctx, stored_id)

    async def cmd_help(self, ctx: Context) -> None:
        """List the commands (generated from the registry)."""
        lines = self.registry.help_lines(ctx.lang)
        await ctx.send(ctx.text("help", persona=ctx.persona.name) + "\n" + "\n".join(lines))

    async def cmd_start(self, ctx: Context) -> None:
        """Greet (Telegram's /start) and show help."""
        if ctx.persona.greeting:
            await ctx.send(ctx.persona.greeting)
        await self.cmd_help(ctx)

    def _available(self) -> str:
        return ", ".join(f"{p.id} ({p.name})" for p in self.personas.list())

    async def cmd_persona(self, ctx: Context) -> None:
        """Show the channel's persona, or set it."""
        wanted = ctx.command.string("persona_id").strip() if ctx.command else ""
        if not wanted:
            p = ctx.persona
            await ctx.reply(
                "persona_current", name=p.name, id=p.id, tagline=p.tagline, available=self._available()
            )
            return
        persona = self.personas.find(wanted)
        if persona is None:
            raise UserFacingError("persona_unknown", id=wanted[:60], available=self._available())
        if ctx.msg.channel.kind is ChannelKind.GROUP and not await self._may_change_persona(ctx):
            raise UserFacingError("persona_admin_only")
        await self.memory.settings.set_channel_persona(ctx.channel_key, persona.id)
        await ctx.reply("persona_set", name=persona.name, greeting=persona.greeting)

    async def _may_change_persona(self, ctx: Context) -> bool:
        locked = await self.memory.settings.get(f"channel:{ctx.channel_key}", "persona_locked")
        return not locked or ctx.msg.user.is_admin

    async def cmd_reset(self, ctx: Context) -> None:
        """Clear the channel's recent context."""
        await self.memory.messages.reset_channel(ctx.channel_key)
        await ctx.reply("reset_done")
