"""Persona reactions: an emoji on messages naming a favourite, at most once a minute per channel."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update

from bot.adapters.console import chat_loop
from bot.adapters.telegram_bot import TelegramAdapter, telegram_reaction
from bot.adapters.web import Playground
from bot.core.clock import FakeClock
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.reactions import pick
from generators.errors import InputError
from personas.cards import card_to_persona, persona_to_card
from personas.model import Reaction
from personas.toml_io import dumps, parse_toml
from tests.discord_harness import running
from tests.fake_telegram import FakeBotAPI, UpdateFactory
from tests.outputs import RecordingOutput

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"
GROUP = -100


async def push(adapter: TelegramAdapter, data: dict) -> None:
    await adapter.app.process_update(Update.de_json(data, adapter.app.bot))


def reacted(api: FakeBotAPI) -> list[tuple[int, str]]:
    calls = api.of("setMessageReaction")
    return [
        (int(c.params["message_id"]), json.loads(json.dumps(c.params["reaction"]))[0]["emoji"]) for c in calls
    ]


async def test_telegram_group_reactions_once_a_minute(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token=TOKEN, clock=clock)
    await core.memory.settings.set_channel_persona(f"telegram:{GROUP}", "mango")
    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api, clock=clock)
    await adapter.app.initialize()
    try:
        upd = UpdateFactory()
        await push(adapter, upd.message("what a lovely teapot", chat_id=GROUP))  # not the word "tea"
        assert reacted(api) == []
        first = upd.message("who wants Bubble Tea later?", chat_id=GROUP, user_id=2, name="Ben")
        await push(adapter, first)
        assert reacted(api) == [(first["message"]["message_id"], "🤗")]  # 🍵 is not a Telegram reaction
        assert api.of("sendMessage") == []  # not addressed: a reaction, no reply
        await push(adapter, upd.message("我也想喝奶茶", chat_id=GROUP))
        clock.advance(59)
        await push(adapter, upd.message("tea tea tea", chat_id=GROUP))
        assert len(reacted(api)) == 1
        clock.advance(2)
        later = upd.message("Dumplings first!", chat_id=GROUP)
        await push(adapter, later)
        assert reacted(api)[-1] == (later["message"]["message_id"], "🌭")
        await push(adapter, upd.message("/help", chat_id=-200))  # another channel, luna: no favourite
        assert len(reacted(api)) == 2
    finally:
        await adapter.app.shutdown()


async def test_playground_shows_the_reaction_under_the_message(make_app) -> None:
    rt = await make_app(clock=FakeClock())
    await rt.core.memory.settings.set_channel_persona("web:lobby", "professor")
    pg = Playground(rt.core)
    client = TestClient(TestServer(pg.app))
    await client.start_server()
    try:
        ws = await client.ws_connect("/ws?channel=lobby&name=Ana&lang=zh")
        assert (await ws.receive_json())["type"] == "hello"
        await ws.send_json({"type": "say", "text": "我们去看金字塔吧"})
        echo = await ws.receive_json()
        reaction = await ws.receive_json()
        assert echo["role"] == "user" and reaction == {"type": "reaction", "id": echo["id"], "emoji": "🏛️"}
        await ws.close()
    finally:
        await client.close()
    assert "addReaction" in (Path(__file__).parents[1] / "bot/adapters/static/app.js").read_text()


async def test_a_refused_reaction_never_breaks_the_chat(make_core) -> None:
    class NoPermission(RecordingOutput):
        tries = 0

        async def react(self, message_id: str, emoji: str) -> None:
            self.tries += 1
            raise PermissionError("Missing Permissions")

    core = await make_core(clock=FakeClock())
    room = Channel("web", "dm-ana", ChannelKind.DIRECT)
    await core.memory.settings.set_channel_persona(room.key, "luna")
    out = NoPermission()
    await core.handle(IncomingMessage(User("web", "ana", "Ana"), room, "I love night trains!", "m1"), out)
    assert out.tries == 1, "it tried to react, and the refusal was swallowed"
    assert out.messages and "sorry" not in out.text.lower()


def test_word_boundaries_case_and_chinese() -> None:
    reactions = (Reaction(("tea", "茶"), "🍵"), Reaction(("New York",), "🗽"))
    assert pick(reactions, "Green TEA, please") == "🍵"
    assert pick(reactions, "steam and teapots") is None
    assert pick(reactions, "来杯茶吧") == "🍵"
    assert pick(reactions, "off to new york!") == "🗽"
    assert telegram_reaction("❤️") == "❤" and telegram_reaction("👍") == "👍"
    assert telegram_reaction("🦜") == "👍"


def _card(reactions: object) -> dict:
    ext = {"avatar_adventures": {"reactions": reactions}}
    return {"spec": "chara_card_v3", "data": {"name": "Tess", "extensions": ext}}


@pytest.mark.parametrize(
    "hostile",
    [
        [{"words": ["tea"], "emoji": "<script>alert(1)</script>"}],
        [{"words": ["tea"], "emoji": "@everyone"}],
        [{"words": ["tea"], "emoji": "<:custom:123456>"}],
        [{"words": ["tea"], "emoji": "🍵 and text"}],
        [{"words": ["tea"], "emoji": "🍵" * 40}],
        [{"words": ["x" * 500], "emoji": "🍵"}],
        [{"words": "tea", "emoji": "🍵"}],
        [{"words": [["nested"]], "emoji": "🍵"}],
        {"words": ["tea"], "emoji": "🍵"},
        ["tea"],
    ],
)
def test_hostile_card_reactions_are_refused(hostile: object) -> None:
    with pytest.raises(InputError) as err:
        card_to_persona(_card(hostile))
    assert err.value.key == "card_invalid"


def test_card_reactions_are_cleaned_capped_and_round_trip() -> None:
    many = [{"words": [f"w{i}", "\u202eevil\u0000", "w0", ""], "emoji": "🍵"} for i in range(50)]
    many[0]["words"] += [f"extra{i}" for i in range(20)]
    imported = card_to_persona(_card(many))
    persona = imported.persona
    assert len(persona.reactions) == 20 and any("20" in w for w in imported.warnings)
    assert persona.reactions[1].words == ("w1", "evil", "w0")
    assert len(persona.reactions[0].words) == 10
    assert card_to_persona(persona_to_card(persona)).persona.reactions == persona.reactions
    assert parse_toml(dumps(persona).encode(), source="user")[0].reactions == persona.reactions


async def test_discord_reacts_to_a_favourite_once_a_minute(make_core) -> None:
    async with running(make_core) as world:
        await world.core.memory.settings.set_channel_persona(world.channel_key(world.general), "mango")

        def reactions() -> list[str]:
            return [
                unquote(r.path.split("/reactions/")[1].split("/")[0])
                for r in world.env.http_requests
                if r.method == "PUT" and "/reactions/" in r.path
            ]

        first = await world.alice.send(world.general, "Mango sticky rice, anyone?")
        assert reactions() == ["🥭"]
        assert any(f"/messages/{first.id}/reactions/" in r.path for r in world.env.http_requests)
        await world.alice.send(world.general, "or ramen")
        assert reactions() == ["🥭"]
        await world.env.advance_time(61)
        await world.alice.send(world.general, "ramen it is")
        assert reactions() == ["🥭", "🍜"]


async def test_the_terminal_shows_reactions(make_core) -> None:
    core = await make_core(clock=FakeClock())
    await core.memory.settings.set_channel_persona("console:terminal", "professor")
    stdout = io.StringIO()
    await chat_loop(
        core, user_name="Ana", stdin=io.StringIO("/help\nTell me about ancient Rome\n"), stdout=stdout
    )
    assert "[📜]" in stdout.getvalue()
    assert not core.outlets.running("console")  # only while the terminal chat runs
