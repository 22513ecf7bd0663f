"""Waiting for background tasks without letting any time pass."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def settle(ready: Callable[[], bool], *, turns: int = 1000) -> None:
    """Yield to the event loop (no clock moves) until `ready()` holds; fail after `turns` turns."""
    for _ in range(turns):
        if ready():
            return
        await asyncio.sleep(0)
    raise AssertionError("the awaited state was never reached")
