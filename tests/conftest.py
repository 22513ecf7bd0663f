"""Shared fixtures: a real core on a temporary data dir, with a tiny random chat model."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bot.core.ports import Memory
from tests.memory_helpers import ManualClock, MemoryFactory
from tests.servers import PostgresServer, RedisServer, ServerMissing

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The gazetteer's index (built once, about a minute) is kept across test runs, keyed by its version.
os.environ.setdefault(
    "AVATAR_GAZETTEER_DIR", str(Path(tempfile.gettempdir()) / "avatar-adventures-gazetteer")
)

_schemas = itertools.count(1)
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
        *,
        dialogue=None,
        clock=None,
        images=None,
        data_dir: Path | None = None,
        features=(),
        speaker=None,
        **overrides,
    ):
        settings = Settings(_env_file=None, avatar_data_dir=data_dir or tmp_path / "data", **overrides)
        rt = await build_core(
            settings,
            dialogue=dialogue or tiny_dialogue,
            clock=clock,
            images=images,
            features=features,
            speaker=speaker,
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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the whole session (never the system one); skipped if not installed.

    In CI (`CI` set) a missing server fails instead: the Postgres tests must run there.
    """
    try:
        server = PostgresServer.start()
    except ServerMissing as exc:
        _server_missing(exc)
        raise
    yield server
    server.stop()


def _server_missing(exc: ServerMissing) -> None:
    if os.environ.get("CI"):
        pytest.fail(str(exc))
    pytest.skip(str(exc))


@pytest.fixture
async def postgres_database(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the test server; its URL."""
    import asyncpg

    name = f"db{next(_schemas)}"
    admin = await asyncpg.connect(postgres_server.dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return postgres_server.dsn.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A throwaway redis-server for the whole session (never a system one)."""
    try:
        server = RedisServer.start()
    except ServerMissing as exc:
        _server_missing(exc)
        raise
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
async def open_memory(
    request: pytest.FixtureRequest, tmp_path: Path, memory_clock: ManualClock
) -> AsyncIterator[MemoryFactory]:
    """Opens real memory stores of one backend (`params`), fresh per test; closes them at the end."""
    opened: list[Memory] = []
    dsn = request.getfixturevalue("postgres_server").dsn if request.param == "postgres" else ""
    schema = f"t{next(_schemas)}"

    async def factory(*, keep_messages: int = 5000) -> Memory:
        store: Memory
        if request.param == "postgres":
            from bot.memory.postgres import PostgresMemory

            store = await PostgresMemory.open(
                dsn, clock=memory_clock, keep_messages=keep_messages, schema=schema
            )
        else:
            from bot.memory.sqlite import SqliteMemory

            store = await SqliteMemory.open(
                tmp_path / "memory.db", clock=memory_clock, keep_messages=keep_messages
            )
        opened.append(store)
        return store

    yield factory
    for store in opened:
        await store.close()


@pytest.fixture
async def memory(open_memory: MemoryFactory) -> Memory:
    """A real memory store on each backend: SQLite on tmp_path, and Postgres in a fresh schema."""
    return await open_memory()
