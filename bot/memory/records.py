"""Frozen value objects returned by the memory store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One stored chat turn. `user_key` is None for the persona's own replies."""

    id: int
    channel_key: str
    user_key: str | None
    speaker: str
    role: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a person told the avatar (shared by all of the person's linked identities)."""

    id: int
    text: str
    source: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AvatarRecord:
    """A person's current avatar file; `user_key` is the identity that set it."""

    user_key: str
    path: str
    kind: str
    method: str
    sha256: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AdventureRecord:
    """One trip in a person's travel journal."""

    id: int
    user_key: str
    channel_key: str
    landmark_id: str
    at: datetime
    seed: int
    image_path: str
    image_sha256: str
    caption: str
    path_used: str
    format: str


@dataclass(frozen=True, slots=True)
class ChannelTrip:
    """A trip made in a channel, with the traveller's display name (for a channel's travel map)."""

    trip: AdventureRecord
    traveller: str


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What /forget removed. The caller deletes `files` (avatars, postcards) from disk."""

    keys: tuple[str, ...] = ()
    facts: int = 0
    messages: int = 0
    avatars: int = 0
    adventures: int = 0
    files: list[str] = field(default_factory=list)
