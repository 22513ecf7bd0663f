"""The port through which the core reports what it handled (for /metrics); a no-op by default."""

from __future__ import annotations

from typing import Protocol

from bot.core.output import ChatOutput


class MessageWatch(Protocol):
    """One message being handled: `output` replaces the adapter's output so replies are counted."""

    output: ChatOutput

    def failed(self) -> None:
        """The message ended in an error."""
        ...

    def done(self) -> None:
        """Handling finished (after `failed` or not)."""
        ...


class MessageMeter(Protocol):
    """Starts a watch per handled message."""

    def watch(self, platform: str, out: ChatOutput) -> MessageWatch:
        """Begin watching one message on `platform`."""
        ...


class _NullWatch:
    def __init__(self, out: ChatOutput) -> None:
        self.output = out

    def failed(self) -> None:
        """Nothing to record."""

    def done(self) -> None:
        """Nothing to record."""


class NullMeter:
    """Counts nothing (tests and tools that don't serve /metrics)."""

    def watch(self, platform: str, out: ChatOutput) -> MessageWatch:
        """A watch that records nothing."""
        return _NullWatch(out)
