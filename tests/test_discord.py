"""The Discord adapter driven through discord.py's real dispatch against simcord's simulated Discord.

Everything between the gateway and the REST API is real discord.py code; the core behind the adapter is
the real one (SQLite store, tiny chat model, offline image renderer). Only Discord's servers are simulated.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from PIL import Image

from bot.adapters.discord_bot import (
    CUSTOM_ID_PREFIX,
    MAX_TEXT,
    ChannelOutput,
    fit_file,
    shard_config,
)
from bot.core.i18n import t
from bot.core.streaming import INDICATOR, StreamRelay
from tests.discord_harness import SimClock, World, callbacks_since, custom_ids, portrait_png, running, shown

SLOW_S = 120.0  # a "slow" backend: well past Discord's 3 s window, and past SETTLE_S so simcord parks it
TOKEN_LIFETIME_S = 15 * 60


@dataclass
class SlowDialogue:
    """The real tiny model behind a delay on the event loop (simcord's virtual time): a slow backend."""

    inner: Any
    delay_s: float

    @property
    def name(self) -> str:
        return f"slow {self.inner.name}"

    @property
    def languages(self) -> frozenset[str]:
        return self.inner.languages

    @property
    def context_tokens(self) -> int:
        return self.inner.context_tokens

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    async def stream(self, turns, config) -> AsyncIterator[str]:
        await asyncio.sleep(self.delay_s)
        async for chunk in self.inner.stream(turns, config):
            yield chunk

    async def generate(self, turns, config):
        await asyncio.sleep(self.delay_s)
        return await self.inner.generate(turns, config)

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def world(make_core) -> AsyncIterator[World]:
    async with running(make_core) as w:
        yield w


# ---------------------------------------------------------------------------------------------- slash commands


async def test_help_is_deferred_then_answered_by_a_follow_up(world: World) -> None:
    start = len(world.env.http_requests)
    result = await world.alice.slash(world.general, "help")
    assert callbacks_since(world.env, start) == [5], "acknowledged with a deferred 'thinking' response"
    assert "/adventure" in result.response.content and "Luna" in result.response.content
    assert not result.ephemeral


async def test_remember_then_memory_shows_it_privately(world: World) -> None:
    fact = "I love croissants and night trains"
    saved = await world.alice.slash(world.general, "remember", text=fact)
    assert saved.ephemeral and fact in saved.response.content
    memory = await world.alice.slash(world.general, "memory")
    assert memory.ephemeral, "facts about a person are not shown to the whole channel"
    assert fact in "\n".join(m.content for m in shown(memory))
    assert all(m.ephemeral for m in shown(memory))
    facts = await world.core.memory.facts.list(f"discord:{world.alice.id}")
    assert [f.text for f in facts] == [fact]


async def test_forget_confirmation_button_stays_private(world: World) -> None:
    await world.alice.slash(world.general, "remember", text="I live near the harbour")
    ask = await world.alice.slash(world.general, "forget")
    assert ask.ephemeral
    prompt = next(m for m in shown(ask) if m.components)
    assert custom_ids(prompt) == [CUSTOM_ID_PREFIX + "forget:yes", CUSTOM_ID_PREFIX + "forget:no"]
    done = await world.alice.click(prompt, custom_id=CUSTOM_ID_PREFIX + "forget:yes")
    assert done.ephemeral and all(m.ephemeral for m in shown(done))
    assert "forgotten" in shown(done)[0].content
    assert await world.core.memory.facts.list(f"discord:{world.alice.id}") == []


async def test_persona_switch_and_autocomplete(world: World) -> None:
    choices = await world.alice.autocomplete(world.general, "persona", "persona_id", "prof")
    assert [c["value"] for c in choices] == ["professor"]
    result = await world.alice.slash(world.general, "persona", persona_id="professor")
    assert "Quill" in result.response.content
    assert await world.core.memory.settings.channel_persona(world.channel_key(world.general)) == "professor"


async def test_long_answers_are_split_at_2000_characters(world: World) -> None:
    facts = [
        f"Fact {i}: " + ("I collect postcards from lighthouses and harbours. " * 9)[:480] for i in range(6)
    ]
    for fact in facts:
        await world.alice.slash(world.general, "remember", text=fact)
    result = await world.alice.slash(world.general, "memory")
    parts = shown(result)
    assert len(parts) >= 2 and all(m.ephemeral for m in parts), "every part stays private"
    assert all(0 < len(m.content) <= MAX_TEXT for m in parts)
    text = "\n".join(m.content for m in parts)
    assert all(f.strip() in text for f in facts)


# ---------------------------------------------------------------------------------------------- autocomplete


@pytest.fixture
def client_locales(monkeypatch) -> dict[int, str]:
    """Member id -> the Discord client locale the emulated gateway puts on their interactions."""
    import simcord.interactions as sim_interactions

    locales: dict[int, str] = {}
    original = sim_interactions.base_payload

    def with_locale(backend, **kw):
        record, payload = original(backend, **kw)
        payload["locale"] = locales.get(kw["user_id"], payload["locale"])
        return record, payload

    monkeypatch.setattr(sim_interactions, "base_payload", with_locale)
    return locales


async def test_a_japanese_or_chinese_client_gets_its_own_labels_and_replies(
    world: World, client_locales: dict[int, str]
) -> None:
    client_locales[world.alice.id] = "ja"
    ja = await world.alice.autocomplete(world.general, "adventure", "place", "par")
    assert ja[0] == {"name": "エッフェル塔 · パリ", "value": "eiffel_tower"}, (
        "labels follow the client locale"
    )
    client_locales[world.alice.id] = "zh-CN"
    zh = await world.alice.autocomplete(world.general, "adventure", "place", "tokyo")
    assert any(c["value"] == "tokyo_tower" and "东京" in c["name"] for c in zh)
    helped = await world.alice.slash(world.general, "help")
    assert t("help", "zh", persona="Luna").split("\n")[0] in helped.response.content
    assert "Hi, I'm" not in helped.response.content


async def test_place_autocomplete_offers_landmarks(world: World) -> None:
    choices = await world.alice.autocomplete(world.general, "adventure", "place", "par")
    assert 0 < len(choices) <= 25
    assert choices[0] == {"name": "Eiffel Tower · Paris", "value": "eiffel_tower"}
    # simcord sends every interaction with locale en-US; what the user types in Chinese picks the labels.
    zh = await world.alice.autocomplete(world.general, "adventure", "place", "巴")
    assert {"name": "埃菲尔铁塔 · 巴黎", "value": "eiffel_tower"} in zh
    result = await world.alice.slash(world.general, "adventure", place=zh[0]["value"], seed=1)
    assert any(m.attachments for m in shown(result)), "a suggested value is a place the command knows"


# ---------------------------------------------------------------------------------------------- files in and out


async def test_avatar_upload_comes_back_as_a_file(world: World) -> None:
    start = len(world.env.http_requests)
    result = await world.alice.slash(world.general, "avatar set", image=("me.png", portrait_png()))
    assert callbacks_since(world.env, start) == [5]
    files = [a for m in shown(result) for a in m.attachments]
    assert len(files) == 1 and files[0].filename.endswith(".png")
    avatar = await world.core.memory.avatars.get(f"discord:{world.alice.id}")
    assert avatar is not None and Path(avatar.path).is_file()


async def test_adventure_postcard_with_buttons_and_reroll(world: World) -> None:
    start = len(world.env.http_requests)
    result = await world.alice.slash(world.general, "adventure", place="paris", seed=42)
    assert callbacks_since(world.env, start) == [5]
    card = next(m for m in shown(result) if m.attachments)
    jpg = card.attachments[0]
    assert jpg.filename.endswith(".jpg")
    assert 0 < jpg.size <= world.client.get_guild(world.guild.id).filesize_limit
    data = await jpg.read()
    assert data[:2] == b"\xff\xd8"
    assert "#AvatarAdventures" in card.content and "42" in card.content
    ids = custom_ids(card)
    reroll = next(i for i in ids if i.startswith(CUSTOM_ID_PREFIX + "reroll:"))
    assert {i.rsplit(":", 2)[-2] + ":" + i.rsplit(":", 1)[-1] for i in ids if ":format:" in i} == {
        "4:5",
        "9:16",
    }
    start = len(world.env.http_requests)
    again = await world.alice.click(card.message, custom_id=reroll)
    assert callbacks_since(world.env, start) == [5]
    second = next(m for m in shown(again) if m.attachments)
    assert second.attachments[0].filename.endswith(".jpg")
    trips = await world.core.memory.adventures.list(f"discord:{world.alice.id}", limit=10)
    assert len(trips) == 2 and trips[-1].seed == 42


# ---------------------------------------------------------------------------------------------- deadlines


async def test_a_slow_core_still_answers_because_the_adapter_defers_first(make_core, tiny_dialogue) -> None:
    slow = SlowDialogue(tiny_dialogue, SLOW_S)

    def add_undeferred(client: discord.Client) -> None:
        @client.tree.command(name="undeferred", description="Answers only when the slow model is done")
        async def undeferred(interaction: discord.Interaction) -> None:
            from generators.dialogue.base import ChatTurn, GenerationConfig

            out = await slow.generate([ChatTurn("user", "hi")], GenerationConfig(max_new_tokens=4))
            await interaction.response.send_message(out.text or "…")

    async with running(make_core, dialogue=slow, extra_commands=add_undeferred) as w:
        start = len(w.env.http_requests)
        result = await w.alice.slash(w.general, "adventure", place="paris", seed=7)
        assert callbacks_since(w.env, start) == [5], "acknowledged at once"
        assert not any(m.attachments for m in shown(result)), "still working on the slow part"
        await w.env.advance_time(SLOW_S)
        card = next(m for m in shown(result) if m.attachments)
        assert card.attachments[0].filename.endswith(".jpg")
        assert not w.env.errors

        late = await w.alice.slash(w.general, "undeferred")
        await w.env.advance_time(SLOW_S)
        assert not late.acknowledged
        errors = w.expect_errors()
        assert [getattr(getattr(e, "original", e), "code", None) for e in errors] == [10062]


async def test_answer_after_the_token_expired_goes_to_the_channel(make_core, tiny_dialogue) -> None:
    slow = SlowDialogue(tiny_dialogue, TOKEN_LIFETIME_S + 60)
    async with running(make_core, dialogue=slow) as w:
        start = len(w.env.http_requests)
        result = await w.alice.slash(w.general, "adventure", place="paris", seed=3)
        assert callbacks_since(w.env, start) == [5]
        await w.env.advance_time(TOKEN_LIFETIME_S + 60)
        assert not any(m.attachments for m in shown(result)), "the follow-up could not be sent"
        last = w.general.last_message
        assert last.author.id == w.client.user.id
        assert last.content.startswith(w.alice.mention), "the user is pinged in the channel"
        assert last.attachments and last.attachments[0].filename.endswith(".jpg")
        assert any(
            CUSTOM_ID_PREFIX + "reroll:" in (c.custom_id or "")
            for row in last.components
            for c in row.children
        )
        assert not w.env.errors


async def test_private_answer_falls_back_to_a_dm_never_the_channel(world: World) -> None:
    world.env.inject_error("POST", "/webhooks/*", status=404, code=10015, message="Unknown Webhook")
    await world.alice.slash(world.general, "remember", text="my passport number is secret")
    assert all("secret" not in m.content for m in world.general.history())
    dm = world.alice.user.dm_channel.last_message
    assert dm is not None and "my passport number is secret" in dm.content


async def test_missed_acknowledgement_is_answered_in_the_channel(world: World) -> None:
    world.env.inject_error(
        "POST", "/interactions/*/callback", status=404, code=10062, message="Unknown interaction"
    )
    result = await world.alice.slash(world.general, "help")
    assert not result.acknowledged
    last = world.general.last_message
    assert last.content.startswith(world.alice.mention) and "/adventure" in last.content
    assert not world.env.errors


# ---------------------------------------------------------------------------------------------- mention chat


async def test_mention_chat_replies_with_streamed_edits(make_core) -> None:
    # Sampling (not greedy) so the tiny random model writes text rather than only newlines.
    async with running(make_core, llm_temperature=0.7) as world:
        await _mention_chat(world)


async def _mention_chat(world: World) -> None:
    bot_id = world.client.user.id
    start = len(world.env.http_requests)
    hello = await world.alice.send(world.general, f"<@{bot_id}> hello")
    replies = world.bot_messages(world.general)
    assert replies, "mentioned: the bot answers"
    first = replies[0]
    assert first.reference is not None and first.reference.message_id == hello.id
    assert all(not m.content.endswith(INDICATOR.strip()) for m in replies)
    requests = world.env.http_requests[start:]
    posts = [r for r in requests if r.method == "POST" and r.path.endswith("/messages")]
    edits = [r for r in requests if r.method == "PATCH" and "/messages/" in r.path]
    assert posts and posts[0].json["content"].endswith(INDICATOR), "streaming starts with the indicator"
    assert edits, "then the message is edited to the final text"
    rows = await world.core.memory.messages.recent(world.channel_key(world.general), 10)
    assert [r.role for r in rows] == ["user", "assistant"]

    count = len(world.bot_messages(world.general))
    await world.alice.send(world.general, "just chatting with friends here")
    assert len(world.bot_messages(world.general)) == count, "not addressed: no reply"
    await world.alice.send(world.general, "Luna, what should I pack?")
    assert len(world.bot_messages(world.general)) > count, "called by name: reply"
    count = len(world.bot_messages(world.general))
    await world.alice.send(world.general, "thanks!", reply_to=world.bot_messages(world.general)[-1])
    assert len(world.bot_messages(world.general)) > count, "a reply to the bot: reply"


async def test_a_bare_mention_gets_a_hint(world: World) -> None:
    await world.alice.send(world.general, f"<@{world.client.user.id}>")
    assert world.bot_messages(world.general)[-1].content == t("empty_message", "en")


async def test_streamed_edits_are_throttled_in_virtual_time(world: World) -> None:
    channel = world.client.get_channel(world.general.id)
    clock: SimClock = world.core.clock
    out = ChannelOutput(channel, clock=clock)
    relay = StreamRelay(out, clock)
    start = len(world.env.http_requests)
    edit_times: list[float] = []
    for i in range(30):
        before = len(world.env.http_requests)
        await relay.feed(f"word{i} ")
        if any(r.method == "PATCH" for r in world.env.http_requests[before:]):
            edit_times.append(clock.monotonic())
        await world.env.advance_time(0.25)
    await relay.finish()
    requests = world.env.http_requests[start:]
    assert [r.method for r in requests].count("POST") == 1
    gaps = [b - a for a, b in zip(edit_times, edit_times[1:], strict=False)]
    assert len(edit_times) >= 5 and all(g >= out.min_edit_interval for g in gaps)
    final = world.general.last_message.content
    assert final == " ".join(f"word{i}" for i in range(30)) and INDICATOR not in final


async def test_direct_messages_always_get_a_reply(world: World) -> None:
    bob = world.env.create_user("bob")
    await bob.send_dm("hi there")
    last = bob.dm_channel.last_message
    assert last.author.id == world.client.user.id and last.content.strip()


async def test_channels_where_the_bot_cannot_speak_are_left_alone(world: World) -> None:
    bot_member = world.client.get_guild(world.guild.id).me
    quiet = world.guild.create_text_channel(
        "announcements", overwrites={bot_member: discord.PermissionOverwrite(send_messages=False)}
    )
    start = len(world.env.http_requests)
    await world.alice.send(quiet, f"<@{world.client.user.id}> hello?")
    assert world.env.http_requests[start:] == [], "no reply attempted, nothing generated"
    assert await world.core.memory.messages.recent(world.channel_key(quiet), 5) == []


# ---------------------------------------------------------------------------------------------- admin


async def test_config_is_admin_only_and_limits_channels(world: World) -> None:
    with pytest.raises(simcord.SetupError):
        await world.alice.slash(world.general, "config channels", action="add")  # Discord hides it
    bot_id = world.client.user.id
    await world.alice.send(world.general, f"<@{bot_id}> /config channels add")
    assert world.bot_messages(world.general)[-1].content == t("config_admin_only", "en")
    # A server may open the command to everyone in its integration settings; the core still says no.
    config = next(c for c in await world.client.tree.fetch_commands() if c.name == "config")
    world.guild.set_command_permissions(config, {world.guild.default_role: True})
    opened = await world.alice.slash(world.general, "config channels", action="add")
    assert opened.ephemeral and opened.response.content == t("config_admin_only", "en")

    random_ch = world.guild.create_text_channel("random")
    saved = await world.admin.slash(world.general, "config channels", action="add", channel=world.general)
    assert saved.ephemeral and saved.response.content == t("config_saved", "en")
    await world.alice.send(random_ch, f"<@{bot_id}> are you there?")
    assert world.bot_messages(random_ch) == [], "other channels are ignored"
    before = len(world.bot_messages(world.general))
    await world.alice.send(world.general, f"<@{bot_id}> and here?")
    assert len(world.bot_messages(world.general)) > before


# ---------------------------------------------------------------------------------------------- sharding, files


@pytest.mark.parametrize(
    ("value", "expected"), [("auto", (True, None)), ("4", (True, 4)), ("", (False, None))]
)
def test_shard_setting(value: str, expected: tuple[bool, int | None]) -> None:
    assert shard_config(value) == expected


async def test_sharded_client_serves_guilds_on_every_shard(make_core) -> None:
    async with running(make_core, discord_shards="auto") as w:
        assert isinstance(w.client, discord.AutoShardedClient)
        assert sorted(w.client.shards) == [0, 1]
        other = w.env.create_guild("Far away", shard_id=1)
        chan = other.create_text_channel("lobby")
        carol = other.add_member(w.env.create_user("carol"))
        result = await carol.slash(chan, "help")
        assert "/adventure" in result.response.content


async def test_a_picture_over_the_server_limit_is_sent_smaller(world: World, tmp_path: Path) -> None:
    import numpy as np

    limit = world.client.get_guild(world.guild.id).filesize_limit
    side = int((limit / 3) ** 0.5) + 64  # an uncompressed PNG just over the server's upload limit
    noise = np.random.default_rng(1).integers(0, 255, (side, side, 3), dtype=np.uint8)
    big = tmp_path / "huge.png"
    Image.fromarray(noise).save(big, compress_level=0)
    assert big.stat().st_size > limit
    out = ChannelOutput(world.client.get_channel(world.general.id), clock=world.core.clock)
    await out.send_image(big, "A very detailed postcard", ())
    sent = world.general.last_message
    assert sent.content == "A very detailed postcard"
    assert sent.attachments[0].filename == "huge.jpg" and 0 < sent.attachments[0].size <= limit


def test_oversized_pictures_are_shrunk_under_the_limit(tmp_path: Path) -> None:
    import numpy as np

    noise = np.random.default_rng(0).integers(0, 255, (900, 900, 3), dtype=np.uint8)
    path = tmp_path / "big.png"
    Image.fromarray(noise).save(path)
    limit = path.stat().st_size // 4
    fitted = fit_file(path, limit)
    assert isinstance(fitted, bytes) and len(fitted) <= limit
    with Image.open(io.BytesIO(fitted)) as im:
        assert im.format == "JPEG" and im.size[0] >= 200
    assert list(tmp_path.iterdir()) == [path], "no copy left on disk for /forget to miss"
    assert fit_file(path, path.stat().st_size) == path
    assert fit_file(path, 100) is None


# ---------------------------------------------------------------------------------------------- confirmations


async def test_group_chatter_neither_confirms_nor_cancels_a_forget(world: World) -> None:
    """Issue 15: "yes" said to someone else, other chatter and a command in between leave /forget waiting."""
    await world.alice.slash(world.general, "remember", text="I live near the harbour")
    await world.alice.slash(world.general, "forget")  # the private prompt's button is not pressed
    before = len(world.bot_messages(world.general))
    await world.alice.send(world.general, "yes")
    await world.alice.send(world.general, "see you at the harbour at eight")
    assert len(world.bot_messages(world.general)) == before, "nothing is said about unaddressed chatter"
    memory = await world.alice.slash(world.general, "memory")
    assert "harbour" in memory.response.content, "not forgotten, and the command in between ran"
    await world.alice.send(world.general, "/forget")
    prompt = world.bot_messages(world.general)[-1]
    await world.alice.send(world.general, "/memory")
    assert "harbour" in world.bot_messages(world.general)[-1].content
    await world.alice.send(world.general, "yes", reply_to=prompt)
    assert "forgotten" in world.bot_messages(world.general)[-1].content, "a reply to the prompt confirms"


async def test_a_mention_with_the_word_confirms_a_forget(world: World) -> None:
    await world.alice.slash(world.general, "remember", text="I live near the harbour")
    await world.alice.send(world.general, "/forget")
    await world.alice.send(world.general, f"<@{world.client.user.id}> yes")
    assert "forgotten" in world.bot_messages(world.general)[-1].content
    memory = await world.alice.slash(world.general, "memory")
    assert "harbour" not in memory.response.content
