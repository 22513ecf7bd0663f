"""Composition root: build the core from settings and run the configured adapters."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from prometheus_client import CollectorRegistry

from bot.adapters.supervisor import Platform, Supervisor, write_status
from bot.core.admin import Admin
from bot.core.adventures import Adventures
from bot.core.cast import Cast
from bot.core.chat import ChatService
from bot.core.clock import Clock, SystemClock
from bot.core.confirm import Confirmations
from bot.core.conversation import Conversation
from bot.core.daily import DailyPostcards
from bot.core.engine import BotCore
from bot.core.feature import Feature, install
from bot.core.i18n import use_catalogue
from bot.core.identity import Identity
from bot.core.jobs import JobQueue
from bot.core.known import KnownIdentities
from bot.core.memories import Memories
from bot.core.output import Outlets
from bot.core.ports import Speaker
from bot.core.reactions import Reactions
from bot.core.registry import Registry
from bot.core.travel_map import TravelMaps
from bot.core.trips import Trips
from bot.core.voice import Voices
from bot.health import Operations, OpsServer, StoreProbe
from bot.memory.backend import open_memory
from bot.metrics import Metrics, TimedDialogue
from bot.queue.backend import postcard_queue
from bot.settings import Settings
from bot.texts import build_catalogue
from generators.dialogue.base import DialogueBackend
from generators.gazetteer import Gazetteer, PlaceResolver
from generators.images.studio import ImageStudio
from generators.landmarks import Catalogue
from personas.registry import PersonaRegistry

log = logging.getLogger(__name__)

PERSONAS_DIR = Path(__file__).resolve().parent.parent / "personas"


@dataclass
class Runtime:
    """A built core, its features, and what must be closed when the bot stops."""

    core: BotCore
    adventures: Adventures
    stack: AsyncExitStack
    metrics: Metrics
    store_probe: StoreProbe
    trips: Trips
    daily: DailyPostcards | None = None

    async def aclose(self) -> None:
        """Stop the image queue, close the store and models."""
        await self.stack.aclose()


async def build_core(
    settings: Settings,
    *,
    dialogue: DialogueBackend | None = None,
    clock: Clock | None = None,
    images: ImageStudio | None = None,
    features: tuple[Feature, ...] = (),
    speaker: Speaker | None = None,
) -> Runtime:
    """Compose the bot: ports (memory, personas, chat model, image queue), then the features that use
    them, then the core that routes to them. `features` adds more (a test's new command, say)."""
    use_catalogue(build_catalogue())
    stack = AsyncExitStack()
    try:
        return await _compose(settings, stack, dialogue, clock, images, features, speaker)
    except BaseException:
        # A start that fails half-way (a bad persona file, Ctrl-C while the model loads) closes
        # whatever was opened, so no store or worker outlives it.
        await stack.aclose()
        raise


async def _compose(
    settings: Settings,
    stack: AsyncExitStack,
    dialogue: DialogueBackend | None,
    clock: Clock | None,
    images: ImageStudio | None,
    features: tuple[Feature, ...],
    speaker: Speaker | None,
) -> Runtime:
    """The body of `build_core`: everything opened is pushed on `stack`."""
    clock = clock or SystemClock()
    settings.avatar_data_dir.mkdir(parents=True, exist_ok=True)
    data_dir = settings.avatar_data_dir

    # Ports: memory (SQLite, or Postgres with DATABASE_URL), personas, the chat model, the image
    # studio and its queue (in-process, or QUEUE_URL's workers for postcards).
    memory = await open_memory(settings, clock=clock)
    stack.push_async_callback(memory.close)
    personas = PersonaRegistry(PERSONAS_DIR, data_dir / "personas")
    if dialogue is None:
        dialogue = await _load_dialogue(settings)
        stack.push_async_callback(dialogue.aclose)
    metrics = Metrics(CollectorRegistry())  # one registry per composed bot, never shared module state
    dialogue = TimedDialogue(dialogue, metrics)
    image_queue = JobQueue(
        clock,
        workers=settings.image_workers,
        max_size=settings.image_queue_size,
        timeout_s=settings.image_timeout_s,
    )
    image_queue.start()
    metrics.watch_queue(image_queue)
    stack.push_async_callback(image_queue.aclose)
    postcards = postcard_queue(settings)  # None: postcards render on image_queue's threads
    if postcards is not None:
        stack.push_async_callback(postcards.aclose)
    if images is None:
        images = ImageStudio.from_options(settings.image_options())  # models load on first use
        stack.callback(images.close)
    unavailable = ""
    if speaker is None:
        speaker, unavailable = await _load_speaker(settings)
    # What the core and the features share: the command table, who was seen, open confirmations.
    registry = Registry()
    known = KnownIdentities(memory.users)
    confirmations = Confirmations(clock)

    # Features, each with only the ports it uses.
    voices = Voices(
        speaker,
        memory.settings,
        memory.adventures,
        data_dir,
        unavailable_reason=unavailable,
    )
    catalogue = Catalogue.load()
    adventures = Adventures(
        memory,
        dialogue,
        catalogue,
        images,
        image_queue,
        settings,
        clock,
        remote=postcards,
        voice=voices,
        places=PlaceResolver(catalogue, Gazetteer.default()),  # signature landmarks, then any town
    )
    trips = Trips(adventures, memory.users, clock)
    stack.push_async_callback(trips.aclose)  # open boarding calls end before the queue and store close
    outlets = Outlets()  # adapters register here, so the daily postcard can post unprompted
    daily = DailyPostcards(
        memory.settings,
        memory.messages,
        outlets,
        adventures,
        adventures.avatars,
        dialogue,
        adventures.catalogue,
        clock,
        data_dir,
        places=adventures.places,
        story_timeout_s=settings.llm_timeout_s,
    )
    chat = ChatService(settings, dialogue, clock, memory, journal=adventures.journal_lines)
    conversation = Conversation(
        chat, memory, personas, registry, voice=voices, avatar_url=settings.persona_avatar_url
    )
    install(
        registry,
        (
            conversation,
            Memories(memory, known, confirmations, data_dir),
            adventures,
            Identity(
                memory.users, memory.adventures, memory.usage, memory.settings, confirmations, clock, data_dir
            ),
            Admin(memory.settings, personas, settings.default_persona, daily=daily),
            Cast(memory.settings, personas),
            voices,
            TravelMaps(memory.adventures, adventures.places.get, data_dir),
            trips,
            *features,
        ),
    )

    # The core: adapters hand it messages and button presses.
    core = BotCore(
        settings=settings,
        memory=memory,
        personas=personas,
        registry=registry,
        conversation=conversation,
        known=known,
        confirmations=confirmations,
        clock=clock,
        meter=metrics,
        outlets=outlets,
        reactions=Reactions(clock),
    )
    daily.start(core.persona_for)
    stack.push_async_callback(daily.aclose)

    async def store_probe() -> None:
        # A real write through the port, so it proves the store (SQLite or Postgres) takes writes.
        await memory.settings.set("health", "probe", "ok")

    return Runtime(
        core=core,
        adventures=adventures,
        stack=stack,
        metrics=metrics,
        store_probe=store_probe,
        trips=trips,
        daily=daily,
    )


async def _load_dialogue(settings: Settings) -> DialogueBackend:
    """The configured chat model, or the packaged fallback (logged)."""
    from generators.dialogue.loader import load_dialogue  # heavy: imported only when no model is given

    loaded = await asyncio.to_thread(load_dialogue, settings.dialogue_options())
    log.info("chat model: %s", loaded.description)
    if loaded.fallback_reason:
        log.warning("chat model fallback: %s", loaded.fallback_reason)
    if loaded.engine_reason:
        log.warning("chat engine: transformers instead of llama.cpp: %s", loaded.engine_reason)
    return loaded.backend


async def _load_speaker(settings: Settings) -> tuple[Speaker | None, str]:
    """The voice pipeline (eSpeak NG, or the TTS_BASE_URL server), or None and why there is none."""
    if not settings.voice_enabled:
        return None, "VOICE_ENABLED=false"
    try:
        from generators.voice.pipeline import VoicePipeline

        speaker = await asyncio.to_thread(VoicePipeline.from_options, settings.voice_options())
    except Exception as exc:  # a missing program or library: the bot runs on without voices
        log.warning("voices are off: %s", exc)
        return None, str(exc)
    log.info("voice engine: %s", speaker.name)
    return speaker, ""


async def run(settings: Settings) -> None:
    """Start every configured adapter and serve until SIGINT/SIGTERM."""
    runtime = await build_core(settings)
    Gazetteer.default().warm()  # opens (or, the first time, builds) the index while adapters connect
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - non-Unix
            pass
    ops = Operations(runtime.metrics, settings.avatar_data_dir, runtime.store_probe)
    runners: list[Stoppable] = []
    try:
        await serve(settings, runtime, ops, runners)
        await stop.wait()
    finally:
        log.info("shutting down")
        for r in reversed(runners):
            try:
                await r.stop()
            except Exception:
                log.exception("adapter failed to stop cleanly")
        await runtime.aclose()


class Stoppable(Protocol):
    """Anything `run` started and must stop: the playground, the metrics server, a supervisor."""

    async def stop(self) -> None:
        """Stop it."""
        ...


async def serve(settings: Settings, runtime: Runtime, ops: Operations, runners: list[Stoppable]) -> None:
    """Start the playground (or the metrics port), then every configured platform adapter in the
    background; each retries until it connects or its token is rejected. Started things are appended
    to `runners` (stopped in reverse order)."""
    core = runtime.core
    for name, configured in (("discord", settings.discord_token), ("telegram", settings.telegram_token)):
        if configured is not None:
            ops.supervisors.append(
                Supervisor(
                    name,
                    _platform_factory(name, core, settings),
                    core.clock,
                    on_change=lambda _s: write_status(settings.avatar_data_dir, ops.statuses()),
                )
            )
    runtime.metrics.watch_adapters(ops.statuses)
    if settings.playground_enabled:
        from bot.adapters.web import Playground

        pg = Playground(core, ops=ops)
        await pg.start(settings.playground_host, settings.playground_port)
        runners.append(pg)
        print(f"Playground: http://{settings.playground_host}:{pg.port}", flush=True)
    else:
        server = OpsServer(ops)
        await server.start(settings.metrics_host, settings.metrics_port)
        runners.append(server)
    for sup in ops.supervisors:
        runners.append(sup)
        sup.start()


def _platform_factory(name: str, core: BotCore, settings: Settings) -> Callable[[], Platform]:
    """Builds a fresh adapter for each start attempt (a failed client can't be reused)."""

    def make() -> Platform:
        if name == "discord":
            from bot.adapters.discord_bot import DiscordAdapter

            return DiscordAdapter(core, settings)
        from bot.adapters.telegram_bot import TelegramAdapter

        return TelegramAdapter(core, settings)

    return make
