"""Replies end on a whole character: a CJK character or emoji split over tokens is held back while it is
incomplete, and dropped when generation stops (at the token cap) before its last token."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from generators.dialogue.base import ChatTurn, GenerationConfig
from generators.dialogue.decoding import PARTIAL, AsyncTokenStreamer, CompleteTextStream, complete_text
from generators.dialogue.transformers_chat import TransformersChat, packaged_gguf
from tests.tiny_llm import build_tokenizer

EMOJI_REPLY = "Pack light and have fun today! ✈️🙂"
CJK_REPLY = "旅伴，我们明天去北京看长城吧！"
MIXED = "Bon voyage ✈️ 你好 🙂!"


def whole_characters(text: str, n_bytes: int) -> str:
    """The longest prefix of `text` whose UTF-8 fits in `n_bytes`."""
    return text.encode()[:n_bytes].decode("utf-8", errors="ignore")


async def streamed(decode, ids: Sequence[int]) -> list[str]:
    """What the streamer releases when `generate` hands it a prompt, then `ids` one token at a time."""
    streamer = AsyncTokenStreamer(decode)
    streamer.put(torch.tensor([[1, 2, 3]]))  # the prompt: never released
    for i in ids:
        streamer.put(torch.tensor([i]))
    streamer.end()
    return [piece async for piece in streamer]


def test_byte_level_holdback_at_every_cut() -> None:
    data = MIXED.encode()

    def decode(ids: Sequence[int]) -> str:
        return bytes(ids).decode("utf-8", errors="replace")

    for n in range(len(data) + 1):
        stream = CompleteTextStream(decode)
        pieces = [stream.push([b]) for b in data[:n]]
        assert not any(PARTIAL in p for p in pieces), n
        assert "".join(pieces) == complete_text(decode, data[:n]) == whole_characters(MIXED, n)


async def check_cuts(tokenizer, text: str) -> list[str]:
    """Stream `text`'s tokens cut after every token; returns the replies of the cuts inside a character."""

    def decode(ids: Sequence[int]) -> str:
        return tokenizer.decode(ids, skip_special_tokens=True)

    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    inside: list[str] = []
    for k in range(len(ids) + 1):
        pieces = await streamed(decode, ids[:k])
        final = complete_text(decode, ids[:k])
        # Characters whose tokens all came: everything before the first token not yet generated.
        expected = text[: offsets[k][0]] if k < len(ids) else text
        assert not any(PARTIAL in p for p in pieces) and PARTIAL not in final, (k, pieces, final)
        assert "".join(pieces) == final == expected, k
        if k and decode(ids[:k]).endswith(PARTIAL):
            inside.append(final)
    return inside


async def test_tiny_tokenizer_stream_holds_back_split_characters() -> None:
    inside = await check_cuts(build_tokenizer(), MIXED)
    assert "Bon voyage " in inside and "Bon voyage ✈️ 你好 " in inside, "cuts inside ✈ and 🙂 were tried"


async def test_a_reply_cut_at_the_token_cap_never_ends_in_a_broken_character(
    tiny_dialogue: TransformersChat,
) -> None:
    # The tiny random model splits characters all the time: sampled with seed 0, its first token is half one.
    turns = [ChatTurn("system", "You are Luna."), ChatTurn("user", "Ana: 你好 ✈️", speaker="Ana")]
    for cap in range(1, 13):
        config = GenerationConfig(max_new_tokens=cap, seed=0, temperature=0.8, stop=())
        pieces = [c async for c in tiny_dialogue.stream(turns, config)]
        whole = await tiny_dialogue.generate(turns, config)
        assert "".join(pieces) == whole.text, cap
        if cap == 1:
            assert whole.new_tokens == 1 and whole.text == "", "the first token is half a character"
        assert not whole.text.endswith(PARTIAL) and not any(p.endswith(PARTIAL) for p in pieces), cap


@pytest.fixture(scope="module")
def smol_tokenizer():
    """The packaged SmolLM2 tokenizer, read from the GGUF file alone (no weights are converted)."""
    from transformers import AutoTokenizer

    gguf: Path = packaged_gguf("smollm2-135m-instruct")
    return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)


@pytest.mark.smoke
async def test_packaged_tokenizer_cut_inside_an_emoji_or_a_cjk_character(smol_tokenizer) -> None:
    emoji_cuts = await check_cuts(smol_tokenizer, EMOJI_REPLY)
    assert emoji_cuts[:2] == ["Pack light and have fun today! "] * 2, "inside ✈ the reply ends before it"
    assert emoji_cuts[-1] == "Pack light and have fun today! ✈️", "inside 🙂 the reply ends before it"
    cjk_cuts = await check_cuts(smol_tokenizer, CJK_REPLY)
    assert cjk_cuts[:2] == ["", "旅"] and "旅伴，我们明天去北京看长" in cjk_cuts
