"""The dialogue backend contract shared by every chat model wrapper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """One chat-template message. `speaker` names who said a user/assistant line."""

    role: Role
    content: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class GenerationConfig:
    """Sampling settings for one call; `seed` makes it reproducible."""

    max_new_tokens: int = 96
    temperature: float = 0.7
    top_p: float = 0.9
    seed: int | None = None
    stop: tuple[str, ...] = ()
    timeout_s: float = 60.0
    min_p: float = 0.0  # drop tokens below min_p x the top token's probability (llama.cpp)
    repeat_penalty: float = 1.0  # >1 discourages tokens already in the context (llama.cpp)
    session: str | None = None  # who the prompt belongs to (a channel): prefix reuse is kept per session


@dataclass(frozen=True, slots=True)
class DialogueOutput:
    """The result of a whole generation."""

    text: str
    new_tokens: int = 0
    finish_reason: str = "stop"
    extra: dict = field(default_factory=dict, compare=False)


@runtime_checkable
class DialogueBackend(Protocol):
    """A chat model. `languages` lists the ISO codes it writes well."""

    name: str
    languages: frozenset[str]
    context_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]: ...

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput: ...

    async def aclose(self) -> None: ...
