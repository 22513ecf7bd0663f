"""Choose and load the chat backend from its options, and describe it without loading weights."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class LoadedDialogue:
    """The chat backend in use, a one-line description, and why a fallback was taken (if one was)."""

    backend: DialogueBackend
    description: str
    fallback_reason: str | None = None


def _load_transformers(model: str, options: DialogueOptions) -> DialogueBackend:
    from generators.dialogue.transformers_chat import TransformersChat

    return TransformersChat.from_pretrained(
        model,
        cache_dir=options.cache_dir,
        quantize=options.quantize,
        progress=True,
        context_tokens=options.context_tokens,
    )


def load_dialogue(options: DialogueOptions) -> LoadedDialogue:
    """Build the configured backend: OpenAI-compatible HTTP, a transformers model, or the packaged default.

    A custom transformers model that fails to load falls back to the packaged model, with the reason.
    """
    if options.base_url:
        from generators.dialogue.openai_http import OpenAIChat

        backend = OpenAIChat(
            options.base_url, options.api_key, options.model, context_tokens=options.context_tokens
        )
        return LoadedDialogue(backend, f"OpenAI-compatible server {backend.name}")
    try:
        backend = _load_transformers(options.model, options)
        return LoadedDialogue(backend, _transformers_description(backend, options))
    except Exception as exc:
        if options.model == PACKAGED_MODEL:
            raise RuntimeError(
                f"could not load the packaged chat model: {type(exc).__name__}: {exc}"
            ) from exc
        reason = f"could not load chat model {options.model!r} ({type(exc).__name__}: {exc}); using the packaged model"
        log.warning("%s", reason)
    backend = _load_transformers(PACKAGED_MODEL, options)
    return LoadedDialogue(backend, _transformers_description(backend, options), fallback_reason=reason)


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
        return f"packaged {display} ({gguf}); {state}; fp32; writes: {langs}"
    langs = ", ".join(sorted(guess_languages(model)))
    if Path(model).exists():
        where = f"local folder {Path(model).resolve()}"
    else:
        where = f"Hugging Face id, cached under {options.cache_dir / 'hub'} (needs the hub or a filled cache)"
    return (
        f"transformers model {model!r} ({where}); {quant}; writes: {langs}; falls back to the packaged model"
    )
