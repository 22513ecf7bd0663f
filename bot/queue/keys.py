"""Redis key names shared by the bot side and the workers."""

from __future__ import annotations

PREFIX = "avatar"
JOB_FUNCTION = "render_postcard"
HEARTBEAT_S = 5.0  # a worker refreshes its heartbeat this often ...
HEARTBEAT_TTL_S = 15  # ... and counts as gone when it has not for this long


def busy_key(user_key: str) -> str:
    """Held (value: the job id) while the user has a postcard job anywhere: one job per user."""
    return f"{PREFIX}:busy:{user_key}"


def worker_key(name: str) -> str:
    """A live worker's heartbeat (JSON), expiring after HEARTBEAT_TTL_S."""
    return f"{PREFIX}:workers:{name}"


WORKERS_PATTERN = f"{PREFIX}:workers:*"
