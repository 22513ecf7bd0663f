"""Prometheus metrics, on a registry built at composition (never module globals shared across tests)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.adapters.supervisor import AdapterState, AdapterStatus
from bot.core.jobs import JobQueue
from bot.core.meter import MessageWatch
from bot.core.output import Button, ChatOutput, PersonaIdentity, SentMessage
from generators.dialogue.base import ChatTurn, DialogueBackend, DialogueOutput, GenerationConfig

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, float("inf"))


class Metrics:
    """Every metric the bot exports, registered on one `CollectorRegistry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.messages = Counter(
            "avatar_messages_handled", "Messages handed to the core", ["platform"], registry=registry
        )
        self.replies = Counter("avatar_replies", "Replies the bot sent", ["platform"], registry=registry)
        self.errors = Counter(
            "avatar_errors", "Messages that ended in an unexpected error", ["platform"], registry=registry
        )
        self.reply_latency = Histogram(
            "avatar_reply_latency_seconds",
            "From a message arriving to its reply being complete",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.first_token = Histogram(
            "avatar_time_to_first_token_seconds",
            "From asking the chat model to its first streamed text",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue_wait = Histogram(
            "avatar_image_queue_wait_seconds",
            "Time image jobs waited in the queue before a worker took them",
            buckets=(0.1, 1, 5, 15, 30, 60, 120, 300, 600, float("inf")),
            registry=registry,
        )
        self._live = _LiveCollector()
        registry.register(self._live)

    def watch(self, platform: str, out: ChatOutput) -> MessageWatch:
        """Count one handled message and time its reply (the core's `MessageMeter`)."""
        self.messages.labels(platform).inc()
        return _Watch(self, platform, out)

    def watch_queue(self, queue: JobQueue) -> None:
        """Export the image queue's depth, waits and finished jobs."""
        queue.wait_observers.append(self.queue_wait.observe)
        self._live.queue = queue

    def watch_adapters(self, statuses: Callable[[], Iterable[AdapterStatus]]) -> None:
        """Export each adapter's state (one gauge per state, 1 for the current one)."""
        self._live.adapters = statuses

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


class _LiveCollector(Collector):
    """Values read at scrape time from the queue and the adapter supervisors."""

    def __init__(self) -> None:
        self.queue: JobQueue | None = None
        self.adapters: Callable[[], Iterable[AdapterStatus]] = tuple

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        """Queue depth, jobs done and failed, adapter states."""
        depth = GaugeMetricFamily("avatar_image_queue_depth", "Image jobs waiting for a worker")
        jobs = CounterMetricFamily("avatar_jobs", "Image jobs finished, by outcome", labels=["outcome"])
        if self.queue is not None:
            stats = self.queue.stats
            depth.add_metric([], self.queue.depth)
            jobs.add_metric(["done"], stats.completed)
            jobs.add_metric(["failed"], stats.failed + stats.timed_out)
        yield depth
        yield jobs
        state = GaugeMetricFamily(
            "avatar_adapter_state", "1 for each adapter's current state", labels=["adapter", "state"]
        )
        for status in self.adapters():
            for candidate in AdapterState:
                state.add_metric([status.name, candidate.value], float(status.state is candidate))
        yield state


class _Watch:
    """Counts the replies of one message and records its latency when handling ends."""

    def __init__(self, metrics: Metrics, platform: str, out: ChatOutput) -> None:
        self.metrics = metrics
        self.platform = platform
        self.started = time.monotonic()
        self.replied = False
        self.output: ChatOutput = _CountingOutput(out, self._sent)

    def _sent(self) -> None:
        self.replied = True
        self.metrics.replies.labels(self.platform).inc()

    def failed(self) -> None:
        """Count an error on this platform."""
        self.metrics.errors.labels(self.platform).inc()

    def done(self) -> None:
        """Record the latency of a message that got a reply."""
        if self.replied:
            self.metrics.reply_latency.labels(self.platform).observe(time.monotonic() - self.started)


class _CountingOutput:
    """A `ChatOutput` that tells its watch about every new message it sends."""

    def __init__(self, inner: ChatOutput, sent: Callable[[], None]) -> None:
        self._inner = inner
        self._sent = sent

    def __getattr__(self, name: str) -> object:  # max_len, min_edit_interval, adapter extras
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("_inner", "_sent"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send and count."""
        sent = await self._inner.send(text, buttons)
        self._sent()
        return sent

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send as a persona and count."""
        sent = await self._inner.send_as(speaker, text, buttons)
        self._sent()
        return sent

    async def edit(self, message: SentMessage, text: str) -> None:
        """Edit (not a new reply)."""
        await self._inner.edit(message, text)

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send an image and count."""
        sent = await self._inner.send_image(path, caption, buttons)
        self._sent()
        return sent

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a motion loop and count."""
        sent = await self._inner.send_animation(path, caption, buttons)
        self._sent()
        return sent

    async def typing(self) -> None:
        """Show typing."""
        await self._inner.typing()


class TimedDialogue:
    """Wraps the chat model to record time to first token of every streamed reply."""

    def __init__(self, inner: DialogueBackend, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics
        self.name = inner.name
        self.languages = inner.languages
        self.context_tokens = inner.context_tokens

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def count_tokens(self, text: str) -> int:
        """As the wrapped model."""
        return self._inner.count_tokens(text)

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        """Stream from the wrapped model, timing its first piece of text."""
        started = time.monotonic()
        first = True
        async for piece in self._inner.stream(turns, config):
            if first:
                self._metrics.first_token.observe(time.monotonic() - started)
                first = False
            yield piece

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """As the wrapped model."""
        return await self._inner.generate(turns, config)

    async def aclose(self) -> None:
        """As the wrapped model."""
        await self._inner.aclose()
