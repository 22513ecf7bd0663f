"""Stream model output into platform messages with throttled edits, llmcord-style."""

from __future__ import annotations

import logging

from bot.core.clock import Clock
from bot.core.output import Button, ChatOutput, SentMessage

log = logging.getLogger(__name__)

INDICATOR = " ⚪"


def _cut_point(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit`): the last good break within the limit."""
    window = text[:limit]
    for sep in ("\n\n", "\n", ". ", "。", "! ", "? ", "！", "？", " "):
        pos = window.rfind(sep)
        if pos > limit // 3:
            return pos + len(sep)
    return limit


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most `limit` chars, preferring paragraph, line, sentence, word breaks."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


class StreamRelay:
    """Accumulates streamed text and mirrors it into one or more messages.

    Edits happen at most once per `out.min_edit_interval` seconds (measured on the injected
    clock), an indicator shows while text arrives, and text longer than the platform limit
    continues in a new message. `finish()` always delivers the final text.
    """

    def __init__(self, out: ChatOutput, clock: Clock, *, indicator: str = INDICATOR) -> None:
        self.out = out
        self.clock = clock
        self.indicator = indicator
        self.text = ""
        self._messages: list[SentMessage] = []
        self._shown: list[str] = []
        self._committed: list[str] = []
        self._offset = 0
        self._last_edit = float("-inf")
        self.edits = 0

    @property
    def _limit(self) -> int:
        return max(1, self.out.max_len - len(self.indicator))

    async def feed(self, chunk: str) -> None:
        """Add streamed text; edits the visible message when the throttle allows."""
        if not chunk:
            return
        self.text += chunk
        if self.clock.monotonic() - self._last_edit >= self.out.min_edit_interval:
            await self._render(final=False)

    async def finish(self, final_text: str | None = None) -> list[SentMessage]:
        """Show the final text (without indicator) and return the messages that hold it."""
        if final_text is not None:
            self.text = final_text
        await self._render(final=True)
        return list(self._messages)

    async def _render(self, *, final: bool) -> None:
        # Text that overflowed into a new message is committed: earlier messages never change again.
        while True:
            tail = self.text[self._offset :]
            index = len(self._committed)
            if len(tail) <= self._limit or (final and len(tail.rstrip()) <= self.out.max_len):
                break
            cut = _cut_point(tail, self._limit)
            head = tail[:cut].rstrip()
            await self._show(index, head, must_deliver=True)
            self._committed.append(head)
            self._offset += cut + (len(tail[cut:]) - len(tail[cut:].lstrip()))
        tail = self.text[self._offset :]
        shown = tail.strip() if final else tail.lstrip() + self.indicator
        if tail.strip():
            await self._show(len(self._committed), shown, must_deliver=final)
        self._last_edit = self.clock.monotonic()

    async def _show(self, index: int, text: str, *, must_deliver: bool) -> None:
        if index < len(self._messages):
            if self._shown[index] == text:
                return
            try:
                await self.out.edit(self._messages[index], text)
                self._shown[index] = text
                self.edits += 1
                return
            except Exception:
                if not must_deliver:
                    log.warning("stream edit failed; will retry on the next update", exc_info=True)
                    return
                log.warning("final edit failed; sending the text as a new message", exc_info=True)
            msg = await self.out.send(text)
            self._messages[index] = msg
            self._shown[index] = text
            return
        msg = await self.out.send(text)
        self._messages.append(msg)
        self._shown.append(text)


async def send_split(out: ChatOutput, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
    """Send text of any length as several messages (buttons under the last); returns the first."""
    parts = split_text(text, out.max_len)
    sent = [await out.send(part, buttons if i == len(parts) - 1 else ()) for i, part in enumerate(parts)]
    return sent[0]
