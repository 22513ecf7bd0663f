"""Defects found by hostile testing (issue 10): each test failed before its fix."""

from __future__ import annotations

import re

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


# --- defect 1: /link codes are private, and the first account confirms before anything merges --

VICTIM = User("web", "victim", "Victim")
ATTACKER = User("web", "attacker", "Attacker")
VICTIM_DC = User("discord", "77", "Victim")
DM_VICTIM = Channel("web", "dm-victim", ChannelKind.DIRECT)
DM_VICTIM_DC = Channel("discord", "dm77", ChannelKind.DIRECT)
DM_ATTACKER = Channel("web", "dm-attacker", ChannelKind.DIRECT)
CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{8}\b")


def code_in(out: RecordingOutput) -> str:
    """The link code shown in an answer."""
    found = set(CODE.findall(out.text))
    assert len(found) == 1, out.text
    return found.pop()


async def test_link_in_a_group_shows_no_code(make_core) -> None:
    core = await make_core()
    await say(core, GROUP, "/remember my address is 1 Secret Lane", user=VICTIM)
    out = await say(core, GROUP, "/link", user=VICTIM)
    assert "private chat" in out.text and not CODE.search(out.text)
    assert await core.memory.write(lambda tx: tx.all("SELECT * FROM link_codes")) == []
    # Redeeming in a group is refused too (it would show the code to everyone).
    assert "private chat" in (await say(core, GROUP, "/link ABCDEFGH", user=ATTACKER)).text
    # An answer only the caller sees (Discord's ephemeral reply) may carry the code.
    private = await say(core, GROUP, "/link", user=VICTIM, private_reply=True)
    assert code_in(private)


async def test_a_redeemed_code_merges_nothing_until_the_maker_says_yes(make_core) -> None:
    core = await make_core()
    await say(core, DM_VICTIM, "/remember my address is 1 Secret Lane", user=VICTIM)
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    claimed = await say(core, DM_ATTACKER, f"/link {code}", user=ATTACKER)
    assert "confirm" in claimed.text and "Linked" not in claimed.text
    assert "Secret Lane" not in (await say(core, DM_ATTACKER, "/memory", user=ATTACKER)).text
    # The maker is asked, with buttons, and says no: nothing is merged and the code is void.
    ask = await say(core, DM_VICTIM, "/link", user=VICTIM)
    assert "Attacker" in ask.text and [b.action for b in ask.buttons[-1]] == ["link:yes", "link:no"]
    assert "Not linked" in (await say(core, DM_VICTIM, "no", user=VICTIM)).text
    assert "Secret Lane" not in (await say(core, DM_ATTACKER, "/memory", user=ATTACKER)).text
    assert "unknown or expired" in (await say(core, DM_ATTACKER, f"/link {code}", user=ATTACKER)).text
    assert await core.memory.users.linked_keys(ATTACKER.key) == [ATTACKER.key]


async def test_the_maker_confirms_with_yes_or_the_button(make_core) -> None:
    core = await make_core()
    await say(core, DM_VICTIM, "/remember I like tea", user=VICTIM)
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    await say(core, DM_VICTIM_DC, f"/link {code}", user=VICTIM_DC)
    await say(core, DM_VICTIM, "/link", user=VICTIM)
    assert "Linked" in (await say(core, DM_VICTIM, "yes", user=VICTIM)).text
    assert "I like tea" in (await say(core, DM_VICTIM_DC, "/memory", user=VICTIM_DC)).text
    # The button works the same way.
    other = User("telegram", "5", "Victim")
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    await say(core, Channel("telegram", "5", ChannelKind.DIRECT), f"/link {code}", user=other)
    await say(core, DM_VICTIM, "/link", user=VICTIM)
    pressed = RecordingOutput()
    await core.handle_action(VICTIM, IncomingMessage(VICTIM, DM_VICTIM, ""), "link:yes", pressed)
    assert "Linked" in pressed.text
    assert other.key in await core.memory.users.linked_keys(VICTIM.key)


async def test_failed_link_attempts_are_limited_per_account(make_core) -> None:
    core = await make_core()
    code = code_in(await say(core, DM_VICTIM, "/link", user=VICTIM))
    for i in range(5):
        assert "unknown or expired" in (await say(core, DM_ATTACKER, f"/link WRONG{i}AB", user=ATTACKER)).text
    assert "Too many" in (await say(core, DM_ATTACKER, f"/link {code}", user=ATTACKER)).text
    # Another account is not held back by the attacker's failures.
    assert "confirm" in (await say(core, DM_VICTIM_DC, f"/link {code}", user=VICTIM_DC)).text
