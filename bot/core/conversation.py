"""The chat feature: plain messages answered in the persona's voice, and the persona commands
(/help, /start, /persona, /reset)."""

from __future__ import annotations

import dataclasses

from bot.core.cast import ChannelCast, PersonaVoice, SpokenBy, addressed_member, identity, named_in
from bot.core.chat import ChatReply, ChatService
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.facts import extract_facts
from bot.core.feature import Feature
from bot.core.memories import MAX_FACTS
from bot.core.models import ChannelKind, IncomingMessage, User
from bot.core.ports import Memory, PersonaCatalogue, VoiceReplies
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
        self,
        chat: ChatService,
        memory: Memory,
        personas: PersonaCatalogue,
        registry: Registry,
        voice: VoiceReplies | None = None,
        avatar_url: str = "",
    ) -> None:
        self.cast = ChannelCast(memory.settings, personas)
        self.spoken = SpokenBy()
        self.avatar_url = avatar_url
        self.chat = chat
        self.voice = voice
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
        """Store a plain message; when it is addressed to the bot, learn from it and answer (in a
        channel with several personas, as the one it addresses)."""
        msg = ctx.msg
        stored_id = await self.memory.messages.add(
            msg.channel.key, msg.user.key, msg.user.display_name, "user", msg.text
        )
        cast = await self.cast.members(ctx.channel_key, ctx.persona)
        member = addressed_member(msg, cast, self.spoken) if len(cast) > 1 else None
        if not (addressed or member is not None):
            return
        facts = extract_facts(msg.text)
        if facts and len(await self.memory.facts.list(msg.user.key)) < MAX_FACTS:
            for fact in facts:
                await self.memory.facts.add(msg.user.key, fact, "auto")
        if len(cast) == 1:
            reply = await self.chat.respond(ctx, stored_id)
            if self.voice is not None:  # spoken after the text went out, so a voice failure loses no reply
                await self.voice.after_reply(ctx, reply)
            return
        await self._cast_turn(ctx, cast, member or ctx.persona, stored_id)

    async def addresses_cast(self, msg: IncomingMessage, primary: Persona) -> bool:
        """Whether a message speaks to another persona of the channel's cast."""
        cast = await self.cast.members(msg.channel.key, primary)
        return len(cast) > 1 and addressed_member(msg, cast, self.spoken) is not None

    async def _cast_turn(self, ctx: Context, cast: list[Persona], speaker: Persona, stored_id: int) -> None:
        """`speaker` answers; a cast member its reply names may answer that once (never more per message)."""
        answer = await self._speak(ctx, cast, speaker, stored_id, from_persona=False)
        named = named_in(answer.text, [p for p in cast if p.id != speaker.id])
        if not named:
            return
        # The other persona answers the reply as a line from its author, not as the person's message.
        author = User(ctx.msg.user.platform, f"persona:{speaker.id}", speaker.name)
        msg = dataclasses.replace(
            ctx.msg, user=author, text=answer.text, mentions_bot=False, reply_to_bot=False, reply_to_id=""
        )
        await self._speak(ctx, cast, named[0].persona, answer.row_id, from_persona=True, said=msg)

    async def _speak(
        self,
        ctx: Context,
        cast: list[Persona],
        persona: Persona,
        stored_id: int,
        *,
        from_persona: bool,
        said: IncomingMessage | None = None,
    ) -> ChatReply:
        """`persona` answers `said` (default: the person's message), shown under its own name."""
        out = PersonaVoice(ctx.out, identity(persona, self.avatar_url))
        turn = dataclasses.replace(ctx, persona=persona, out=out)
        others = frozenset(p.name for p in cast if p.id != persona.id)
        prompt_ctx = dataclasses.replace(turn, msg=said) if said is not None else turn
        answer = await self.chat.reply(prompt_ctx, stored_id, others=others, from_persona=from_persona)
        self.spoken.remember(ctx.channel_key, answer.sent, persona.id)
        if self.voice is not None:  # the person's voice setting decides, in this persona's voice
            await self.voice.after_reply(turn, answer.text)
        return answer

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
