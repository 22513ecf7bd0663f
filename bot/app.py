"""Composition root: build the core from settings and run the configured adapters."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from bot.core.clock import Clock, SystemClock
from bot.core.engine import BotCore
from bot.core.i18n import use_catalogue
from bot.settings import Settings
from bot.texts import build_catalogue
from generators.dialogue.base import DialogueBackend

log = logging.getLogger(__name__)

PERSONAS_DIR = Path(__file__).resolve().parent.parent / "personas"


@dataclass
class Runtime:
    """A built core plus what must be closed when the bot stops."""

    core: BotCore
    stack: AsyncExitStack

    async def aclose(self) -> None:
        """Close the store and models."""
        await self.stack.aclose()


async def build_core(
    settings: Settings, *, dialogue: DialogueBackend | None = None, clock: Clock | None = None
) -> Runtime:
    """Open the store, load personas and the chat model, and wire the core."""
    from bot.memory.store import Store
    from personas.registry import PersonaRegistry

    use_catalogue(build_catalogue())
    stack = AsyncExitStack()
    settings.avatar_data_dir.mkdir(parents=True, exist_ok=True)
    store = await Store.open(settings.db_path, keep_messages=settings.history_keep_messages)
    stack.push_async_callback(store.close)
    personas = PersonaRegistry(PERSONAS_DIR, settings.avatar_data_dir / "personas")
    if dialogue is None:
        from generators.dialogue.loader import load_dialogue

        loaded = await asyncio.to_thread(load_dialogue, settings.dialogue_options())
        dialogue = loaded.backend
        log.info("chat model: %s", loaded.description)
        if loaded.fallback_reason:
            log.warning("chat model fallback: %s", loaded.fallback_reason)
        if loaded.engine_reason:
            log.warning("chat engine: transformers instead of llama.cpp: %s", loaded.engine_reason)
        stack.push_async_callback(dialogue.aclose)
    core = BotCore(
        settings=settings, store=store, personas=personas, dialogue=dialogue, clock=clock or SystemClock()
    )
    _install_features(core, stack)
    return Runtime(core=core, stack=stack)


def _install_features(core: BotCore, stack: AsyncExitStack) -> None:
    """Attach optional feature modules (adventures) when they are present."""
    try:
        from bot.core import adventures
    except ImportError:
        return
    adventures.register(core, stack)


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
