"""Generated token ids to text that ends on a whole character, while streaming and at the end.

Byte-level tokenizers split a CJK character or an emoji over several tokens. Until its last token arrives
the decode ends in U+FFFD, and when generation stops at the token cap in between, it stays that way. That
tail is held back while streaming and dropped at the end, so no reply ends in a broken character.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

Decode = Callable[[Sequence[int]], str]
PARTIAL = "\ufffd"  # what a decode shows for the first bytes of a character whose other bytes are missing


def complete_text(decode: Decode, ids: Sequence[int]) -> str:
    """The text of `ids` up to its last complete character: a character cut off at the end is dropped."""
    return decode(ids).rstrip(PARTIAL)


class CompleteTextStream:
    """Decodes a growing run of token ids and releases text only up to the last complete character."""

    def __init__(self, decode: Decode) -> None:
        self._decode = decode
        self._ids: list[int] = []
        self._released = 0

    def push(self, ids: Sequence[int]) -> str:
        """Add new token ids; return the text they complete ('' while a character is still unfinished)."""
        self._ids.extend(ids)
        # The whole run is decoded each time: a character's bytes may span the tokens of several pushes.
        text = complete_text(self._decode, self._ids)
        piece = text[self._released :]
        self._released = max(self._released, len(text))
        return piece


class AsyncTokenStreamer:
    """A streamer for transformers' `generate`: takes token ids on the worker thread, yields complete text
    on the event loop. The first put() carries the prompt and is skipped; end() closes the stream and
    drops a character the generation did not finish."""

    def __init__(self, decode: Decode) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._text = CompleteTextStream(decode)
        self._prompt_skipped = False

    def put(self, value: torch.Tensor) -> None:
        """Receive the prompt (first call) or newly generated token ids (batch of one)."""
        if not self._prompt_skipped:
            self._prompt_skipped = True
            return
        piece = self._text.push(value.reshape(-1).tolist())
        if piece:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, piece)

    def end(self) -> None:
        """Generation is over (or failed): the stream ends after the text already released."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    def __aiter__(self) -> AsyncTokenStreamer:
        return self

    async def __anext__(self) -> str:
        piece = await self._queue.get()
        if piece is None:
            self._queue.put_nowait(None)  # a second end() or a later read sees the end too
            raise StopAsyncIteration
        return piece
