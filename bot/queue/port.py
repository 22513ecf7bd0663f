"""The postcard-queue port: what a job carries and returns (bytes only, no shared filesystem)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class PostcardRequest:
    """One postcard job: everything a worker on another host needs, avatars included as PNG bytes."""

    job_id: str
    user_key: str
    landmark_id: str
    avatars: tuple[bytes, ...]
    now_utc: datetime
    seed: int
    fmt: str
    lang: str
    style: str | None = None
    caption_style: str = ""

    def to_wire(self) -> dict[str, object]:
        """Plain values for the queue's serializer."""
        return asdict(self)

    @classmethod
    def from_wire(cls, data: dict[str, object]) -> PostcardRequest:
        """The request back from `to_wire` values."""
        values = dict(data)
        values["avatars"] = tuple(values["avatars"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PostcardResult:
    """A finished postcard as JPEG bytes, and which image path made it."""

    job_id: str
    image: bytes
    sha256: str
    path_used: str
    worker: str = ""
    attempt: int = 1
    extra: dict[str, str] = field(default_factory=dict)


# Renders one postcard (in a worker thread): the stub in benchmarks, the image studio otherwise.
Renderer = Callable[[PostcardRequest], PostcardResult]


class PostcardQueue(Protocol):
    """A queue of postcard jobs shared by processes: one job per user, a bounded backlog, positions."""

    async def submit(self, request: PostcardRequest) -> tuple[asyncio.Future[PostcardResult], int]:
        """Queue the job; its result's future and how many jobs wait ahead. Raises job_busy / queue_full."""
        ...

    async def busy(self, user_key: str) -> bool:
        """True while the user has a job queued or running in any process."""
        ...

    async def aclose(self) -> None:
        """Stop waiting for results and release the connection."""
        ...


@dataclass(frozen=True)
class SavedPostcard:
    """A postcard rendered elsewhere, now written to this bot's data dir."""

    path: Path
    sha256: str
    path_used: str


async def submit_to_file(
    queue: PostcardQueue, request: PostcardRequest, out_path: Path
) -> tuple[asyncio.Task[SavedPostcard], int]:
    """Queue the job; a task that writes its postcard to `out_path` when it is done, and the jobs ahead."""
    future, ahead = await queue.submit(request)

    async def save() -> SavedPostcard:
        result = await future
        out_path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(out_path.write_bytes, result.image)
        return SavedPostcard(out_path, result.sha256, result.path_used)

    return asyncio.create_task(save()), ahead
