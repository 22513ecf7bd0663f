"""The terminal chat driven in-process: one block per line, confirmations as on every platform."""

from __future__ import annotations

import io

import pytest

from bot.adapters.console import chat_loop


async def run_lines(core, lines: list[str], *, group: bool = False) -> list[str]:
    stdin, stdout = io.StringIO("\n".join(lines) + "\n"), io.StringIO()
    await chat_loop(core, user_name="Ana", group=group, stdin=stdin, stdout=stdout)
    return [b for b in stdout.getvalue().split("\n\n") if b.strip()]


@pytest.mark.parametrize("group", [False, True])
async def test_a_command_in_between_neither_confirms_nor_cancels_a_forget(make_core, group: bool) -> None:
    core = await make_core()
    blocks = await run_lines(
        core, ["/remember I love maps", "/forget", "/memory", "yes", "/memory"], group=group
    )
    assert "I love maps" in blocks[2], "the command in between ran normally"
    assert "forgotten" in blocks[3], "the terminal user's answer confirms"
    assert "I love maps" not in blocks[4]
