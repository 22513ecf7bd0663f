"""Composition root: build the core from settings and run the configured adapters."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from bot.core.admin import Admin
from bot.core.adventures import Adventures
from bot.core.chat import ChatService
from bot.core.clock import Clock, SystemClock
from bot.core.confirm import Confirmations
from bot.core.conversation import Conversation
from bot.core.engine import BotCore
from bot.core.feature import Feature, install
from bot.core.i18n import use_catalogue
from bot.core.identity import Identity
from bot.core.jobs import JobQueue
from bot.core.known import KnownIdentities
from bot.core.memories import Memories
from bot.core.registry import Registry
from bot.memory.sqlite import SqliteMemory
from bot.settings import Settings
from bot.texts import build_catalogue
from generators.dialogue.base import DialogueBackend
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
) -> Runtime:
    """Compose the bot: ports (memory, personas, chat model, image queue), then the features that use
    them, then the core that routes to them. `features` adds more (a test's new command, say)."""
    use_catalogue(build_catalogue())
    stack = AsyncExitStack()
    clock = clock or SystemClock()
    settings.avatar_data_dir.mkdir(parents=True, exist_ok=True)
    data_dir = settings.avatar_data_dir

    # Ports: memory, personas, the chat model, the image studio and its queue.
    memory = await SqliteMemory.open(
        settings.db_path, clock=clock, keep_messages=settings.history_keep_messages
    )
    stack.push_async_callback(memory.close)
    personas = PersonaRegistry(PERSONAS_DIR, data_dir / "personas")
    if dialogue is None:
        dialogue = await _load_dialogue(settings)
        stack.push_async_callback(dialogue.aclose)
    image_queue = JobQueue(
        clock,
        workers=settings.image_workers,
        max_size=settings.image_queue_size,
        timeout_s=settings.image_timeout_s,
    )
    image_queue.start()
    stack.push_async_callback(image_queue.aclose)
    if images is None:
        images = ImageStudio.from_options(settings.image_options())  # models load on first use
        stack.callback(images.close)
    # What the core and the features share: the command table, who was seen, open confirmations.
    registry = Registry()
    known = KnownIdentities(memory.users)
    confirmations = Confirmations(clock)

    # Features, each with only the ports it uses.
    adventures = Adventures(memory, dialogue, Catalogue.load(), images, image_queue, settings, clock)
    chat = ChatService(settings, dialogue, clock, memory, journal=adventures.journal_lines)
    conversation = Conversation(chat, memory, personas, registry)
    install(
        registry,
        (
            conversation,
            Memories(memory, known, confirmations, data_dir),
            adventures,
            Identity(memory.users, memory.adventures, data_dir),
            Admin(memory.settings, personas, settings.default_persona),
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
    )
    return Runtime(core=core, adventures=adventures, stack=stack)


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


async def run(settings: Settings) -> None:
    """Start every configured adapter and serve until SIGINT/SIGTERM."""
    runtime = await build_core(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - non-Unix
            pass
    runners = []
    try:
        if settings.playground_enabled:
            from bot.adapters.web import Playground

            pg = Playground(runtime.core)
            await pg.start(settings.playground_host, settings.playground_port)
            runners.append(pg)
            print(f"Playground: http://{settings.playground_host}:{pg.port}", flush=True)
        for name, configured in (("discord", settings.discord_token), ("telegram", settings.telegram_token)):
            if configured is None:
                continue
            adapter = await _start_platform(name, runtime.core, settings)
            if adapter is not None:
                runners.append(adapter)
        await stop.wait()
    finally:
        log.info("shutting down")
        for r in reversed(runners):
            try:
                await r.stop()
            except Exception:
                log.exception("adapter failed to stop cleanly")
        await runtime.aclose()


async def _start_platform(name: str, core: BotCore, settings: Settings):
    """Start a platform adapter; a bad token or missing library is reported and the others keep running."""
    try:
        if name == "discord":
            from bot.adapters.discord_bot import DiscordAdapter

            adapter = DiscordAdapter(core, settings)
        else:
            from bot.adapters.telegram_bot import TelegramAdapter

            adapter = TelegramAdapter(core, settings)
        await adapter.start()
    except ImportError as exc:
        log.error("%s adapter unavailable: %s (install the [%s] extra)", name, exc, name)
        return None
    except Exception as exc:
        log.error("%s adapter did not start: %s", name, exc)
        return None
    log.info("%s adapter started", name)
    return adapter
