"""Which recent lines a prompt shows, chosen so the shown block grows between turns instead of sliding.

A window that drops its oldest line on every turn changes the prompt right after the system
message, so an engine must evaluate all the history again. This window keeps its first line fixed
until it holds `max_lines`, then jumps forward to the last `keep_lines`: most turns only append.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class HistoryWindow:
    """Per-session anchors (the id of the first shown line), bounded in number of sessions."""

    def __init__(self, max_lines: int = 8, keep_lines: int = 4, max_sessions: int = 10_000) -> None:
        self.max_lines = max(1, max_lines)
        self.keep_lines = max(1, min(keep_lines, self.max_lines))
        self.max_sessions = max_sessions
        self._anchors: OrderedDict[str, int] = OrderedDict()

    def select(self, session: str, rows: Sequence[tuple[int, T]]) -> list[T]:
        """The lines to show from `rows` (id, line), oldest first, ids increasing."""
        anchor = self._anchors.get(session)
        shown = [(i, line) for i, line in rows if anchor is None or i >= anchor]
        if anchor is None or len(shown) > self.max_lines:
            shown = list(rows)[-self.keep_lines :] if anchor is not None else list(rows)[-self.max_lines :]
        if shown:
            self._anchors[session] = shown[0][0]
            self._anchors.move_to_end(session)
            while len(self._anchors) > self.max_sessions:
                self._anchors.popitem(last=False)
        return [line for _, line in shown]
