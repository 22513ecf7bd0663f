"""Shared fixtures: a real core on a temporary data dir, with a tiny random chat model."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.core.ports import Memory
from tests.memory_helpers import ManualClock

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def text_catalogue():
    """The bot's full text catalogue, in use for `t` in every test as the composition sets it."""
    from bot.core.i18n import use_catalogue
    from bot.texts import build_catalogue

    catalogue = build_catalogue()
    use_catalogue(catalogue)
    return catalogue


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """../shared/fixtures, or skip when this checkout has none."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_chat_dir(tmp_path_factory) -> Path:
    """A tiny random Llama and a local tokenizer saved to disk (usable as LLM_MODEL)."""
    from tests.tiny_llm import save_tiny_chat

    return save_tiny_chat(tmp_path_factory.mktemp("tiny-llm"))


@pytest.fixture(scope="session")
def tiny_dialogue(tiny_chat_dir: Path):
    """The tiny model loaded through the real TransformersChat path."""
    from generators.dialogue.transformers_chat import TransformersChat

    return TransformersChat.from_pretrained(
        str(tiny_chat_dir), cache_dir=tiny_chat_dir.parent / "cache", quantize=False, context_tokens=4096
    )


CoreFactory = Callable[..., Awaitable["object"]]


@pytest.fixture
async def make_app(tmp_path: Path, tiny_dialogue) -> AsyncIterator[Callable[..., Awaitable[object]]]:
    """Build real runtimes (core plus features; real SQLite under tmp_path); closes them at the end."""
    from bot.app import build_core
    from bot.settings import Settings

    runtimes = []

    async def factory(
        *, dialogue=None, clock=None, images=None, data_dir: Path | None = None, features=(), **overrides
    ):
        settings = Settings(_env_file=None, avatar_data_dir=data_dir or tmp_path / "data", **overrides)
        rt = await build_core(
            settings, dialogue=dialogue or tiny_dialogue, clock=clock, images=images, features=features
        )
        runtimes.append(rt)
        return rt

    yield factory
    for rt in runtimes:
        await rt.aclose()


@pytest.fixture
async def make_core(make_app) -> CoreFactory:
    """Build real cores (real SQLite under tmp_path); closed at the end of the test."""

    async def factory(**kwargs):
        return (await make_app(**kwargs)).core

    return factory


@pytest.fixture
def memory_clock() -> ManualClock:
    """A clock the memory tests set by hand (`clock.set(minutes)` after T0)."""
    return ManualClock()


@pytest.fixture(params=["sqlite"])
async def memory(
    request: pytest.FixtureRequest, tmp_path: Path, memory_clock: ManualClock
) -> AsyncIterator[Memory]:
    """A real memory store on tmp_path, per backend (`params`); a Postgres backend is added as a param."""
    from bot.memory.sqlite import SqliteMemory

    store = await SqliteMemory.open(tmp_path / "memory.db", clock=memory_clock)
    yield store
    await store.close()
