"""Stop sequences applied to generated text, whole or while streaming, and chat-template control tokens."""

from __future__ import annotations

import re

# End-of-turn markers of common chat templates, in case a backend lets them through as text.
END_TOKENS: tuple[str, ...] = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "</s>")
_CONTROL = re.compile(r"<\|[^|>\n]{0,40}\|>|</?s>|\[/?INST\]|<</?SYS>>")


def clean_text(text: str) -> str:
    """Remove chat-template control tokens so quoted text cannot open or close a turn."""
    return _CONTROL.sub("", text)


def cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """`text` up to the earliest stop sequence, and whether one was found."""
    cut = -1
    for s in stop:
        if not s:
            continue
        pos = text.find(s)
        if pos != -1 and (cut == -1 or pos < cut):
            cut = pos
    return (text, False) if cut == -1 else (text[:cut], True)


def _held_back(text: str, stop: tuple[str, ...]) -> int:
    """How many trailing characters of `text` could be the start of a stop sequence."""
    longest = 0
    for s in stop:
        for k in range(min(len(s) - 1, len(text)), longest, -1):
            if text.endswith(s[:k]):
                longest = k
                break
    return longest


class StopScanner:
    """Feeds streamed chunks and releases only text that cannot turn into a stop sequence."""

    def __init__(self, stop: tuple[str, ...]) -> None:
        self.stop = tuple(s for s in stop if s)
        self.raw = ""
        self.emitted = 0
        self.stopped = False

    def feed(self, chunk: str) -> str:
        """Add a chunk; return the newly safe text ('' while a possible stop is pending)."""
        if self.stopped:
            return ""
        self.raw += chunk
        text, found = cut_at_stop(self.raw, self.stop)
        if found:
            self.stopped = True
            return self._release(len(text))
        return self._release(len(text) - _held_back(text, self.stop))

    def flush(self) -> str:
        """The rest of the text at the end of generation (a pending partial stop is real text)."""
        if self.stopped:
            return ""
        text, _ = cut_at_stop(self.raw, self.stop)
        return self._release(len(text))

    def _release(self, upto: int) -> str:
        if upto <= self.emitted:
            return ""
        out = self.raw[self.emitted : upto]
        self.emitted = upto
        return out
