"""The stream relay: throttled edits on an injected clock, indicator, splitting, final delivery."""

from __future__ import annotations

import pytest

from bot.core.clock import FakeClock
from bot.core.streaming import INDICATOR, StreamRelay, split_text
from tests.outputs import RecordingOutput


def test_split_text_respects_limit_and_prefers_breaks() -> None:
    text = "First sentence here. Second sentence is longer than the first one. Third!"
    parts = split_text(text, 30)
    assert all(len(p) <= 30 for p in parts)
    assert " ".join(parts).replace("  ", " ") == text
    assert parts[0] == "First sentence here."


def test_split_text_hard_cuts_unbroken_text() -> None:
    parts = split_text("x" * 95, 40)
    assert [len(p) for p in parts] == [40, 40, 15]


async def test_edits_are_throttled_by_the_injected_clock() -> None:
    clock = FakeClock()
    out = RecordingOutput(max_len=2000, clock=clock)
    relay = StreamRelay(out, clock)
    for i in range(30):  # 30 tokens arriving 0.1 s apart -> about 3 s of streaming
        await relay.feed(f"w{i} ")
        clock.advance(0.1)
    await relay.finish()
    edit_times = [t for kind, t, _ in out.log if kind == "edit"]
    gaps = [b - a for a, b in zip(edit_times, edit_times[1:], strict=False)]
    assert all(g >= 1.0 - 1e-9 for g in gaps[:-1]), gaps  # the final edit may come sooner
    assert len(edit_times) <= 5
    assert out.messages == ["".join(f"w{i} " for i in range(30)).strip()]


async def test_indicator_shows_while_streaming_and_goes_at_the_end() -> None:
    clock = FakeClock()
    out = RecordingOutput(max_len=2000, clock=clock)
    relay = StreamRelay(out, clock)
    await relay.feed("Hello")
    assert out.messages[0].endswith(INDICATOR)
    await relay.finish()
    assert out.messages[0] == "Hello"


async def test_long_stream_continues_in_new_messages_within_the_limit() -> None:
    clock = FakeClock()
    out = RecordingOutput(max_len=50, clock=clock)
    relay = StreamRelay(out, clock)
    words = [f"word{i} " for i in range(40)]
    for w in words:
        await relay.feed(w)
        clock.advance(1.5)
    await relay.finish()
    assert len(out.messages) >= 5
    assert all(len(m) <= 50 for m in out.messages)
    assert " ".join(out.messages).split() == "".join(words).split()


async def test_failed_final_edit_is_delivered_as_a_new_message() -> None:
    clock = FakeClock()
    out = RecordingOutput(max_len=2000, clock=clock)
    relay = StreamRelay(out, clock)
    await relay.feed("partial")
    clock.advance(2)
    out.fail_edits = 1
    await relay.finish("partial and final")
    assert out.messages[-1] == "partial and final"


@pytest.mark.parametrize("limit", [1, 7, 2000])
def test_split_text_never_loses_characters(limit: int) -> None:
    text = "你好世界。" * 30 + " mixed words and 表情 🙂 " * 5
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
