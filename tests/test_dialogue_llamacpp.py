"""The llama.cpp backend on the packaged SmolLM2 GGUF itself (it loads in about 0.1 s)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bot.settings import Settings
from generators.dialogue.base import ChatTurn, GenerationConfig
from generators.dialogue.loader import PACKAGED_MODEL, describe_dialogue, gguf_source, load_dialogue

llama_cpp = pytest.importorskip(
    "llama_cpp", reason="llama-cpp-python is not installed here (`make llama` builds it; CI has it)"
)

from generators.dialogue.llamacpp_chat import GGUFError, LlamaCppChat, check_gguf, default_threads  # noqa: E402

SYSTEM = ChatTurn("system", "You are Luna, a cheerful travel guide. Reply in one or two short sentences.")
GREEDY = GenerationConfig(max_new_tokens=24, temperature=0.0, seed=1, timeout_s=600)  # a busy CI host


@pytest.fixture(scope="module")
def gguf() -> Path:
    source = gguf_source(PACKAGED_MODEL)
    assert source is not None
    return source[0]


@pytest.fixture(scope="module")
def chat(gguf: Path) -> LlamaCppChat:
    return LlamaCppChat.from_pretrained(gguf, name="SmolLM2-135M-Instruct", context_tokens=1024)


def turns(*lines: str) -> list[ChatTurn]:
    out = [SYSTEM]
    for i, line in enumerate(lines):
        out.append(ChatTurn("user" if i % 2 == 0 else "assistant", line))
    return out


async def test_streams_in_pieces_and_cuts_at_a_stop_sequence(chat: LlamaCppChat):
    whole = await chat.generate(turns("Ana: Tell me about Paris."), GREEDY)
    words = whole.text.split()
    assert len(words) >= 4, whole.text
    stop = " " + words[3]
    chunks = [
        c
        async for c in chat.stream(
            turns("Ana: Tell me about Paris."), dataclasses.replace(GREEDY, stop=(stop,))
        )
    ]
    assert len(chunks) >= 2
    assert "".join(chunks) == whole.text[: whole.text.index(stop)]
    assert chat.last_output is not None and chat.last_output.finish_reason == "stop"


async def test_the_same_seed_gives_the_same_reply(chat: LlamaCppChat):
    config = GenerationConfig(max_new_tokens=24, temperature=0.9, seed=7, session="a")
    first = await chat.generate(turns("Ana: What do you like about trains?"), config)
    other = await chat.generate(
        turns("Bob: Something else entirely."), dataclasses.replace(config, session="b")
    )
    again = await chat.generate(turns("Ana: What do you like about trains?"), config)
    assert first.text == again.text and first.text
    assert other.text != first.text


async def test_a_second_turn_evaluates_only_what_is_new(chat: LlamaCppChat):
    config = dataclasses.replace(GREEDY, session="reuse")
    chat.cache.clear()
    chat.llama.reset()
    one = await chat.generate(turns("Ana: Hi Luna!"), config)
    # Another channel in between: the first channel's prefix comes back from the cache.
    other = [
        ChatTurn("system", "You are a pirate."),
        ChatTurn("user", "Bob: Ahoy there, tell me about ships."),
    ]
    await chat.generate(other, dataclasses.replace(config, session="x"))
    two = await chat.generate(turns("Ana: Hi Luna!", one.text, "Ana: Where shall we go?"), config)
    assert one.extra["evaluated_prompt_tokens"] == one.extra["prompt_tokens"]
    assert two.extra["reused_tokens"] >= one.extra["prompt_tokens"] - 1
    assert two.extra["evaluated_prompt_tokens"] < two.extra["prompt_tokens"] // 2
    assert two.text.strip()
    # Evaluated afresh (batching differs, so the greedy text may differ by a token): no reuse.
    chat.cache.clear()
    chat.llama.reset()
    fresh = await chat.generate(turns("Ana: Hi Luna!", one.text, "Ana: Where shall we go?"), config)
    assert fresh.extra["reused_tokens"] == 0 and fresh.text.strip()


async def test_a_timeout_cancels_and_the_next_message_works(chat: LlamaCppChat):
    slow = GenerationConfig(max_new_tokens=900, temperature=1.0, seed=3, timeout_s=0.05)
    with pytest.raises(TimeoutError):
        await chat.generate(turns("Ana: Write a very long story about the sea."), slow)
    with pytest.raises(TimeoutError):
        async for _ in chat.stream(turns("Ana: Write a very long story about the sea."), slow):
            pass
    out = await chat.generate(turns("Ana: Hi Luna!"), GREEDY)
    assert out.text.strip() and out.finish_reason in ("stop", "length")


async def test_a_consumer_that_stops_reading_cancels_the_generation(chat: LlamaCppChat):
    expected = await chat.generate(turns("Ana: Hi Luna!"), GREEDY)
    config = GenerationConfig(max_new_tokens=400, temperature=1.0, seed=5)
    async for _chunk in chat.stream(turns("Ana: Tell me a long story."), config):
        break
    again = await chat.generate(turns("Ana: Hi Luna!"), GREEDY)
    assert again.text == expected.text


async def test_concurrent_channels_are_served_in_order_with_their_own_replies(chat: LlamaCppChat):
    asks = [f"{name}: Hello from {name}!" for name in ("Ana", "Bob", "Mei", "Sofia")]
    configs = [dataclasses.replace(GREEDY, session=f"room{i}", seed=i) for i in range(len(asks))]
    alone = [(await chat.generate(turns(a), c)).text for a, c in zip(asks, configs, strict=True)]
    together = await asyncio.gather(*(chat.generate(turns(a), c) for a, c in zip(asks, configs, strict=True)))
    assert [o.text for o in together] == alone
    assert chat.cache.bytes_used <= chat.cache.max_bytes


async def test_loader_runs_the_packaged_model_on_llama_cpp(tmp_path: Path):
    options = Settings(_env_file=None, avatar_data_dir=tmp_path).dialogue_options()
    loaded = load_dialogue(options)
    assert isinstance(loaded.backend, LlamaCppChat)
    assert loaded.fallback_reason is None and loaded.engine_reason is None
    assert "llama.cpp" in loaded.description and "threads" in loaded.description
    assert "engine: llama.cpp" in describe_dialogue(options)
    assert loaded.backend.languages == {"en"}
    # The prompt is evaluated on every core; one token decodes on fewer (one on a 2-core host).
    params = loaded.backend.llama.context_params
    cores = default_threads()
    assert params.n_threads_batch == cores
    assert params.n_threads == (1 if cores <= 2 else cores // 2) <= params.n_threads_batch
    assert f"{params.n_threads} decode / {cores} prompt threads" in loaded.description
    await loaded.backend.aclose()


def test_a_truncated_or_corrupt_gguf_is_refused_clearly(tmp_path: Path, gguf: Path):
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(gguf.read_bytes()[: 1 << 20])
    with pytest.raises(GGUFError, match="could not load"):
        LlamaCppChat.from_pretrained(truncated)
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"\0" * 4096)
    with pytest.raises(GGUFError, match="not a GGUF file"):
        check_gguf(garbage)
    with pytest.raises(GGUFError, match="not found"):
        check_gguf(tmp_path / "missing.gguf")


async def test_a_corrupt_custom_gguf_falls_back_to_the_packaged_model(tmp_path: Path, gguf: Path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(gguf.read_bytes()[: 1 << 20])
    options = Settings(_env_file=None, avatar_data_dir=tmp_path, llm_model=str(broken)).dialogue_options()
    assert "engine: llama.cpp" in describe_dialogue(options)
    loaded = load_dialogue(options)
    assert loaded.fallback_reason and "broken.gguf" in loaded.fallback_reason
    assert "SmolLM2" in loaded.backend.name and isinstance(loaded.backend, LlamaCppChat)
    out = await loaded.backend.generate(turns("Ana: Hi!"), GREEDY)
    assert out.text.strip()
    await loaded.backend.aclose()


async def test_a_custom_gguf_path_runs_on_llama_cpp(tmp_path: Path, gguf: Path):
    options = Settings(
        _env_file=None, avatar_data_dir=tmp_path, llm_model=str(gguf), llm_threads=1
    ).dialogue_options()
    loaded = load_dialogue(options)
    assert isinstance(loaded.backend, LlamaCppChat) and loaded.fallback_reason is None
    assert "1 threads (set by LLM_THREADS)" in loaded.description
    params = loaded.backend.llama.context_params
    assert params.n_threads == params.n_threads_batch == 1, "LLM_THREADS sets both"
    await loaded.backend.aclose()
