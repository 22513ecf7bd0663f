"""Choosing the chat backend from settings, describing it without weights, and the conversion cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings
from generators.dialogue.llamacpp_chat import llama_cpp_available
from generators.dialogue.loader import DialogueOptions, describe_dialogue, load_dialogue
from generators.dialogue.openai_http import OpenAIChat
from generators.dialogue.transformers_chat import (
    TransformersChat,
    _remove_stale_temp_dirs,
    cache_is_complete,
    packaged_cache_path,
)

SECRET = "sk-never-show-this"


def settings(tmp_path: Path, **kw) -> DialogueOptions:
    """The loader's options as the app builds them from Settings."""
    return Settings(_env_file=None, avatar_data_dir=tmp_path / "data", **kw).dialogue_options()


async def test_base_url_selects_the_http_backend_without_loading_weights(tmp_path: Path):
    s = settings(tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_api_key=SECRET, llm_model="qwen2.5")
    loaded = load_dialogue(s)
    assert isinstance(loaded.backend, OpenAIChat)
    assert loaded.fallback_reason is None
    assert "127.0.0.1:9" in loaded.description and SECRET not in loaded.description
    text = describe_dialogue(s)
    assert "OpenAI-compatible server at http://127.0.0.1:9/v1" in text and "with an API key" in text
    assert SECRET not in text
    await loaded.backend.aclose()


async def test_local_model_path_loads_through_transformers(tmp_path: Path, tiny_chat_dir: Path):
    s = settings(tmp_path, llm_model=str(tiny_chat_dir), llm_context_tokens=512)
    loaded = load_dialogue(s)
    assert isinstance(loaded.backend, TransformersChat)
    assert loaded.backend.context_tokens == 512
    assert loaded.fallback_reason is None
    assert "transformers" in loaded.description
    assert "local folder" in describe_dialogue(s)
    await loaded.backend.aclose()


def test_describe_packaged_reports_the_cache_state(tmp_path: Path):
    s = settings(tmp_path)
    before = describe_dialogue(s)
    assert "SmolLM2-135M-Instruct" in before and ".gguf" in before
    assert "not converted yet" in before and "writes: en" in before
    cache = packaged_cache_path("smollm2-135m-instruct", s.cache_dir)
    cache.mkdir(parents=True)
    (cache / "config.json").write_text("{}")
    assert "not converted yet" in describe_dialogue(s)  # no completion marker: a killed conversion
    (cache / "source.json").write_text(json.dumps({"bytes": 1}))
    assert f"converted cache at {cache}" in describe_dialogue(s)


def test_describe_unknown_ids(tmp_path: Path):
    assert "Hugging Face id" in describe_dialogue(settings(tmp_path, llm_model="Qwen/Qwen2.5-0.5B-Instruct"))
    assert "unknown packaged model" in describe_dialogue(settings(tmp_path, llm_model="packaged:nope"))


def test_incomplete_caches_and_dead_temp_dirs(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(done.stdout)
    dead = tmp_path / f".smollm2-135m-instruct.tmp-{dead_pid}-abcd1234"
    live = tmp_path / f".smollm2-135m-instruct.tmp-{os.getpid()}-abcd1234"
    for d in (dead, live):
        d.mkdir()
        (d / "config.json").write_text("{}")
    _remove_stale_temp_dirs(tmp_path, "smollm2-135m-instruct")
    assert not dead.exists() and live.exists()
    assert not cache_is_complete(live)


def test_describe_says_which_engine_runs_a_gguf_model_and_why(tmp_path: Path):
    usable, why = llama_cpp_available()
    text = describe_dialogue(settings(tmp_path))
    if usable:
        assert f"engine: llama.cpp ({why}" in text and "threads" in text
    else:
        assert f"engine: transformers, because {why}" in text and "make llama" in text
    forced = describe_dialogue(settings(tmp_path, llm_engine="transformers"))
    assert "engine: transformers (LLM_ENGINE=transformers)" in forced
    missing = describe_dialogue(settings(tmp_path, llm_model=str(tmp_path / "none.gguf")))
    assert "unusable: GGUF file not found" in missing and "falls back to the packaged model" in missing
