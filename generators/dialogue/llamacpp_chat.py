"""A GGUF chat model on llama.cpp: seeded, streamed off the event loop, reusing evaluated prompt prefixes."""

from __future__ import annotations

import asyncio
import codecs
import ctypes
import logging
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.dialogue.prefix_cache import PrefixCache
from generators.dialogue.stops import StopScanner, cut_at_stop

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
# ChatML, used when a GGUF file carries no chat template.
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class GGUFError(ValueError):
    """A file that is not a loadable GGUF model (missing, truncated or corrupt)."""


def _import_llama_cpp() -> ModuleType:
    """Import llama_cpp with its OpenMP workers sleeping between tokens.

    Spinning workers (OpenMP's default) fight the event loop and everything else for the cores:
    on a busy 2-core host 2 threads decoded 6 tokens/s spinning and 14-29 passive (1 thread: 30).
    Sleeping at each barrier inside one token costs an idle host too, so `thread_plan` decodes on
    one thread where there are two cores.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp

    return llama_cpp


def llama_cpp_available() -> tuple[bool, str]:
    """Whether llama-cpp-python imports here, and if not, why (for doctor and the start log)."""
    try:
        llama_cpp = _import_llama_cpp()

        return True, f"llama-cpp-python {llama_cpp.__version__}"
    except Exception as exc:  # an ImportError, or a broken native library (OSError)
        return False, f"llama-cpp-python is not usable ({type(exc).__name__}: {exc}); run `make llama`"


def check_gguf(path: Path) -> None:
    """Raise GGUFError unless `path` looks like a whole GGUF file (magic, version, sane header)."""
    path = Path(path)
    if not path.is_file():
        raise GGUFError(f"GGUF file not found: {path}")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(24)
    if len(head) < 24 or head[:4] != GGUF_MAGIC:
        raise GGUFError(f"{path} is not a GGUF file (bad magic or header; {size} bytes)")
    version = int.from_bytes(head[4:8], "little")
    tensors = int.from_bytes(head[8:16], "little")
    if version not in (2, 3) or tensors == 0 or tensors > 1_000_000:
        raise GGUFError(f"{path} has an unsupported or corrupt GGUF header (version {version})")


def default_threads() -> int:
    """The cores this process may run on: the prompt (a batch) is evaluated on all of them."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def thread_plan(threads: int | None = None) -> tuple[int, int]:
    """(decode threads, prompt threads): `threads` for both when set, else one decode thread on up to
    two cores and all cores for the prompt.

    One token is a chain of small steps with a barrier between them, and passive OpenMP workers sleep
    at each barrier. Measured on a 2-core host with SmolLM2-135M: 2 threads decoded 34-37 tokens/s
    idle, 1 thread 70 (and 55-71 beside a busy loop, where 2 threads made 41-48); a 182-token prompt
    took 0.6 s on 2 threads and 1.0 s on 1. Spinning workers (OMP_WAIT_POLICY=ACTIVE) decoded 92
    idle but 27-31 beside a busy loop, so they stay off.
    """
    if threads:
        return threads, threads
    cores = default_threads()
    return (1 if cores <= 2 else cores // 2), cores


@dataclass(slots=True)
class _Job:
    """One generation's live state, shared between the worker thread and the awaiting coroutine."""

    cancel: threading.Event
    deadline: float
    emit: Callable[[str], None] | None = None


class LlamaCppChat:
    """A GGUF chat model run by llama.cpp, behind the DialogueBackend protocol.

    One model instance serves every channel: generations run one at a time, in arrival order, on a
    single worker thread. The evaluated prompt of each session is saved (KV state) in a bounded
    `PrefixCache`, so a later turn that starts with the same tokens only evaluates what is new.
    """

    def __init__(
        self,
        llama: Llama,
        *,
        name: str,
        languages: frozenset[str] | set[str],
        context_tokens: int,
        cache: PrefixCache | None = None,
        template: str | None = None,
    ) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llama = llama
        self.name = name
        self.languages = frozenset(languages)
        self.context_tokens = context_tokens
        self.cache = cache if cache is not None else PrefixCache(DEFAULT_CACHE_BYTES)
        vocab = llama._model
        self._eos_text = vocab.token_get_text(llama.token_eos()) if llama.token_eos() >= 0 else ""
        bos = llama.token_bos()
        self._bos_text = vocab.token_get_text(bos) if bos >= 0 else ""
        self._formatter = Jinja2ChatFormatter(
            template or CHATML, eos_token=self._eos_text, bos_token=self._bos_text
        )
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._session: str | None = None  # whose tokens are live in the context right now
        self.last_output: DialogueOutput | None = None

    @classmethod
    def from_pretrained(
        cls,
        gguf_path: str | Path,
        *,
        name: str | None = None,
        languages: frozenset[str] | set[str] = frozenset({"en"}),
        context_tokens: int = 2048,
        threads: int | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> LlamaCppChat:
        """Load a GGUF file (the only place weights are read); a broken file raises GGUFError."""
        Llama = _import_llama_cpp().Llama  # noqa: N806

        path = Path(gguf_path)
        check_gguf(path)
        decode_threads, prompt_threads = thread_plan(threads)
        try:
            llama = Llama(
                model_path=str(path),
                n_ctx=context_tokens,
                n_batch=512,
                n_threads=decode_threads,
                n_threads_batch=prompt_threads,
                verbose=False,
            )
        except Exception as exc:  # llama.cpp reports a bad file as a bare ValueError
            raise GGUFError(f"llama.cpp could not load {path}: {exc}") from exc
        template = llama.metadata.get("tokenizer.chat_template")
        return cls(
            llama,
            name=name or path.stem,
            languages=languages,
            context_tokens=min(context_tokens, llama.n_ctx()),
            cache=PrefixCache(cache_bytes),
            template=template,
        )

    # -- tokens ---------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        """How many tokens `text` takes (no special tokens)."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_text(self, turns: list[ChatTurn]) -> str:
        """The chat template rendered for `turns`, ending with the assistant's generation prompt."""
        from generators.dialogue.transformers_chat import _merge_for_strict_templates

        messages = [{"role": t.role, "content": t.content} for t in turns]
        try:
            return self._formatter(messages=messages).prompt
        except Exception:  # templates that demand strict user/assistant alternation
            return self._formatter(messages=_merge_for_strict_templates(messages)).prompt

    def prompt_ids(self, turns: list[ChatTurn]) -> list[int]:
        """The token ids of the rendered prompt (the template's own BOS is not doubled)."""
        text = self.prompt_text(turns)
        add_bos = not (self._bos_text and text.startswith(self._bos_text))
        return self.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    # -- generation -----------------------------------------------------------------------------

    def __call__(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """Generate a whole reply (blocking, on the caller's thread); the same seed gives the same text."""
        job = _Job(cancel=threading.Event(), deadline=time.monotonic() + config.timeout_s)
        out = self._run(self.prompt_ids(turns), config, job)
        if out.finish_reason == "timeout":
            raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
        return out

    def _restore(self, ids: list[int], session: str) -> int:
        """Put the best saved prefix for `ids` into the context if it beats what is live; tokens reused."""
        llama = self.llama
        live = 0
        if llama.n_tokens:
            live = min(llama.n_tokens, len(ids))
            for i in range(live):
                if llama.input_ids[i] != ids[i]:
                    live = i
                    break
        entry, length = self.cache.best(ids)
        if entry is None or length <= live:
            return live
        buf = (ctypes.c_uint8 * len(entry.data)).from_buffer_copy(entry.data)
        import llama_cpp

        llama._ctx.kv_cache_clear()
        if not llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buf, len(entry.data), 0):
            log.warning("could not restore a saved prompt prefix; evaluating it again")
            llama.reset()
            return 0
        n = len(entry.tokens)
        llama.input_ids[:n] = entry.tokens
        llama.n_tokens = n
        llama._requires_eval = True
        return length

    def _save(self, session: str) -> None:
        """Save the context's tokens and KV state for `session`."""
        import llama_cpp

        llama = self.llama
        n = llama.n_tokens
        if n < self.cache.min_tokens:
            return
        size = llama_cpp.llama_state_seq_get_size(llama._ctx.ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        got = llama_cpp.llama_state_seq_get_data(llama._ctx.ctx, buf, size, 0)
        if got:
            self.cache.put(session, [int(t) for t in llama.input_ids[:n]], ctypes.string_at(buf, got))

    def _run(self, ids: list[int], config: GenerationConfig, job: _Job) -> DialogueOutput:
        llama = self.llama
        room = self.context_tokens - config.max_new_tokens
        if len(ids) > room > 0:
            log.warning("prompt of %d tokens cut to the model's %d positions", len(ids), room)
            ids = ids[-room:]
        session = config.session or "default"
        started = time.monotonic()
        reused = self._restore(ids, session)
        seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
        llama.set_seed(seed)
        greedy = config.temperature <= 0
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        scanner = StopScanner(config.stop)
        raw, reason, new_tokens, first_token_s = "", "length", 0, 0.0
        gen = llama.generate(
            ids,
            temp=config.temperature if not greedy else 0.0,
            top_k=1 if greedy else 0,
            top_p=config.top_p,
            min_p=config.min_p,
            repeat_penalty=config.repeat_penalty,
            reset=True,
        )
        try:
            for token in gen:
                if new_tokens == 0:
                    first_token_s = time.monotonic() - started
                if llama_is_eog(llama, token):
                    reason = "stop"
                    break
                new_tokens += 1
                piece = decoder.decode(llama.detokenize([token], special=False))
                raw += piece
                released = scanner.feed(piece)
                if released and job.emit is not None:
                    job.emit(released)
                if scanner.stopped:
                    reason = "stop"
                    break
                if job.cancel.is_set():
                    reason = "cancelled"
                    break
                if time.monotonic() > job.deadline:
                    reason = "timeout"
                    break
                if new_tokens >= config.max_new_tokens:
                    reason = "length"
                    break
        finally:
            gen.close()
        rest = decoder.decode(b"", final=True)
        if rest:
            raw += rest
            released = scanner.feed(rest)
            if released and job.emit is not None:
                job.emit(released)
        tail = scanner.flush()
        if tail and job.emit is not None:
            job.emit(tail)
        seconds = time.monotonic() - started
        self._save(session)
        self._session = session
        text, _ = cut_at_stop(raw, config.stop)
        extra = {
            "seed": seed,
            "prompt_tokens": len(ids),
            "reused_tokens": reused,
            "evaluated_prompt_tokens": len(ids) - min(reused, len(ids) - 1),
            "first_token_s": first_token_s,
            "seconds": seconds,
        }
        out = DialogueOutput(text=text, new_tokens=new_tokens, finish_reason=reason, extra=extra)
        self.last_output = out
        return out

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                # One worker: one model instance, generations in arrival order.
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-cpp")
            return self._pool

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """Generate a whole reply in the worker thread; raises TimeoutError after `config.timeout_s`."""
        ids = self.prompt_ids(turns)
        loop = asyncio.get_running_loop()
        job = _Job(cancel=threading.Event(), deadline=time.monotonic() + config.timeout_s)
        fut = loop.run_in_executor(self._executor(), self._run, ids, config, job)
        try:
            out = await asyncio.wait_for(asyncio.shield(fut), max(0.0, job.deadline - time.monotonic()))
        except TimeoutError as exc:
            raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s") from exc
        finally:
            job.cancel.set()
            fut.add_done_callback(_consume_exception)
        if out.finish_reason in ("timeout", "cancelled"):
            raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
        return out

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        """Yield the reply as it is generated, cut at stop sequences; raises TimeoutError on timeout."""
        ids = self.prompt_ids(turns)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        job = _Job(
            cancel=threading.Event(),
            deadline=time.monotonic() + config.timeout_s,
            emit=lambda text: loop.call_soon_threadsafe(queue.put_nowait, text),
        )
        fut = loop.run_in_executor(self._executor(), self._run, ids, config, job)
        fut.add_done_callback(lambda _f: queue.put_nowait(None))
        try:
            while True:
                remaining = job.deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
                try:
                    chunk = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError as exc:
                    raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s") from exc
                if chunk is None:
                    break
                yield chunk
            out = await fut
            if out.finish_reason in ("timeout", "cancelled"):
                raise TimeoutError(f"{self.name} did not finish within {config.timeout_s:.0f}s")
        finally:
            job.cancel.set()
            fut.add_done_callback(_consume_exception)

    async def aclose(self) -> None:
        """Stop the worker thread (a later call starts a new one)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def llama_is_eog(llama: Llama, token: int) -> bool:
    """True for end-of-generation tokens (EOS, <|im_end|>, <|eot_id|>, ...)."""
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(llama._model.vocab, token))


def _consume_exception(fut: asyncio.Future) -> None:
    """Mark a worker's exception as seen when the consumer has already gone."""
    if not fut.cancelled():
        fut.exception()
