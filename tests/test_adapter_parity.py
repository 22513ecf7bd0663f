"""Both platform adapters hand the core the same objects for the same logical events.

The real core runs behind a recorder that notes every IncomingMessage (and button action) it receives, then
delegates. Discord is driven through simcord, Telegram through the fake Bot API; only the servers are fake.

Normalisation drops what is platform-specific by nature: platform ids, message ids, sent_at, display-name
formatting, locale (Discord slash commands carry the client locale, channel messages none; Telegram sends
`language_code`), channel title/space, and attachment filename/content type (Discord keeps the uploaded name,
Telegram photos are always `photo.jpg`/JPEG). Everything else must be equal across platforms.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import Update

from bot.adapters.discord_bot import CUSTOM_ID_PREFIX
from bot.adapters.telegram_bot import TelegramAdapter
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from tests.discord_harness import custom_ids, portrait_png, running, shown
from tests.fake_telegram import BOT_USERNAME, FakeBotAPI, UpdateFactory

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"
GROUP_CHAT = -100
SETTINGS: dict[str, Any] = {"llm_temperature": 0.0, "llm_max_new_tokens": 8, "image_cooldown_s": 0.0}


@dataclass
class Recorder:
    """Stands in for the core towards an adapter: records what arrives, the real core does the work."""

    core: Any
    messages: list[IncomingMessage] = field(default_factory=list)
    actions: list[tuple[User, IncomingMessage, str]] = field(default_factory=list)

    async def handle(self, msg: IncomingMessage, out: Any) -> None:
        """Record, then let the real core answer."""
        self.messages.append(msg)
        await self.core.handle(msg, out)

    async def handle_action(self, user: User, msg: IncomingMessage, action: str, out: Any) -> None:
        """Record, then let the real core run the action."""
        self.actions.append((user, msg, action))
        await self.core.handle_action(user, msg, action, out)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.core, name)


def normalised(msg: IncomingMessage) -> dict[str, Any]:
    """The platform-neutral part of a message (see the module docstring for what is dropped)."""
    assert type(msg) is IncomingMessage and type(msg.user) is User and type(msg.channel) is Channel
    return {
        "kind": msg.channel.kind,
        "text": msg.text,
        "mentions_bot": msg.mentions_bot,
        "reply_to_bot": msg.reply_to_bot,
        "attachments": [(a.size, a.data) for a in msg.attachments],
        "mentioned_users": len(msg.mentioned_users),
    }


def expected(kind: ChannelKind, text: str, **flags: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "text": text,
        "mentions_bot": flags.get("mentions_bot", False),
        "reply_to_bot": flags.get("reply_to_bot", False),
        "attachments": flags.get("attachments", []),
        "mentioned_users": 0,
    }


class DiscordDriver:
    """Logical events as a Discord user (alice) produces them in simcord."""

    def __init__(self, world: Any) -> None:
        self.w = world
        self.bot_mention = f"<@{world.client.user.id}>"

    def answers(self) -> int:
        """How many messages the bot has posted in the group channel."""
        return len(self.w.bot_messages(self.w.general))

    async def dm(self, text: str) -> None:
        await self.w.alice.send_dm(text)

    async def group(self, text: str, *, mention: bool = False) -> None:
        await self.w.alice.send(self.w.general, f"{self.bot_mention} {text}" if mention else text)

    async def reply_to_bot(self, text: str) -> None:
        await self.w.alice.send(self.w.general, text, reply_to=self.w.bot_messages(self.w.general)[-1])

    async def command(self, name: str) -> str:
        result = await self.w.alice.slash(self.w.general, name)
        return "\n".join(m.content for m in shown(result))

    async def avatar(self, data: bytes) -> None:
        await self.w.alice.slash(self.w.general, "avatar set", image=("me.png", data))

    async def forget_buttons(self) -> list[str]:
        ask = await self.w.alice.slash(self.w.general, "forget")
        self._prompt = next(m for m in shown(ask) if m.components)
        return [c[len(CUSTOM_ID_PREFIX) :] for c in custom_ids(self._prompt)]

    async def press(self, action: str) -> None:
        await self.w.alice.click(self._prompt, custom_id=CUSTOM_ID_PREFIX + action)


class TelegramDriver:
    """The same logical events as a Telegram user (Ana) produces them through the Bot API."""

    def __init__(self, adapter: TelegramAdapter, api: FakeBotAPI) -> None:
        self.adapter, self.api, self.upd = adapter, api, UpdateFactory()
        self._prompt: dict | None = None

    async def _push(self, data: dict) -> None:
        await self.adapter.app.process_update(Update.de_json(data, self.adapter.app.bot))

    def answers(self) -> int:
        return len([c for c in self.api.of("sendMessage") if c.params["chat_id"] == GROUP_CHAT])

    def _last_bot_message(self) -> dict:
        return self.api.messages[max(self.api.messages)]

    async def dm(self, text: str) -> None:
        await self._push(self.upd.message(text))

    async def group(self, text: str, *, mention: bool = False) -> None:
        if not mention:
            await self._push(self.upd.message(text, chat_id=GROUP_CHAT))
            return
        tag = f"@{BOT_USERNAME}"
        entity = {"type": "mention", "offset": 0, "length": len(tag)}
        await self._push(self.upd.message(f"{tag} {text}", chat_id=GROUP_CHAT, entities=[entity]))

    async def reply_to_bot(self, text: str) -> None:
        bot_msg = self._last_bot_message()
        await self._push(self.upd.message(text, chat_id=GROUP_CHAT, reply_to=bot_msg))

    async def command(self, name: str) -> str:
        start = len(self.api.calls)
        entity = {"type": "bot_command", "offset": 0, "length": len(name) + 1}
        await self._push(self.upd.message(f"/{name}", chat_id=GROUP_CHAT, entities=[entity]))
        return "\n".join(
            c.params.get("text", "") for c in self.api.calls[start:] if c.method == "sendMessage"
        )

    async def avatar(self, data: bytes) -> None:
        self.api.files["portrait"] = data
        await self._push(self.upd.message(None, chat_id=GROUP_CHAT, photo_file="portrait", caption="/avatar"))

    async def forget_buttons(self) -> list[str]:
        start = len(self.api.calls)
        entity = {"type": "bot_command", "offset": 0, "length": len("/forget")}
        await self._push(self.upd.message("/forget", chat_id=GROUP_CHAT, entities=[entity]))
        sent = [
            c for c in self.api.calls[start:] if c.method == "sendMessage" and c.params.get("reply_markup")
        ]
        assert sent, "the confirmation came with buttons"
        markup = sent[-1].params["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        self._prompt = self._last_bot_message()
        return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]

    async def press(self, action: str) -> None:
        assert self._prompt is not None
        await self._push(self.upd.callback(action, self._prompt))


@pytest.fixture(params=["discord", "telegram"])
async def platform(request, make_core) -> AsyncIterator[tuple[str, Recorder, Any]]:
    """(platform name, recorder in front of a real core, driver) for each adapter."""
    if request.param == "discord":
        holder: dict[str, Any] = {}

        async def recorded_core(**kw: Any) -> Any:
            holder["rec"] = Recorder(await make_core(**kw))
            return holder["rec"]

        async with running(recorded_core, **SETTINGS) as world:
            yield "discord", holder["rec"], DiscordDriver(world)
        return
    core = await make_core(telegram_token=TOKEN, **SETTINGS)
    rec = Recorder(core)
    api = FakeBotAPI()
    adapter = TelegramAdapter(rec, core.settings, request=api, clock=core.clock)
    await adapter.app.initialize()
    try:
        yield "telegram", rec, TelegramDriver(adapter, api)
    finally:
        await adapter.app.shutdown()


def _check_keys(name: str, msg: IncomingMessage) -> None:
    assert msg.user.platform == name and msg.channel.platform == name
    assert msg.user.key == f"{name}:{msg.user.platform_id}" and msg.user.platform_id
    assert msg.channel.key == f"{name}:{msg.channel.platform_id}" and msg.channel.platform_id


async def test_chat_messages_reach_the_core_as_the_same_objects(platform) -> None:
    name, rec, drive = platform
    await drive.dm("hello")
    await drive.group("hello there", mention=True)
    answered = drive.answers()
    assert answered >= 1, "a mention is answered"
    await drive.reply_to_bot("thanks!")
    assert drive.answers() > answered, "a reply to the bot is answered"
    answered = drive.answers()
    await drive.group("just chatting with friends here")
    assert drive.answers() == answered, "a plain group message is not answered"

    # Known difference: a Discord reply pings the replied-to author by default, so Discord lists the bot in
    # the reply's mentions and the adapter reports mentions_bot=True too; a Telegram reply is not a mention.
    # Both mean "addressed" to the core.
    reply_pings = name == "discord"
    seen = [normalised(m) for m in rec.messages]
    assert seen == [
        expected(ChannelKind.DIRECT, "hello"),
        expected(ChannelKind.GROUP, "hello there", mentions_bot=True),
        expected(ChannelKind.GROUP, "thanks!", reply_to_bot=True, mentions_bot=reply_pings),
        expected(ChannelKind.GROUP, "just chatting with friends here"),
    ]
    for msg in rec.messages:
        _check_keys(name, msg)
    assert len({m.user.key for m in rec.messages}) == 1, "one person, one identity in DMs and groups"


@pytest.mark.parametrize(
    "platform",
    [
        "discord",
        "telegram",
    ],
    indirect=True,
)
async def test_a_mention_reaches_the_core_without_its_markup(platform) -> None:
    name, rec, drive = platform
    await drive.group("hello there", mention=True)
    (msg,) = rec.messages
    assert normalised(msg) == expected(ChannelKind.GROUP, "hello there", mentions_bot=True)


async def test_commands_uploads_and_buttons_reach_the_core_alike(platform) -> None:
    name, rec, drive = platform
    help_text = await drive.command("help")
    assert "/adventure" in help_text, "/help is answered as a command on both platforms"
    (help_msg,) = rec.messages
    got = normalised(help_msg)
    # A Discord slash command is addressed to the bot by construction (mentions_bot=True); a Telegram
    # `/help` carries a bot_command entity, not a mention. The core treats commands as addressed either way.
    assert got.pop("mentions_bot") is (name == "discord")
    assert got == {k: v for k, v in expected(ChannelKind.GROUP, "/help").items() if k != "mentions_bot"}

    data = portrait_png()
    await drive.avatar(data)
    avatar_msg = rec.messages[-1]
    assert avatar_msg.text == "/avatar set" and avatar_msg.channel.kind is ChannelKind.GROUP
    assert [(a.size, a.data) for a in avatar_msg.attachments] == [(len(data), data)]

    actions = await drive.forget_buttons()
    assert actions == ["forget:yes", "forget:no"]
    await drive.press("forget:no")
    ((user, msg, action),) = rec.actions
    assert action == "forget:no"
    assert type(msg) is IncomingMessage and msg.text == "" and msg.channel.kind is ChannelKind.GROUP
    assert user == msg.user or user.key == msg.user.key
    for m in [*rec.messages, msg]:
        _check_keys(name, m)
    assert len({m.user.key for m in rec.messages} | {user.key}) == 1
