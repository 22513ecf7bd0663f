"""Defects found by hostile testing (issue 10): each test failed before its fix."""

from __future__ import annotations

from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from tests.outputs import RecordingOutput

ANA = User("web", "ana", "Ana")
GROUP = Channel("web", "grp", ChannelKind.GROUP, space="x")
QUIET = Channel("web", "quiet", ChannelKind.GROUP, space="x")


async def say(core, channel: Channel, text: str, user: User = ANA, **kw) -> RecordingOutput:
    """Send one message through the real core and return what it answered."""
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, **kw), out)
    return out


# --- defect 7: the length check runs after "addressed" and "allowed here" -----------------------


async def test_long_unaddressed_group_message_gets_no_reply(make_core) -> None:
    core = await make_core()
    assert (await say(core, GROUP, "y" * 4001)).messages == []
    assert "too long" in (await say(core, GROUP, "y" * 4001, mentions_bot=True)).text
    assert "too long" in (await say(core, GROUP, "/remember " + "y" * 4001)).text


async def test_long_message_in_a_switched_off_channel_gets_no_reply(make_core) -> None:
    core = await make_core()
    await core.memory.settings.set("web-space:x", "allowed_channels", '["grp"]')
    assert (await say(core, QUIET, "y" * 4001, mentions_bot=True)).messages == []
    assert (await say(core, QUIET, "/remember " + "y" * 4001)).messages == []
    assert "too long" in (await say(core, GROUP, "y" * 4001, mentions_bot=True)).text
