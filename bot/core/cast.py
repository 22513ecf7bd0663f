"""Several personas in one channel: the cast an admin chose (`/cast`), who a message addresses, and
an output that speaks as one of them."""

from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from dataclasses import dataclass

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.models import ChannelKind, IncomingMessage
from bot.core.output import Button, ChatOutput, PersonaIdentity, SentMessage
from bot.core.ports import PersonaCatalogue, SettingsRepo
from bot.core.registry import CommandSpec, Kind, Option, Words
from generators.lang import has_cjk
from personas.model import Persona

MAX_CAST = 5
CAST_KEY = "cast"  # settings key in the channel's scope: the ids of the personas beside the channel persona
SPOKEN_KEEP = 10_000  # message ids remembered with the persona that sent them (replies route by them)

TEXTS: dict[str, dict[str, str]] = {
    "cast_show": {
        "en": "Personas here: {names}. Start a message with a name, or reply to one of them.\n"
        "Admins: /cast add ID, /cast remove ID (up to {max}). Available: {available}",
        "zh": "本频道的角色：{names}。消息以名字开头，或回复某个角色的消息即可和它说话。\n"
        "管理员：/cast add ID、/cast remove ID（最多 {max} 个）。可选：{available}",
    },
    "cast_primary": {"en": "{name} (main)", "zh": "{name}（主角）"},
    "cast_added": {
        "en": "{name} joins this channel. Say “{name}, …” to talk to them.",
        "zh": "{name} 加入了本频道。说“{name}，……”就能和它聊天。",
    },
    "cast_removed": {"en": "{name} left this channel.", "zh": "{name} 离开了本频道。"},
    "cast_already": {"en": "{name} is already here.", "zh": "{name} 已经在本频道了。"},
    "cast_absent": {"en": "{name} is not in this channel.", "zh": "{name} 不在本频道。"},
    "cast_full": {
        "en": "This channel already has {max} personas; remove one first (/cast remove ID).",
        "zh": "本频道已经有 {max} 个角色了，请先移除一个（/cast remove ID）。",
    },
    "cast_last": {
        "en": "A channel keeps at least one persona; use /persona ID to change it.",
        "zh": "每个频道至少保留一个角色；用 /persona ID 更换。",
    },
    "cast_admin_only": {
        "en": "Only admins can change who is in this channel's cast.",
        "zh": "只有管理员可以更改本频道的角色阵容。",
    },
    "cast_usage": {
        "en": "Usage: /cast, /cast add ID, /cast remove ID",
        "zh": "用法：/cast、/cast add ID、/cast remove ID",
    },
}


def _scope(channel_key: str) -> str:
    return f"channel:{channel_key}"


class ChannelCast:
    """Reads and writes a channel's cast in the settings store: the channel persona comes first, then
    up to MAX_CAST - 1 others in the order they were added."""

    def __init__(self, settings: SettingsRepo, personas: PersonaCatalogue) -> None:
        self.settings = settings
        self.personas = personas

    async def extra_ids(self, channel_key: str) -> list[str]:
        """The ids stored beside the channel persona (unreadable data counts as none)."""
        raw = await self.settings.get(_scope(channel_key), CAST_KEY)
        try:
            value = json.loads(raw) if raw else []
        except ValueError:
            return []
        return [str(v) for v in value] if isinstance(value, list) else []

    async def set_extra_ids(self, channel_key: str, ids: list[str]) -> None:
        """Store the ids beside the channel persona (none: the key is removed)."""
        value = json.dumps(ids[: MAX_CAST - 1]) if ids else None
        await self.settings.set(_scope(channel_key), CAST_KEY, value)

    async def members(self, channel_key: str, primary: Persona) -> list[Persona]:
        """The channel persona, then the others that still exist, at most MAX_CAST."""
        cast = [primary]
        for persona_id in await self.extra_ids(channel_key):
            found = self.personas.find(persona_id)
            if found is not None and all(found.id != p.id for p in cast):
                cast.append(found)
        return cast[:MAX_CAST]


def _patterns(persona: Persona) -> list[re.Pattern[str]]:
    """The persona's full name and first word; CJK names match inside text, since CJK is written
    without spaces."""
    words = persona.name.split()
    names = dict.fromkeys(n for n in (persona.name.strip(), words[0] if words else "") if n)
    return [_name_pattern(n) for n in names]


@functools.lru_cache(maxsize=256)
def _name_pattern(name: str) -> re.Pattern[str]:
    if has_cjk(name):
        return re.compile(re.escape(name), re.I)
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.I)


def calls_by_name(text: str, persona_name: str) -> bool:
    """Whether a text names the persona (its full name or first word)."""
    words = persona_name.split()
    names = {persona_name.strip(), words[0] if words else ""}
    return any(_name_pattern(n).search(text) for n in names if n)


@dataclass(frozen=True, slots=True)
class Named:
    """A cast member named in a text, and where."""

    persona: Persona
    start: int
    length: int


def named_in(text: str, cast: list[Persona]) -> list[Named]:
    """The cast members a text names, the earliest (then the longest name) first."""
    hits = []
    for persona in cast:
        found = [m for p in _patterns(persona) if (m := p.search(text))]
        if found:
            first = min(found, key=lambda m: (m.start(), -len(m.group())))
            hits.append(Named(persona, first.start(), len(first.group())))
    return sorted(hits, key=lambda h: (h.start, -h.length))


def _at_start(text: str, hit: Named) -> bool:
    return not text[: hit.start].strip(" \t\n@,.!?:;，。！？：；、~-")


