"""Several personas in one channel (/cast): who answers, what each one's prompt shows, and how each
platform shows who is speaking.

The core is the real one (SQLite store, real prompt builder, real routing); the chat model is a
scripted backend at the model boundary that answers as whichever persona its system prompt names, so
every reply says which persona prompt it was built from.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update

from bot.adapters.console import ConsoleOutput
from bot.adapters.telegram_bot import TelegramAdapter
from bot.adapters.web import Playground
from bot.core.cast import MAX_CAST, PersonaVoice, SpokenBy, addressed_member, named_in
from bot.core.clock import FakeClock
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.output import ChatOutput, PersonaIdentity, colour_dot
from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.errors import InputError
from personas.model import PALETTE, Persona, default_colour
from personas.toml_io import dumps, parse_toml
from tests.discord_harness import World, running
from tests.fake_telegram import FakeBotAPI, UpdateFactory
from tests.outputs import RecordingOutput

ADMIN = User("web", "root", "Root", is_admin=True)
ANA = User("web", "ana", "Ana")
ROOM = Channel("web", "lobby", ChannelKind.GROUP)
WORDS = (
    "lanterns",
    "tramlines",
    "harbours",
    "orchards",
    "glaciers",
    "bazaars",
    "lighthouses",
    "meadows",
    "canals",
    "ferries",
    "vineyards",
    "pagodas",
    "fjords",
    "dunes",
    "terraces",
    "islands",
)


class CastEcho:
    """Answers as the persona its system prompt names ("You are NAME"), from a script per persona or
    with a fresh sentence; records every prompt. Streams in two chunks, so a reply is sent then edited."""

    name = "cast-echo"
    languages = frozenset({"en"})
    context_tokens = 4096

    def __init__(self, script: dict[str, list[str]] | None = None) -> None:
        self.script = script or {}
        self.calls: list[tuple[str, list[ChatTurn]]] = []
        self.n = 0

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def _reply(self, turns: list[ChatTurn]) -> str:
        m = re.match(r"You are ([^,.\n]+)", turns[0].content)
        who = m.group(1) if m else "?"
        self.calls.append((who, list(turns)))
        if self.script.get(who):
            return self.script[who].pop(0)
        self.n += 1
        return f"{who} dreams of {WORDS[self.n % len(WORDS)]} tonight."

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        head, _, tail = self._reply(turns).partition(" ")
        yield head + " "
        yield tail

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        return DialogueOutput(text=self._reply(turns))

    async def aclose(self) -> None:
        return None

    def prompted(self) -> list[str]:
        """The persona each prompt was built for, in order."""
        return [who for who, _ in self.calls]


def said(text: str, *, user: User = ANA, channel: Channel = ROOM, **flags: object) -> IncomingMessage:
    return IncomingMessage(user=user, channel=channel, text=text, **flags)  # type: ignore[arg-type]


async def cast_core(make_core, dialogue: CastEcho, *members: str, **settings: object):
    """A real core whose lobby has Luna (the channel persona) plus `members`, added by an admin."""
    core = await make_core(dialogue=dialogue, clock=FakeClock(), **settings)
    out = RecordingOutput()
    for member in members:
        await core.handle(said(f"/cast add {member}", user=ADMIN), out)
    assert len(out.messages) == len(members) and all("joins this channel" in m for m in out.messages)
    return core


async def test_three_personas_each_reply_comes_from_the_addressed_one(make_core) -> None:
    echo = CastEcho()
    core = await cast_core(make_core, echo, "mango", "professor")
    out = RecordingOutput()

    await core.handle(said("Mango, where do I find the best noodles?"), out)
    assert echo.prompted() == ["Mango"]
    assert out.speakers[0].name == "Mango" and out.messages[0].startswith("Mango dreams of")
    assert out.speakers[0].colour == "#e67e22"

    await core.handle(said("Which temple is oldest, Professor Quill?"), out)  # a name anywhere
    assert echo.prompted()[-1] == "Professor Quill" and out.speakers[1].name == "Professor Quill"

    # A reply to Mango's message goes to Mango, though it names nobody.
    await core.handle(said("and for dessert?", reply_to_id="0", reply_to_bot=True), out)
    assert echo.prompted()[-1] == "Mango" and out.speakers[2].name == "Mango"

    await core.handle(said("@Luna what do you think?"), out)  # a text mention
    assert echo.prompted()[-1] == "Luna" and out.speakers[3].name == "Luna"

    # A name at the start wins over the message replied to.
    await core.handle(said("Professor, is that true?", reply_to_id="0", reply_to_bot=True), out)
    assert echo.prompted()[-1] == "Professor Quill"

    # Chatter that addresses nobody is stored, not answered; a mention of the bot reaches the channel persona.
    await core.handle(said("the weather is nice today"), out)
    assert len(echo.calls) == 5
    await core.handle(said("what's up?", mentions_bot=True), out)
    assert echo.prompted()[-1] == "Luna" and out.speakers[5].name == "Luna"

    rows = await core.memory.messages.recent(ROOM.key, 30)
    bots = [r.speaker for r in rows if r.role == "assistant"]
    assert bots == ["Mango", "Professor Quill", "Mango", "Luna", "Professor Quill", "Luna"]
    assert all(out.speakers[i].name == text.split(" dreams")[0] for i, text in enumerate(out.messages))


async def test_each_persona_sees_its_own_lines_as_its_own_and_the_others_as_speakers(make_core) -> None:
    echo = CastEcho()
    core = await cast_core(make_core, echo, "mango", "professor")
    out = RecordingOutput()
    await core.handle(said("Luna, plan me a day in Lisbon."), out)
    luna_line = out.messages[0]
    await core.handle(said("Mango, anything to eat there?"), out)
    mango_line = out.messages[1]
    await core.handle(said("Luna, and in the evening?"), out)

    _, mango_prompt = echo.calls[1]
    assert "You are Mango" in mango_prompt[0].content and "You are Luna" not in mango_prompt[0].content
    # Luna's reply reaches Mango as another speaker's line, never as Mango's own.
    assert ChatTurn("user", f"Luna: {luna_line}", speaker="Luna") in mango_prompt
    assert all(turn.role != "assistant" for turn in mango_prompt)

    _, luna_prompt = echo.calls[2]
    assert ChatTurn("assistant", luna_line, speaker="Luna") in luna_prompt
    assert ChatTurn("user", f"Mango: {mango_line}", speaker="Mango") in luna_prompt
    assert luna_prompt[-1] == ChatTurn("user", "Ana: Luna, and in the evening?", speaker="Ana")


async def test_a_persona_named_in_a_reply_answers_once_and_no_more(make_core) -> None:
    echo = CastEcho(
        {
            "Luna": ["Mango would know the best night market."],
            "Mango": ["Luna is right about the night market."],  # names Luna back: no third reply
        }
    )
    core = await cast_core(make_core, echo, "mango", "professor")
    out = RecordingOutput()
    await core.handle(said("Luna, what should we do tonight?"), out)

    assert echo.prompted() == ["Luna", "Mango"], "one persona-to-persona reply per user message"
    assert [s.name for s in out.speakers.values()] == ["Luna", "Mango"]
    assert out.messages == [
        "Mango would know the best night market.",
        "Luna is right about the night market.",
    ]
    _, mango_prompt = echo.calls[1]
    assert mango_prompt[-1] == ChatTurn(
        "user", "Luna: Mango would know the best night market.", speaker="Luna"
    ), "Mango answers Luna's reply, which is not repeated in the history above it"
    assert sum("Mango would know" in turn.content for turn in mango_prompt) == 1
    assert "What Luna has told you" not in mango_prompt[0].content, (
        "a persona's line brings no person's facts"
    )

    await core.handle(said("ok, thanks Professor Quill"), out)
    assert echo.prompted()[-1] == "Professor Quill" and len(echo.calls) == 3


async def test_facts_stay_with_the_person_whoever_answers(make_core) -> None:
    echo = CastEcho()
    core = await cast_core(make_core, echo, "mango")
    out = RecordingOutput()
    await core.handle(said("/remember I am allergic to peanuts"), out)
    await core.handle(said("Mango, what street food is safe for me?"), out)
    await core.handle(said("Luna, and where should I stay?"), out)
    for who, turns in echo.calls:
        assert "allergic to peanuts" in turns[0].content, who


async def test_the_cast_holds_five_and_only_admins_change_it(make_core, tmp_path: Path) -> None:
    user_dir = tmp_path / "data" / "personas"
    user_dir.mkdir(parents=True)
    for pid, name in (("kite", "Kite"), ("wren", "Wren"), ("otter", "Otter")):
        (user_dir / f"{pid}.toml").write_text(f'id = "{pid}"\nname = "{name}"\ntagline = "A guide"\n')
    echo = CastEcho()
    core = await cast_core(make_core, echo, "mango", "professor", "kite", "wren")
    out = RecordingOutput()

    await core.handle(said("/cast add otter", user=ADMIN), out)
    assert out.messages[-1] == t("cast_full", "en", max=MAX_CAST)
    await core.handle(said("/cast", user=ANA), out)
    assert "Luna (main), Mango, Professor Quill, Kite, Wren" in out.messages[-1]

    await core.handle(said("/cast remove kite", user=ANA), out)
    assert out.messages[-1] == t("cast_admin_only", "en")
    await core.handle(said("/cast add otter", user=ANA), out)
    assert out.messages[-1] == t("cast_admin_only", "en")
    assert await core.conversation.cast.extra_ids(ROOM.key) == ["mango", "professor", "kite", "wren"]

    await core.handle(said("/cast add mango", user=ADMIN), out)
    assert out.messages[-1] == t("cast_already", "en", name="Mango")
    await core.handle(said("/cast remove kite", user=ADMIN), out)
    await core.handle(said("/cast add otter", user=ADMIN), out)
    assert out.messages[-1] == t("cast_added", "en", name="Otter")

    # Removing the channel persona hands the channel to the next one in the cast.
    await core.handle(said("/cast remove luna", user=ADMIN), out)
    assert await core.memory.settings.channel_persona(ROOM.key) == "mango"
    await core.handle(said("Wren, hello there!"), out)
    await core.handle(said("hello, anyone?", mentions_bot=True), out)
    assert echo.prompted() == ["Wren", "Mango"]

    for member in ("professor", "wren", "otter"):
        await core.handle(said(f"/cast remove {member}", user=ADMIN), out)
    await core.handle(said("/cast remove mango", user=ADMIN), out)
    assert out.messages[-1] == t("cast_last", "en")
    await core.handle(said("/cast invite mango", user=ADMIN), out)
    assert out.messages[-1] == t("cast_usage", "en")
    await core.handle(said("/cast add nobody", user=ADMIN), out)
    assert out.messages[-1].startswith(t("persona_unknown", "en", id="nobody", available="")[:20])


async def test_a_channel_with_one_persona_answers_as_before(make_core) -> None:
    echo = CastEcho()
    core = await make_core(dialogue=echo, clock=FakeClock())
    out = RecordingOutput()
    await core.handle(said("Luna, hello!"), out)
    await core.handle(said("Mango, are you here?"), out)  # not in this channel: nobody answers
    assert echo.prompted() == ["Luna"]
    assert out.speakers == {} and out.messages[0].startswith("Luna dreams of"), "no name label, as before"


def test_routing_reads_cjk_names_and_prefers_a_name_at_the_start() -> None:
    luna = Persona("luna", "Luna")
    dragon = Persona("xiaolong", "小龙")
    quill = Persona("professor", "Professor Quill")
    cast = [luna, dragon, quill]
    spoken = SpokenBy(keep=2)
    assert addressed_member(said("小龙你好，今天去哪儿？"), cast, spoken) is dragon
    assert addressed_member(said("问问小龙吧"), cast, spoken) is dragon
    assert addressed_member(said("Lunatic weather"), cast, spoken) is None, "whole words only"
    assert addressed_member(said("nice day"), cast, spoken) is None
    spoken.remember(ROOM.key, [type("Sent", (), {"id": "m1"})()], "professor")  # type: ignore[list-item]
    assert addressed_member(said("really?", reply_to_id="m1"), cast, spoken) is quill
    assert addressed_member(said("Luna, really?", reply_to_id="m1"), cast, spoken) is luna
    assert addressed_member(said("really, Luna?", reply_to_id="m1"), cast, spoken) is quill
    assert [h.persona for h in named_in("Professor Quill and Luna", cast)] == [quill, luna]


def test_persona_colours_are_validated_and_default_by_id() -> None:
    persona, _ = parse_toml(b'id = "kite"\nname = "Kite"\ncolour = "#12AB9f"\n', source="user")
    assert persona.colour == "#12ab9f" and persona.shown_colour == "#12ab9f"
    assert parse_toml(dumps(persona).encode(), source="user")[0] == persona
    for bad in ('"red"', '"#12345"', '"#12345g"', "3"):
        with pytest.raises(InputError):
            parse_toml(f'id = "kite"\nname = "Kite"\ncolour = {bad}\n'.encode(), source="user")
    plain = Persona("wren", "Wren")
    assert plain.shown_colour == default_colour("wren") in PALETTE
    assert colour_dot("#8e44ad") == "🟣" and colour_dot("#e67e22") == "🟠" and colour_dot("#27ae60") == "🟢"
    assert colour_dot("nonsense") == "•"


async def test_console_keeps_the_persona_name_through_edits() -> None:
    import io

    stream = io.StringIO()
    out = ConsoleOutput(stream=stream, live=False)
    sent = await out.send_as(PersonaIdentity("Mango", "#e67e22"), "Try the")
    await out.edit(sent, "Try the dumplings.")
    out.flush_block()
    assert stream.getvalue() == "Mango: Try the dumplings.\n\n"


# --------------------------------------------------------------------------------------------- Discord


async def _cast_in(world: World, channel) -> None:
    result = await world.admin.slash(channel, "cast add", persona_id="mango")
    assert "Mango joins" in result.response.content


async def test_discord_personas_post_through_a_channel_webhook(make_core) -> None:
    async with running(make_core, dialogue=CastEcho()) as world:
        me = world.guild.me
        cast_room = world.guild.create_text_channel(
            "cast", overwrites={me: discord.PermissionOverwrite(manage_webhooks=True)}
        )
        await _cast_in(world, cast_room)
        await world.alice.send(cast_room, "Mango, tea or coffee?")
        await world.alice.send(cast_room, "Luna, and you?")

        posted = [m for m in cast_room.history() if m.webhook_id is not None]
        assert [m.author.name for m in posted] == ["Mango", "Luna"]
        assert posted[0].content.startswith("Mango dreams of") and not posted[0].content.startswith("**")
        assert len({m.webhook_id for m in posted}) == 1, "one webhook per channel, made once and reused"
        requests = world.env.http_requests
        assert sum(r.method == "POST" and r.path.endswith("/webhooks") for r in requests) == 1
        hook = posted[0].webhook_id
        executes = [
            r for r in requests if r.method == "POST" and re.fullmatch(rf"/webhooks/{hook}/[^/]+", r.path)
        ]
        assert [r.json["username"] for r in executes] == ["Mango", "Luna"]
        # The streamed reply was edited in place, through the webhook.
        edits = [r for r in requests if r.method == "PATCH" and r.path.startswith(f"/webhooks/{hook}/")]
        assert {r.path.rsplit("/", 1)[1] for r in edits} == {str(m.id) for m in posted}
        assert not world.bot_messages(cast_room)[1:], "only the /cast answer came from the bot user"

        # A reply to Mango's webhook message goes to Mango.
        await world.alice.send(cast_room, "why?", reply_to=posted[0])
        latest = [m for m in cast_room.history() if m.webhook_id is not None][-1]
        assert latest.author.name == "Mango" and latest.id != posted[0].id

        # Someone deleted the webhook: that reply falls back to the bold name, the next one makes a new webhook.
        world.env.backend.delete_webhook(hook)
        await world.alice.send(cast_room, "Luna, still there?")
        assert world.bot_messages(cast_room)[-1].content.startswith("**Luna:** Luna dreams of")
        await world.alice.send(cast_room, "Luna, and now?")
        newest = cast_room.history()[-1]
        assert newest.author.name == "Luna" and newest.webhook_id not in (None, hook)


async def test_discord_without_manage_webhooks_shows_the_name_in_bold(make_core) -> None:
    async with running(make_core, dialogue=CastEcho()) as world:
        me = world.guild.me
        room = world.guild.create_text_channel(
            "no-hooks", overwrites={me: discord.PermissionOverwrite(manage_webhooks=False)}
        )
        await _cast_in(world, room)
        await world.alice.send(room, "Mango, tea or coffee?")
        replies = world.bot_messages(room)
        assert replies and replies[-1].content.startswith("**Mango:** Mango dreams of")
        assert not replies[-1].content.endswith(" ⚪"), "the streamed text was finished with its label"
        assert all(m.webhook_id is None for m in room.history())
        assert not any(r.path.endswith("/webhooks") for r in world.env.http_requests), "no webhook tried"


# --------------------------------------------------------------------------------------------- Telegram


async def test_telegram_shows_a_coloured_dot_and_the_name_in_bold(make_core) -> None:
    core = await make_core(dialogue=CastEcho(), clock=FakeClock(), telegram_token="1:fake")
    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api, clock=core.clock)
    await adapter.app.initialize()
    try:
        upd = UpdateFactory()
        group = -100

        async def push(data: dict) -> None:
            await adapter.app.process_update(Update.de_json(data, adapter.app.bot))

        await push(upd.message("/cast add mango", chat_id=group, as_group=True))
        assert "Mango joins" in api.of("sendMessage")[-1].params["text"]
        await push(upd.message("Mango, <b>tea</b> or coffee?", chat_id=group))
        send = api.of("sendMessage")[-1]
        assert send.params["parse_mode"] == "HTML"
        assert send.params["text"].startswith("🟠 <b>Mango</b>: Mango")
        final = api.messages[max(api.messages)]["text"]
        assert final.startswith("🟠 <b>Mango</b>: Mango dreams of") and final.endswith("tonight.")
        assert all(c.params.get("parse_mode") == "HTML" for c in api.of("editMessageText"))
        # A reply to Mango's message reaches Mango.
        reply_to = api.messages[max(api.messages)]
        await push(upd.message("why?", chat_id=group, reply_to=reply_to))
        assert api.of("sendMessage")[-1].params["text"].startswith("🟠 <b>Mango</b>:")
    finally:
        await adapter.app.shutdown()


def test_telegram_escapes_a_persona_name() -> None:
    from bot.adapters.telegram_bot import persona_label

    assert persona_label(PersonaIdentity("<Kite & Co>", "#2980b9")) == "🔵 <b>&lt;Kite &amp; Co&gt;</b>: "


# ------------------------------------------------------------------------------------------- playground


async def test_playground_frames_carry_the_persona_and_its_colour(make_app) -> None:
    runtime = await make_app(dialogue=CastEcho(), clock=FakeClock())
    pg = Playground(runtime.core)
    client = TestClient(TestServer(pg.app))
    await client.start_server()
    try:
        ws = await client.ws_connect("/ws?channel=lobby&name=Ana&lang=en")
        assert (await ws.receive_json())["type"] == "hello"
        await ws.send_json({"type": "say", "text": "/cast add mango", "lang": "en"})
        seen: list[dict] = []
        async with asyncio.timeout(30):
            while not any(e.get("role") == "bot" for e in seen):
                seen.append(await ws.receive_json())
        await ws.send_json({"type": "say", "text": "Mango, tea or coffee?", "lang": "en"})
        async with asyncio.timeout(30):
            while True:
                event = await ws.receive_json()
                if event["type"] == "message" and event["role"] == "bot":
                    break
        assert event["author"] == "Mango" and event["colour"] == "#e67e22"
        async with asyncio.timeout(30):
            while True:
                rows = await (await client.get("/api/history?channel=lobby&name=Ana")).json()
                if any(r["role"] == "bot" for r in rows):
                    break
                await asyncio.sleep(0.02)
        bot_rows = [r for r in rows if r["role"] == "bot"]
        assert bot_rows[-1]["author"] == "Mango" and bot_rows[-1]["colour"] == "#e67e22"
        await ws.close()
    finally:
        await client.close()
        await pg.stop()


async def test_an_over_long_message_to_a_cast_member_is_refused_aloud(make_core) -> None:
    core = await cast_core(make_core, CastEcho(), "mango", max_message_chars=50)
    out = RecordingOutput()
    await core.handle(said("Mango, " + "tell me more " * 10), out)
    await core.handle(said("nobody in particular " * 10), out)
    assert out.messages == [t("message_too_long", "en", length=137, limit=50)]


async def test_a_persona_voice_is_a_chat_output_that_forwards_all_but_text(tmp_path: Path) -> None:
    inner = RecordingOutput()
    luna = PersonaIdentity(name="Luna", colour="#3366cc")
    voice = PersonaVoice(inner, luna)
    assert isinstance(voice, ChatOutput)
    sent = await voice.send("hello")
    assert inner.speakers[int(sent.id)] == luna
    await voice.edit(sent, "hello again")
    picture = tmp_path / "p.png"
    picture.write_bytes(b"png")
    await voice.send_image(picture, "a view")
    await voice.typing()
    assert inner.messages[0] == "hello again" and inner.images == [(picture, "a view")]
    assert inner.typing_calls == 1
