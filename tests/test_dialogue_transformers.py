"""TransformersChat on a tiny random Llama with a local tokenizer: seeds, streaming, stops, threads."""

from __future__ import annotations

import asyncio
import copy
import re

import pytest

from generators.dialogue import transformers_chat
from generators.dialogue.base import ChatTurn, DialogueBackend, GenerationConfig
from generators.dialogue.transformers_chat import TransformersChat, guess_languages

TURNS = [
    ChatTurn("system", "You are Luna, a cheerful travel companion."),
    ChatTurn("user", "Ana: hello! 你好", speaker="Ana"),
]


@pytest.fixture(scope="module")
def chat(tiny_dialogue) -> TransformersChat:
    return tiny_dialogue


def cfg(**kw) -> GenerationConfig:
    base = dict(max_new_tokens=40, seed=11, temperature=0.8)
    base.update(kw)
    return GenerationConfig(**base)


def test_is_a_dialogue_backend(chat: TransformersChat):
    assert isinstance(chat, DialogueBackend)
    assert 0 < chat.context_tokens <= chat.model.config.max_position_embeddings
    assert chat.count_tokens("hello there") > 0
    assert chat.count_tokens("你好，今天天气很好") > 0


def test_prompt_uses_the_chat_template(chat: TransformersChat):
    text = chat.tokenizer.decode(chat.prompt_ids(TURNS)[0])
    assert text.startswith("<|im_start|>system\nYou are Luna")
    assert "<|im_start|>user\nAna: hello! 你好<|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")


def test_same_seed_same_text_other_seed_other_text(chat: TransformersChat):
    a = chat(TURNS, cfg())
    b = chat(TURNS, cfg())
    c = chat(TURNS, cfg(seed=12))
    assert a.text == b.text and a.new_tokens == b.new_tokens > 0
    assert c.text != a.text
    assert a.extra["seed"] == 11


def test_greedy_is_deterministic_without_a_seed(chat: TransformersChat):
    a = chat(TURNS, cfg(seed=None, temperature=0.0))
    b = chat(TURNS, cfg(seed=None, temperature=0.0))
    assert a.text == b.text


async def test_stream_concatenates_to_generate(chat: TransformersChat):
    for seed in (1, 2, 3):
        chunks = [c async for c in chat.stream(TURNS, cfg(seed=seed))]
        whole = await chat.generate(TURNS, cfg(seed=seed))
        assert len(chunks) > 1
        assert "".join(chunks) == whole.text


def _stop_from(text: str) -> str:
    m = re.search(r"[A-Za-z]{2}", text[4:])
    assert m, text
    return m.group(0)


async def test_stop_sequence_ends_generation_and_is_cut(chat: TransformersChat):
    full = chat(TURNS, cfg(max_new_tokens=80))
    stop = _stop_from(full.text)
    cut = full.text[: full.text.find(stop)]
    out = chat(TURNS, cfg(max_new_tokens=80, stop=(stop,)))
    assert out.text == cut
    assert out.finish_reason == "stop"
    assert out.new_tokens < full.new_tokens
    streamed = "".join([c async for c in chat.stream(TURNS, cfg(max_new_tokens=80, stop=(stop,)))])
    assert streamed == cut
    generated = await chat.generate(TURNS, cfg(max_new_tokens=80, stop=(stop,)))
    assert generated.text == cut


async def test_event_loop_keeps_running_while_generating(chat: TransformersChat):
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    out = await chat.generate(TURNS, cfg(max_new_tokens=120, stop=()))
    during_generate = ticks - start
    start = ticks
    async for _ in chat.stream(TURNS, cfg(max_new_tokens=120)):
        pass
    during_stream = ticks - start
    done.set()
    await task
    assert out.new_tokens > 0
    # A blocking call would let the ticker run at most once while the model works.
    assert during_generate >= 3 and during_stream >= 3


