"""Choose and load the chat backend from its options, and describe it without loading weights."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from generators.dialogue.base import DialogueBackend
from generators.dialogue.transformers_chat import (
    PACKAGED,
    PACKAGED_PREFIX,
    cache_is_complete,
    guess_languages,
    packaged_cache_path,
    packaged_gguf,
)

log = logging.getLogger(__name__)

PACKAGED_MODEL = "packaged:smollm2-135m-instruct"


@dataclass(frozen=True, slots=True)
class DialogueOptions:
    """What the loader needs to know: which model or server, where to cache, how to run it."""

    model: str
    cache_dir: Path  # converted models and the Hugging Face cache
    base_url: str | None = None  # an OpenAI-compatible server instead of a local model
    api_key: str | None = field(default=None, repr=False)
    quantize: bool = True
    context_tokens: int = 2048
    engine: Literal["auto", "llama.cpp", "transformers"] = "auto"  # auto: llama.cpp for GGUF files
    threads: int | None = None  # llama.cpp threads; None follows the cores this process may use
    prefix_cache_mb: int = 256  # evaluated prompt prefixes kept for reuse (llama.cpp)


@dataclass(frozen=True, slots=True)
class LoadedDialogue:
    """The chat backend in use, a one-line description, why a fallback model was taken (if one was),
    and why a GGUF model runs on transformers instead of llama.cpp (if it does)."""

    backend: DialogueBackend
    description: str
    fallback_reason: str | None = None
    engine_reason: str | None = None


def _load_transformers(model: str, options: DialogueOptions) -> DialogueBackend:
    from generators.dialogue.transformers_chat import TransformersChat

    return TransformersChat.from_pretrained(
        model,
        cache_dir=options.cache_dir,
        quantize=options.quantize,
        progress=True,
        context_tokens=options.context_tokens,
    )


def gguf_source(model: str) -> tuple[Path, str, frozenset[str]] | None:
    """The GGUF file behind a model setting (packaged key or a path ending in .gguf), its display
    name and languages; None for Hugging Face ids and transformers folders."""
    if model.startswith(PACKAGED_PREFIX):
        key = model[len(PACKAGED_PREFIX) :]
        return packaged_gguf(key), PACKAGED[key][1], guess_languages(key)
    if model.lower().endswith(".gguf"):
        path = Path(model).expanduser()
        return path, path.stem, guess_languages(path.name)
    return None


def _load_llama_cpp(
    gguf: Path, name: str, languages: frozenset[str], options: DialogueOptions
) -> LoadedDialogue:
    from generators.dialogue.llamacpp_chat import LlamaCppChat

    backend = LlamaCppChat.from_pretrained(
        gguf,
        name=name,
        languages=languages,
        context_tokens=options.context_tokens,
        threads=options.threads,
        cache_bytes=options.prefix_cache_mb * 1024 * 1024,
    )
    langs = ", ".join(sorted(backend.languages))
    return LoadedDialogue(
        backend,
        f"llama.cpp {name} ({gguf.name}), {_threads_text(options.threads)}, context {backend.context_tokens} "
        f"tokens, prompt-prefix reuse up to {options.prefix_cache_mb} MB, writes: {langs}",
    )


def _load_local(model: str, options: DialogueOptions) -> LoadedDialogue:
    """One local model: llama.cpp for a GGUF file when it is usable, transformers otherwise."""
    from generators.dialogue.llamacpp_chat import llama_cpp_available

    source = gguf_source(model)
    engine_reason = None
    if source is not None:
        usable, why = llama_cpp_available()
        if options.engine == "transformers":
            engine_reason = "LLM_ENGINE=transformers"
        elif usable:
            return _load_llama_cpp(*source, options)
        else:
            engine_reason = why
        if not model.startswith(PACKAGED_PREFIX):
            raise RuntimeError(f"a GGUF file needs llama.cpp: {engine_reason}")
        log.warning("packaged chat model on transformers, not llama.cpp: %s", engine_reason)
    backend = _load_transformers(model, options)
    return LoadedDialogue(backend, _transformers_description(backend, options), engine_reason=engine_reason)


def load_dialogue(options: DialogueOptions) -> LoadedDialogue:
    """Build the configured backend: OpenAI-compatible HTTP, a GGUF file on llama.cpp, a transformers
    model, or the packaged default (llama.cpp when it is installed, transformers otherwise).

    A custom model that fails to load falls back to the packaged model, with the reason.
    """
    if options.base_url:
        from generators.dialogue.openai_http import OpenAIChat

        backend = OpenAIChat(
            options.base_url, options.api_key, options.model, context_tokens=options.context_tokens
        )
        return LoadedDialogue(backend, f"OpenAI-compatible server {backend.name}")
    try:
        return _load_local(options.model, options)
    except Exception as exc:
        if options.model != PACKAGED_MODEL:
            reason = f"could not load chat model {options.model!r} ({type(exc).__name__}: {exc}); using the packaged model"
        elif options.engine != "transformers":
            # A broken packaged GGUF on llama.cpp: transformers may still read it.
            reason = f"llama.cpp could not load the packaged model ({type(exc).__name__}: {exc})"
            log.warning("%s; trying transformers", reason)
            try:
                backend = _load_transformers(options.model, options)
            except Exception as exc2:
                raise RuntimeError(
                    f"could not load the packaged chat model: {type(exc2).__name__}: {exc2}"
                ) from exc2
            return LoadedDialogue(backend, _transformers_description(backend, options), engine_reason=reason)
        else:
            raise RuntimeError(
                f"could not load the packaged chat model: {type(exc).__name__}: {exc}"
            ) from exc
        log.warning("%s", reason)
    loaded = _load_local(PACKAGED_MODEL, options)
    return replace(loaded, fallback_reason=reason)


def _transformers_description(backend: DialogueBackend, options: DialogueOptions) -> str:
    langs = ", ".join(sorted(backend.languages))
    return f"transformers {backend.name} on CPU, context {backend.context_tokens} tokens, writes: {langs}"


def describe_dialogue(options: DialogueOptions) -> str:
    """Which chat model the bot will use and where its files are, without loading any weights."""
    if options.base_url:
        auth = "with an API key" if options.api_key else "without an API key"
        return f"OpenAI-compatible server at {options.base_url}, model {options.model!r} ({auth})"
    quant = "int8 dynamic quantisation (models over 300M parameters)" if options.quantize else "fp32"
    model = options.model
    engine = _describe_engine(options)
    if model.lower().endswith(".gguf") and not model.startswith(PACKAGED_PREFIX):
        path = Path(model).expanduser()
        try:
            from generators.dialogue.llamacpp_chat import check_gguf

            check_gguf(path)
            state = f"GGUF file {path.resolve()}"
        except ValueError as exc:
            state = f"unusable: {exc}"
        return f"{state}; engine: {engine}; falls back to the packaged model"
    if model.startswith(PACKAGED_PREFIX):
        key = model[len(PACKAGED_PREFIX) :]
        if key not in PACKAGED:
            return f"unknown packaged model {model!r} (known: {', '.join(PACKAGED)})"
        display = PACKAGED[key][1]
        try:
            gguf = f"GGUF {packaged_gguf(key)}"
        except FileNotFoundError as exc:
            gguf = f"GGUF missing: {exc}"
        cache = packaged_cache_path(key, options.cache_dir)
        state = (
            f"converted cache at {cache}"
            if cache_is_complete(cache)
            else f"not converted yet; the first start converts it into {cache} (about 25 s)"
        )
        langs = ", ".join(sorted(guess_languages(key)))
        # 135M parameters is under QUANTIZE_MIN_PARAMS, so the packaged model always runs in fp32.
        return f"packaged {display} ({gguf}); engine: {engine}; transformers fallback: {state}, fp32; writes: {langs}"
    langs = ", ".join(sorted(guess_languages(model)))
    if Path(model).exists():
        where = f"local folder {Path(model).resolve()}"
    else:
        where = f"Hugging Face id, cached under {options.cache_dir / 'hub'} (needs the hub or a filled cache)"
    return (
        f"transformers model {model!r} ({where}); {quant}; writes: {langs}; falls back to the packaged model"
    )


def _describe_engine(options: DialogueOptions) -> str:
    """Which engine a GGUF model gets, and why."""
    from generators.dialogue.llamacpp_chat import llama_cpp_available

    if options.engine == "transformers":
        return "transformers (LLM_ENGINE=transformers)"
    usable, why = llama_cpp_available()
    if not usable:
        return f"transformers, because {why}"
    return f"llama.cpp ({why}, {_threads_text(options.threads)}, prompt-prefix reuse up to {options.prefix_cache_mb} MB)"


def _threads_text(threads: int | None) -> str:
    """How many threads llama.cpp runs, and why: "1 decode / 2 prompt threads (the cores ...)"."""
    from generators.dialogue.llamacpp_chat import thread_plan

    decode, prompt = thread_plan(threads)
    if threads:
        return f"{threads} threads (set by LLM_THREADS)"
    return f"{decode} decode / {prompt} prompt threads (from the cores this process may use)"
