"""Tiny offline chat models for tests: a local byte-level BPE tokenizer and a random 2-layer Llama."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CORPUS = [
    "Hello there! How are you today? I am Luna, and I love the stars.",
    "Ana: Let's go to Paris and see the Eiffel Tower at night.",
    "Bob: The weather is lovely, shall we take a walk in the park?",
    "What a wonderful adventure. Tell me more about your trip!",
    "The quick brown fox jumps over the lazy dog. Stay kind and curious.",
    "你好！今天天气很好。我们去巴黎看埃菲尔铁塔吧。",
    "我喜欢星星和月亮。你叫什么名字？",
    "Bonjour, comment ça va ? Hola, ¿qué tal? Guten Tag!",
    "system user assistant: remember the rules, be warm and brief.",
]


def build_tokenizer(vocab_size: int = 400):
    """A byte-level BPE tokenizer trained on a small in-code corpus, with ChatML special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def save_tiny_chat(path: Path, *, seed: int = 0) -> Path:
    """Write a tiny random LlamaForCausalLM and its tokenizer to `path`; returns `path`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


_SHARED_DIR: Path | None = None


def make_tiny_chat(*, quantize: bool = False, context_tokens: int = 1024):
    """A TransformersChat on the tiny model, loaded through the real from_pretrained path."""
    global _SHARED_DIR
    from generators.dialogue.transformers_chat import TransformersChat

    if _SHARED_DIR is None or not (_SHARED_DIR / "config.json").exists():
        root = Path(tempfile.mkdtemp(prefix="tiny-llm-"))
        atexit.register(shutil.rmtree, root, True)
        _SHARED_DIR = save_tiny_chat(root / "model")
    return TransformersChat.from_pretrained(
        str(_SHARED_DIR),
        cache_dir=_SHARED_DIR.parent / "tiny-llm-cache",
        quantize=quantize,
        progress=False,
        context_tokens=context_tokens,
    )


class SeededChat:
    """The tiny model with a fixed sampling seed, so the same prompt streams the same reply every run."""

    def __init__(self, inner, seed: int = 7) -> None:
        self.inner = inner
        self.seed = seed
        self.name = inner.name
        self.languages = inner.languages
        self.context_tokens = inner.context_tokens

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, turns, config):
        return self.inner.stream(turns, replace(config, seed=self.seed))

    async def generate(self, turns, config):
        return await self.inner.generate(turns, replace(config, seed=self.seed))

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="session")
def tiny_chat_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the tiny chat model and tokenizer (built once per session)."""
    return save_tiny_chat(tmp_path_factory.mktemp("tiny-chat"))


build_tiny_chat_dir = save_tiny_chat  # older name
