"""The command registry: typed text parsed once, and one declaration that every platform and /help show."""

from __future__ import annotations

import io

import pytest
from aiohttp.test_utils import TestClient, TestServer
from discord import AppCommandOptionType

from bot.adapters.console import chat_loop
from bot.adapters.discord_bot import make_client
from bot.adapters.telegram_bot import TelegramAdapter
from bot.adapters.web import Playground
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.models import Attachment, Mention, User
from bot.core.registry import CommandSpec, Kind, Option, Registry, Words
from tests.fake_telegram import FakeBotAPI

ANA = User("discord", "11", "Ana Maria")
BEN = User("discord", "12", "Ben")


def adventure_registry() -> Registry:
    from bot.core.adventure_args import ADVENTURE_OPTIONS

    async def noop(ctx: Context) -> None:
        return None

    return Registry([CommandSpec("adventure", Words("a", "a"), noop, options=ADVENTURE_OPTIONS)])


def test_a_friend_whose_name_has_a_space_is_found() -> None:
    cmd = adventure_registry().parse("/adventure paris with @Ana Maria", mentioned=(ANA,))
    assert cmd is not None and cmd.string("place") == "paris"
    assert cmd.mentions("friend") == (Mention("Ana Maria", ANA),)


def test_several_friends_and_platform_mentions() -> None:
    cmd = adventure_registry().parse(
        "/adventure tokyo seed:3 with @Ana Maria and <@12>", mentioned=(ANA, BEN)
    )
    assert cmd is not None
    assert (cmd.string("place"), cmd.integer("seed")) == ("tokyo", 3)
    assert [m.user for m in cmd.mentions("friend")] == [ANA, BEN]


def test_a_name_nobody_mentioned_stays_a_name() -> None:
    cmd = adventure_registry().parse("/adventure rome with @Zoe")
    assert cmd is not None and cmd.mentions("friend") == (Mention("Zoe", None),)


def test_typed_options_are_converted_and_checked() -> None:
    cmd = adventure_registry().parse("/adventure 巴黎 seed：７ format:story style:water-colour")
    assert cmd is not None
    assert (cmd.string("place"), cmd.integer("seed"), cmd.string("format"), cmd.string("style")) == (
        "巴黎",
        7,
        "9:16",
        "water-colour",
    )
    with pytest.raises(UserFacingError) as err:
        adventure_registry().parse("/adventure paris format:3:2")
    assert err.value.key == "format_invalid"


async def test_subcommands_and_attachments_are_parsed_from_text(make_core) -> None:
    registry = (await make_core()).registry
    cmd = registry.parse("/config channels add <#42> 43")
    assert cmd is not None and (cmd.sub, cmd.string("action"), cmd.ids("channel")) == (
        "channels",
        "add",
        ("42", "43"),
    )
    assert registry.parse("/settings").sub is None
    assert registry.is_admin_command("/config persona x") and not registry.accepts_attachment("/config")

    async def noop(ctx: Context) -> None:
        return None

    upload = CommandSpec(
        "frame",
        Words("f", "f"),
        noop,
        subcommands=(
            CommandSpec("set", Words("s", "s"), options=(Option("image", Kind.ATTACHMENT, Words("i", "i")),)),
        ),
    )
    registry.add(upload)
    att = Attachment("me.png", data=b"x")
    assert registry.parse("/frame set", attachments=(att,)).attachment("image") == att
    assert registry.accepts_attachment("/frame set") and registry.accepts_attachment("/avatar")


class Waving(Feature):
    """A new feature: one command declared once, plus its handler."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, int | None]] = []

    def commands(self) -> list[CommandSpec]:
        return [
            CommandSpec(
                "wave",
                Words("Wave at someone", "向某人挥手"),
                self.cmd_wave,
                options=(
                    Option(
                        "times",
                        Kind.INTEGER,
                        Words("How often", "几次"),
                        keywords=("times",),
                        min_value=1,
                        max_value=5,
                    ),
                    Option("to", Kind.TEXT, Words("Who to wave at", "向谁挥手"), required=True),
                ),
                usage=Words("NAME [times:N]", "名字 [times:N]"),
                quick="/wave everyone",
            )
        ]

    async def cmd_wave(self, ctx: Context) -> None:
        assert ctx.command is not None
        self.heard.append((ctx.command.string("to"), ctx.command.integer("times")))
        await ctx.send("👋" * (ctx.command.integer("times") or 1))


async def test_one_declaration_reaches_discord_telegram_the_playground_and_help(make_core) -> None:
    """A new command is one CommandSpec plus its handler; every platform and /help pick it up."""
    waving = Waving()
    core = await make_core(
        telegram_token="123456789:AAFakeTokenForTestsOnly_abcdefghijklmno", features=(waving,)
    )
    client = make_client(core, core.settings)
    slash = client.tree.get_command("wave")
    assert slash is not None and slash.description == "Wave at someone"
    params = {p.name: p for p in slash.parameters}
    assert params["to"].required and params["to"].type is AppCommandOptionType.string
    assert params["times"].type is AppCommandOptionType.integer and params["times"].max_value == 5

    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api)
    await adapter.app.initialize()
    try:
        await adapter.publish_commands()
    finally:
        await adapter.app.shutdown()
    menus = {c.params.get("language_code"): c.params["commands"] for c in api.of("setMyCommands")}
    for lang, description in ((None, "Wave at someone"), ("zh", "向某人挥手")):
        entries = [c if isinstance(c, dict) else c.to_dict() for c in menus[lang]]
        assert {"command": "wave", "description": description} in entries

    web = TestClient(TestServer(Playground(core).app))
    await web.start_server()
    try:
        listed = await (await web.get("/api/commands")).json()
    finally:
        await web.close()
    assert {"label": "/wave everyone", "command": "/wave everyone"} in listed["quick"]

    stdin, stdout = io.StringIO("/help\n/wave the harbour times:3\n/帮助\n"), io.StringIO()
    await chat_loop(core, user_name="Ana", stdin=stdin, stdout=stdout)
    shown = stdout.getvalue()
    assert "/wave NAME [times:N]: Wave at someone" in shown
    assert "/wave 名字 [times:N]：向某人挥手" in shown
    assert "👋👋👋" in shown and waving.heard == [("the harbour", 3)]
