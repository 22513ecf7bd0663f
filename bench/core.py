"""Messages per second through the router and the store, with an instant stub dialogue backend.

Every message is persisted (the user's line and the bot's reply). Compared with the same
number of bare store writes, so the router's own overhead is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from common import Row, emit, peak_rss_mb, percentile

from bot.app import build_core
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.core.output import Button, SentMessage
from bot.settings import Settings
from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig

REPLIES = (
    "What a lovely idea! Let's plan it together.",
    "Ooh, I know a little café there you would love.",
    "Pack comfy shoes, travel buddy, there is a lot to see!",
    "That sounds like the start of a great trip.",
)


class InstantDialogue:
    """A stub backend that answers at once, so the benchmark measures the bot, not a model.

    Replies vary (number n of the run), as a real model's do; one identical line every time would
    be taken for a looping model and retried.
    """

    name = "instant-stub"
    languages = frozenset({"en", "zh"})
    context_tokens = 2048

    def __init__(self) -> None:
        self.calls = 0

    def _next(self) -> str:
        self.calls += 1
        return f"{REPLIES[self.calls % len(REPLIES)]} (#{self.calls})"

    def count_tokens(self, text: str) -> int:
        """Roughly four characters a token."""
        return len(text) // 4 + 1

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        """Yield the next canned reply in two chunks."""
        reply = self._next()
        yield reply[:20]
        yield reply[20:]

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """The next canned reply."""
        return DialogueOutput(text=self._next())

    async def aclose(self) -> None:
        """Nothing to close."""


class NullOutput:
    """A ChatOutput that discards everything."""

    max_len = 2000
    min_edit_interval = 1.0

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        return SentMessage(id="0")

    async def edit(self, message: SentMessage, text: str) -> None:
        return None

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        return SentMessage(id="0")

    async def typing(self) -> None:
        return None


async def run(messages: int, users: int, channels: int, concurrency: int) -> list[Row]:
    """Drive `messages` messages from `users` simulated users through the core."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(avatar_data_dir=Path(tmp), _env_file=None)
        runtime = await build_core(settings, dialogue=InstantDialogue())
        core = runtime.core
        rng = random.Random(7)
        people = [User("bench", str(i), f"user{i}") for i in range(users)]
        rooms = [Channel("bench", str(i), ChannelKind.GROUP) for i in range(channels)]
        latencies: list[float] = []
        queue: asyncio.Queue[IncomingMessage] = asyncio.Queue()
        for n in range(messages):
            user = rng.choice(people)
            queue.put_nowait(
                IncomingMessage(
                    user, rng.choice(rooms), f"Luna, message {n} from {user.display_name}", mentions_bot=True
                )
            )
        out = NullOutput()

        async def worker() -> None:
            while not queue.empty():
                msg = queue.get_nowait()
                t0 = time.perf_counter()
                await core.handle(msg, out)
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
        persisted = 0
        for room in rooms:
            persisted += len(await core.memory.messages.recent(room.key, 10**9))
        # The same number of bare store writes, for comparison.
        t1 = time.perf_counter()
        await asyncio.gather(
            *(
                core.memory.messages.add("bench:bare", None, "x", "user", "bare write")
                for _ in range(2 * messages)
            )
        )
        bare = time.perf_counter() - t1
        await runtime.aclose()
    return [
        Row("messages through the core", messages, "msgs", f"{users} users, {channels} channels"),
        Row("throughput", messages / elapsed, "msg/s", "goal >= 2,000 with every message persisted"),
        Row("rows persisted", persisted, "rows", f"expected {2 * messages} (user + reply)"),
        Row("p50 latency", percentile(latencies, 50) * 1000, "ms", f"{concurrency} concurrent users"),
        Row("p99 latency", percentile(latencies, 99) * 1000, "ms", f"{concurrency} concurrent users"),
        Row("bare store writes", 2 * messages / bare, "rows/s", "same row count, no router"),
        Row("peak RSS", peak_rss_mb(), "MB", ""),
    ]


def main() -> None:
    """Parse arguments and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI")
    a = ap.parse_args()
    if a.smoke:
        a.messages, a.users, a.channels, a.concurrency = 500, 50, 5, 20
    emit("core.py", asyncio.run(run(a.messages, a.users, a.channels, a.concurrency)))


if __name__ == "__main__":
    main()