async def test_timeouts_raise_and_the_backend_recovers(chat: TransformersChat):
    with pytest.raises(TimeoutError):
        chat(TURNS, cfg(timeout_s=0.0, max_new_tokens=400))
    with pytest.raises(TimeoutError):
        await chat.generate(TURNS, cfg(timeout_s=0.0, max_new_tokens=400))
    with pytest.raises(TimeoutError):
        async for _ in chat.stream(TURNS, cfg(timeout_s=0.0, max_new_tokens=400)):
            pass
    again = await chat.generate(TURNS, cfg())
    assert again.text == chat(TURNS, cfg()).text


async def test_abandoned_stream_does_not_disturb_the_next_call(chat: TransformersChat):
    expected = chat(TURNS, cfg(seed=5)).text
    async for _ in chat.stream(TURNS, cfg(seed=9, max_new_tokens=300)):
        break  # the consumer leaves; the worker is told to stop
    assert (await chat.generate(TURNS, cfg(seed=5))).text == expected


async def test_concurrent_streams_each_get_their_own_reply(chat: TransformersChat):
    async def collect(seed: int) -> str:
        return "".join([c async for c in chat.stream(TURNS, cfg(seed=seed))])

    a, b = await asyncio.gather(collect(21), collect(22))
    assert a == chat(TURNS, cfg(seed=21)).text
    assert b == chat(TURNS, cfg(seed=22)).text


async def test_worker_errors_surface_from_stream(chat: TransformersChat):
    broken = TransformersChat(
        chat.model, copy.deepcopy(chat.tokenizer), name="broken", languages={"en"}, context_tokens=64
    )
    broken.tokenizer.chat_template = "{{ raise_exception('template exploded') }}"
    with pytest.raises(Exception, match="template exploded"):
        async for _ in broken.stream(TURNS, cfg()):
            pass
    await broken.aclose()


def test_strict_alternation_templates_get_merged_turns(chat: TransformersChat):
    strict = TransformersChat(
        chat.model, copy.deepcopy(chat.tokenizer), name="strict", languages={"en"}, context_tokens=64
    )
    strict.tokenizer.chat_template = (
        "{% for m in messages %}"
        "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('alternate!') }}{% endif %}"
        "[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}[assistant] "
    )
    turns = [*TURNS, ChatTurn("user", "Bob: me too", speaker="Bob")]
    text = strict.tokenizer.decode(strict.prompt_ids(turns)[0])
    assert text.count("[user]") == 1
    assert "You are Luna" in text and "Ana: hello" in text and "Bob: me too" in text


async def test_aclose_then_reuse(tiny_chat_dir):
    chat = TransformersChat.from_pretrained(
        str(tiny_chat_dir), cache_dir=tiny_chat_dir.parent, progress=False
    )
    first = await chat.generate(TURNS, cfg())
    await chat.aclose()
    await chat.aclose()
    assert (await chat.generate(TURNS, cfg())).text == first.text
    await chat.aclose()


def test_small_models_stay_fp32_and_big_ones_quantize(tiny_chat_dir, monkeypatch):
    import torch

    plain = TransformersChat.from_pretrained(
        str(tiny_chat_dir), cache_dir=tiny_chat_dir.parent, progress=False
    )
    assert "fp32" in plain.name
    assert any(type(m) is torch.nn.Linear for m in plain.model.modules())

    monkeypatch.setattr(transformers_chat, "QUANTIZE_MIN_PARAMS", 0)
    quant = TransformersChat.from_pretrained(
        str(tiny_chat_dir), cache_dir=tiny_chat_dir.parent, progress=False
    )
    assert "int8" in quant.name
    kinds = {type(m).__name__ for m in quant.model.modules()}
    assert "Linear" in kinds and not any(type(m) is torch.nn.Linear for m in quant.model.modules())
    a, b = quant(TURNS, cfg()), quant(TURNS, cfg())
    assert a.text == b.text and a.new_tokens > 0


def test_language_table():
    assert guess_languages("packaged:smollm2-135m-instruct") == {"en"}
    assert {"zh", "ja", "en"} <= guess_languages("Qwen/Qwen2.5-0.5B-Instruct")
    assert guess_languages("some/unknown-model") == {"en"}
