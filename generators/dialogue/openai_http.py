"""A chat model served elsewhere over the OpenAI-compatible HTTP API (vLLM, llama.cpp, Ollama)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.dialogue.stops import StopScanner
from generators.dialogue.transformers_chat import guess_languages
from generators.lang import count_cjk

log = logging.getLogger(__name__)

MAX_SERVER_STOPS = 4  # OpenAI's limit; the rest are applied on our side


class OpenAIChatError(RuntimeError):
    """The chat server could not be reached or answered with an error."""


class OpenAIChat:
    """Streams chat completions from an OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        *,
        client: httpx.AsyncClient | None = None,
        context_tokens: int = 4096,
        languages: frozenset[str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self.languages = languages or guess_languages(model)
        self.context_tokens = context_tokens
        self._api_key = api_key
        self._client = client
        self._owns_client = client is None

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIChat(base_url={self.base_url!r}, model={self.model!r})"

    def count_tokens(self, text: str) -> int:
        """An estimate (the server's tokenizer is not here): ~4 Latin characters or 1 CJK character a token."""
        cjk = count_cjk(text)
        return cjk + (len(text) - cjk + 3) // 4

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        return self._client

    def _payload(self, turns: list[ChatTurn], config: GenerationConfig) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": t.role, "content": t.content} for t in turns],
            "stream": True,
            "max_tokens": config.max_new_tokens,
            "temperature": config.temperature,
            "top_p": config.top_p,
        }
        if config.seed is not None:
            payload["seed"] = config.seed
        if config.stop:
            payload["stop"] = list(config.stop[:MAX_SERVER_STOPS])
        return payload

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    async def _deltas(
        self, turns: list[ChatTurn], config: GenerationConfig, info: dict[str, Any]
    ) -> AsyncIterator[str]:
        """Raw content deltas from the server's SSE stream."""
        url = f"{self.base_url}/chat/completions"
        try:
            async with self._http().stream(
                "POST",
                url,
                json=self._payload(turns, config),
                headers=self._headers(),
                timeout=config.timeout_s,
            ) as resp:
                if resp.status_code >= 400:
                    body = (await resp.aread()).decode("utf-8", "replace")
                    message = self._redact(_error_message(body))
                    raise OpenAIChatError(f"chat server {url} answered {resp.status_code}: {message}")
                async for line in resp.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # comments, event names, keep-alives
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        event = json.loads(data)
                    except ValueError as exc:
                        raise OpenAIChatError(
                            f"chat server {url} sent a malformed event: {data[:200]!r}"
                        ) from exc
                    if "error" in event:
                        raise OpenAIChatError(
                            f"chat server {url} reported: {self._redact(_error_message(json.dumps(event)))}"
                        )
                    for choice in event.get("choices") or []:
                        if choice.get("finish_reason"):
                            info["finish_reason"] = choice["finish_reason"]
                        content = (choice.get("delta") or {}).get("content")
                        if content:
                            info["chunks"] = info.get("chunks", 0) + 1
                            yield content
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"chat server {url} did not answer within {config.timeout_s:.0f}s") from exc
        except httpx.HTTPError as exc:
            reason = self._redact(f"{type(exc).__name__}: {exc}")
            raise OpenAIChatError(f"cannot reach chat server {url}: {reason}") from exc

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        """Yield the reply as it arrives, cut at stop sequences; TimeoutError after `config.timeout_s`."""
        async for piece in self._stream(turns, config, {}):
            yield piece

    async def _stream(
        self, turns: list[ChatTurn], config: GenerationConfig, info: dict[str, Any]
    ) -> AsyncIterator[str]:
        scanner = StopScanner(config.stop)
        deadline = time.monotonic() + config.timeout_s
        deltas = self._deltas(turns, config, info)
        try:
            while not scanner.stopped:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"chat server did not finish within {config.timeout_s:.0f}s")
                try:
                    delta = await asyncio.wait_for(anext(deltas), remaining)
                except StopAsyncIteration:
                    break
                piece = scanner.feed(delta)
                if piece:
                    yield piece
            if scanner.stopped:
                info["finish_reason"] = "stop"
            rest = scanner.flush()
            if rest:
                yield rest
        finally:
            await deltas.aclose()

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        """The whole reply (streamed underneath)."""
        started = time.monotonic()
        info: dict[str, Any] = {}
        parts = [p async for p in self._stream(turns, config, info)]
        text = "".join(parts)
        return DialogueOutput(
            text=text,
            new_tokens=self.count_tokens(text),
            finish_reason=info.get("finish_reason", "stop"),
            extra={"seconds": time.monotonic() - started, "chunks": len(parts)},
        )

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None


def _error_message(body: str) -> str:
    """The server's error message from a JSON error body, or the start of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:300] or "(empty body)"
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        return str(err.get("message") or err)[:300]
    return str(err)[:300]