class SpokenBy:
    """Which persona sent which message, per channel (bounded, in memory: after a restart a reply to an
    older message goes to the channel persona)."""

    def __init__(self, keep: int = SPOKEN_KEEP) -> None:
        self.keep = keep
        self._ids: OrderedDict[tuple[str, str], str] = OrderedDict()

    def remember(self, channel_key: str, messages: list[SentMessage], persona_id: str) -> None:
        """Note that `persona_id` sent `messages` in the channel."""
        for message in messages:
            self._ids[(channel_key, message.id)] = persona_id
            self._ids.move_to_end((channel_key, message.id))
        while len(self._ids) > self.keep:
            self._ids.popitem(last=False)

    def get(self, channel_key: str, message_id: str) -> str | None:
        """The persona id that sent a message, if remembered."""
        return self._ids.get((channel_key, message_id)) if message_id else None


def addressed_member(msg: IncomingMessage, cast: list[Persona], spoken: SpokenBy) -> Persona | None:
    """The cast member a message speaks to: a name at its start, else the persona whose message it
    replies to, else a name anywhere (`@Name` included); None when it names nobody."""
    hits = named_in(msg.text, cast)
    if hits and _at_start(msg.text, hits[0]):
        return hits[0].persona
    sender = spoken.get(msg.channel.key, msg.reply_to_id)
    for persona in cast:
        if persona.id == sender:
            return persona
    return hits[0].persona if hits else None


def identity(persona: Persona, avatar_url: str = "") -> PersonaIdentity:
    """How a persona is shown; `avatar_url` is a template with `{id}` (PERSONA_AVATAR_URL)."""
    url = avatar_url.replace("{id}", persona.id) if avatar_url else ""
    return PersonaIdentity(name=persona.name, colour=persona.shown_colour, avatar_url=url)


class PersonaVoice:
    """A `ChatOutput` whose new text messages are sent as one persona (`send_as`); everything else
    goes to the platform's output unchanged. Room is kept under the limit for the name label."""

    def __init__(self, inner: ChatOutput, speaker: PersonaIdentity) -> None:
        self.inner = inner
        self.speaker = speaker
        self.max_len = max(100, inner.max_len - len(speaker.name) - 16)
        self.min_edit_interval = inner.min_edit_interval

    def __getattr__(self, name: str) -> object:  # methods other features add to the port
        return getattr(self.inner, name)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send as the persona."""
        return await self.inner.send_as(self.speaker, text, buttons)

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send as another persona."""
        return await self.inner.send_as(speaker, text, buttons)


_PERSONA = Option(
    "persona_id", Kind.TEXT, Words("A persona id", "角色 id"), required=True, autocomplete="personas"
)


class Cast(Feature):
    """`/cast`: up to MAX_CAST personas in one channel, added and removed by admins."""

    def __init__(self, settings: SettingsRepo, personas: PersonaCatalogue) -> None:
        self.personas = personas
        self.cast = ChannelCast(settings, personas)
        self.settings = settings

    def commands(self) -> list[CommandSpec]:
        """/cast [show|add ID|remove ID]."""
        return [
            CommandSpec(
                "cast",
                Words("Several personas in this channel", "本频道的多个角色"),
                self.cmd_cast,
                subcommands=(
                    CommandSpec("show", Words("Who is in this channel", "本频道有哪些角色")),
                    CommandSpec(
                        "add", Words("Add a persona (admins)", "添加角色（管理员）"), options=(_PERSONA,)
                    ),
                    CommandSpec(
                        "remove",
                        Words("Remove a persona (admins)", "移除角色（管理员）"),
                        options=(_PERSONA,),
                    ),
                ),
                aliases=("personas",),
                usage=Words("[add|remove ID]", "[add|remove ID]"),
                admin=True,
            )
        ]

    async def cmd_cast(self, ctx: Context) -> None:
        """Show the channel's cast, or add or remove a member."""
        command = ctx.command
        sub = command.sub if command else None
        members = await self.cast.members(ctx.channel_key, ctx.persona)
        if sub is None and command is not None and command.args:
            raise UserFacingError("cast_usage")
        if sub in (None, "show"):
            names = [ctx.text("cast_primary", name=members[0].name)] + [p.name for p in members[1:]]
            available = ", ".join(f"{p.id} ({p.name})" for p in self.personas.list())
            await ctx.reply("cast_show", names=", ".join(names), max=MAX_CAST, available=available)
            return
        assert command is not None
        if ctx.msg.channel.kind is ChannelKind.GROUP and not ctx.msg.user.is_admin:
            raise UserFacingError("cast_admin_only")
        wanted = command.string("persona_id").strip()
        persona = self.personas.find(wanted) if wanted else None
        if persona is None:
            available = ", ".join(f"{p.id} ({p.name})" for p in self.personas.list())
            raise UserFacingError("persona_unknown", id=wanted[:60], available=available)
        extras = [p.id for p in members[1:]]
        if sub == "add":
            if any(p.id == persona.id for p in members):
                raise UserFacingError("cast_already", name=persona.name)
            if len(members) >= MAX_CAST:
                raise UserFacingError("cast_full", max=MAX_CAST)
            await self.cast.set_extra_ids(ctx.channel_key, [*extras, persona.id])
            await ctx.reply("cast_added", name=persona.name)
            return
        if all(p.id != persona.id for p in members):
            raise UserFacingError("cast_absent", name=persona.name)
        if persona.id == members[0].id:
            if not extras:
                raise UserFacingError("cast_last")
            # The next persona in the cast becomes the channel persona.
            await self.settings.set_channel_persona(ctx.channel_key, extras[0])
            extras = extras[1:]
        else:
            extras = [i for i in extras if i != persona.id]
        await self.cast.set_extra_ids(ctx.channel_key, extras)
        await ctx.reply("cast_removed", name=persona.name)
