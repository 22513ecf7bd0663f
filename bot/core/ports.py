"""Typed ports: the Protocols the core codes against; implementations live outside bot/core.

Each section belongs to one area. The core imports these Protocols, never an implementation;
`bot/app.py` composes the implementations and hands them in.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.context import Context
from bot.core.models import Channel, User
from bot.core.output import Button
from bot.memory.records import AdventureRecord, AvatarRecord, ChannelTrip, Fact, ForgetReport, StoredMessage
from generators.dialogue.base import DialogueBackend
from generators.voice.style import VoiceStyle
from personas.model import Persona

if TYPE_CHECKING:  # heavy modules (PIL, numpy), needed for annotations only
    from PIL import Image

    from generators.images.cartoon import CartoonOutput
    from generators.images.cutout import CutoutOutput
    from generators.images.motion import MotionOutput
    from generators.images.scenes import AdventureImage
    from generators.landmarks import Landmark
    from generators.voice.base import SpeechOutput

# --- memory ---------------------------------------------------------------------------------------
# Per-user memory, one repository per concern. Every timestamp a repository writes comes from the
# Clock the backend was opened with; callers pass times only where they mean another moment.


class UserRepo(Protocol):
    """Users, channels and identity links between a person's platform accounts."""

    async def upsert_user(self, user: User) -> None:
        """Record a user's display name, locale and last-seen time."""
        ...

    async def upsert_channel(self, channel: Channel, owner_key: str | None = None) -> None:
        """Record a channel's kind, title and server; for a direct channel, `owner_key` is whose it is."""
        ...

    async def create_link_code(self, user_key: str, code: str, ttl: timedelta) -> None:
        """Store a one-time link code for `user_key`, valid for `ttl` (replacing its earlier codes)."""
        ...

    async def link_code_owner(self, code: str) -> str | None:
        """Who made the unexpired link `code`, or None; nothing is changed."""
        ...

    async def redeem_link_code(self, code: str, user_key: str) -> str | None:
        """Link `user_key` with the code's maker; the maker's key, `user_key` for one's own code, or None."""
        ...

    async def linked_keys(self, user_key: str) -> list[str]:
        """Every platform key of the person behind `user_key`, itself included, sorted."""
        ...

    async def forget(self, user_key: str) -> ForgetReport:
        """Delete everything about the person behind `user_key` and every identity linked to it."""
        ...


class MessageRepo(Protocol):
    """Chat turns per channel, bounded, with /reset."""

    async def add(self, channel_key: str, user_key: str | None, speaker: str, role: str, text: str) -> int:
        """Store one chat turn; returns its id once committed."""
        ...

    async def recent(self, channel_key: str, limit: int) -> list[StoredMessage]:
        """The channel's last `limit` turns since its last /reset, oldest first."""
        ...

    async def reset_channel(self, channel_key: str) -> None:
        """Hide the channel's earlier turns from `recent` (rows are kept until /forget)."""
        ...


class FactRepo(Protocol):
    """Facts a person told the avatar, shared across linked identities."""

    async def add(self, user_key: str, text: str, source: str) -> int:
        """Remember a fact; an identical one (ignoring case and spacing) is kept once. Returns its id."""
        ...

    async def list(self, user_key: str) -> list[Fact]:
        """The person's facts, oldest first."""
        ...

    async def delete(self, user_key: str, fact_id: int) -> bool:
        """Delete one of the person's facts; False when it is not theirs or does not exist."""
        ...


class AvatarRepo(Protocol):
    """Each person's current avatar picture."""

    async def set(self, user_key: str, path: str, kind: str, method: str, sha256: str) -> str | None:
        """Make `path` the person's avatar; returns the previous avatar's path (to delete) or None."""
        ...

    async def get(self, user_key: str) -> AvatarRecord | None:
        """The person's current avatar, or None."""
        ...

    async def delete(self, user_key: str) -> AvatarRecord | None:
        """Remove the person's avatar; returns the removed record (its file is the caller's to delete)."""
        ...


class AdventureRepo(Protocol):
    """The travel journal, and files no record points to any more."""

    async def add(
        self,
        *,
        user_key: str,
        channel_key: str,
        landmark_id: str,
        seed: int,
        image_path: str,
        image_sha256: str,
        caption: str,
        path_used: str,
        format: str,
    ) -> int:
        """Add a trip to the person's journal; returns its id."""
        ...

    async def list(self, user_key: str, limit: int = 50) -> list[AdventureRecord]:
        """The person's trips, newest first."""
        ...

    async def get(self, adventure_id: int) -> AdventureRecord | None:
        """One journal entry by id, whoever made it."""
        ...

    async def list_channel(self, channel_key: str, limit: int = 100) -> builtins.list[ChannelTrip]:
        """Everyone's trips made in one channel, newest first, with each traveller's display name."""
        ...

    async def own_file(self, user_key: str, path: str) -> None:
        """Record a file made for the person before it is written (a postcard, a passport page), so
        /forget deletes it even when no journal entry points to it."""
        ...

    async def take_orphan_files(self) -> builtins.list[str]:
        """Files no record points to any more (e.g. an avatar replaced by a link); the caller deletes them."""
        ...


class SettingsRepo(Protocol):
    """Scoped key/value settings and each channel's persona."""

    async def get(self, scope: str, key: str) -> str | None:
        """A setting's value, e.g. scope 'discord-space:123' or 'channel:telegram:5'."""
        ...

    async def set(self, scope: str, key: str, value: str | None) -> None:
        """Set a setting; None deletes it."""
        ...

    async def claim(self, scope: str, key: str, value: str) -> bool:
        """Set a setting only if it has no value; True when this call set it (atomic across processes)."""
        ...

    async def with_key(self, key: str) -> builtins.list[tuple[str, str]]:
        """(scope, value) of every scope where `key` is set, sorted by scope."""
        ...

    async def prefixed(self, scope: str, prefix: str) -> dict[str, str]:
        """The scope's settings whose key starts with `prefix`, by key."""
        ...

    async def channel_persona(self, channel_key: str) -> str | None:
        """The persona id chosen for the channel, or None."""
        ...

    async def set_channel_persona(self, channel_key: str, persona_id: str) -> None:
        """Choose the channel's persona."""
        ...


class UsageRepo(Protocol):
    """Counted uses (cooldowns and quotas); old rows are pruned."""

    async def record(self, user_key: str, kind: str) -> None:
        """Count one use of `kind` (e.g. 'adventure') by the person, now."""
        ...

    async def count_since(self, user_key: str, kind: str, since: datetime) -> int:
        """How many uses of `kind` the person made at or after `since`."""
        ...

    async def last(self, user_key: str, kind: str) -> datetime | None:
        """When the person last used `kind`, or None."""
        ...


class Memory(Protocol):
    """The whole memory store: one repository per concern, plus lifecycle and health."""

    users: UserRepo
    messages: MessageRepo
    facts: FactRepo
    avatars: AvatarRepo
    adventures: AdventureRepo
    settings: SettingsRepo
    usage: UsageRepo

    async def close(self) -> None:
        """Finish queued writes and release the backend."""
        ...

    async def integrity_check(self) -> str:
        """'ok' when the backend finds nothing wrong with its data; else what it found."""
        ...

    def stats(self) -> dict[str, int]:
        """Backend counters (e.g. committed batches and jobs), for benchmarks and /status."""
        ...


# --- personas and models --------------------------------------------------------------------------
# The dialogue backend's port is `generators.dialogue.base.DialogueBackend` (a Protocol beside its
# implementations); it is re-exported here so features name every port from one module.
Dialogue = DialogueBackend


class PersonaCatalogue(Protocol):
    """The personas a channel can talk with."""

    def find(self, name_or_id: str) -> Persona | None:
        """A persona by id or name (case-insensitive), or None."""
        ...

    def list(self) -> builtins.list[Persona]:
        """Every persona, in a stable order."""
        ...


class ImageStudio(Protocol):
    """Postcards, avatar cut-outs and cartoon avatars (built by `generators.images.studio.ImageStudio`).

    Calls are blocking and CPU-heavy: features run them on the image queue's worker threads.
    """

    def postcard(
        self,
        landmark: Landmark,
        avatars: builtins.list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        style: str | None = None,
        caption_style: str = "",
    ) -> AdventureImage:
        """One postcard of the avatars at the landmark; deterministic for its arguments."""
        ...

    def postcard_with_loop(
        self,
        landmark: Landmark,
        avatars: builtins.list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        loop_path: Path,
        style: str | None = None,
        caption_style: str = "",
    ) -> tuple[AdventureImage, MotionOutput]:
        """The postcard and its motion loop, drawn from one scene."""
        ...

    @property
    def motion_suffix(self) -> str:
        """The suffix motion loops are written with (.mp4, or .webp without an H.264 encoder)."""
        ...

    def motion(
        self,
        landmark: Landmark,
        avatars: builtins.list[Image.Image],
        *,
        now_utc: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        style: str | None = None,
        caption_style: str = "",
    ) -> MotionOutput:
        """A short seamless loop of the postcard with the same arguments; deterministic for them."""
        ...

    def cut_out(self, image: Image.Image) -> CutoutOutput:
        """The person in an uploaded picture on a transparent background (or a round sticker)."""
        ...

    def cartoon(self, description: str, *, seed: int, size: int = 512) -> CartoonOutput:
        """A cartoon avatar drawn from a description; deterministic for a seed."""
        ...


class PostcardSubmitter(Protocol):
    """What the daily postcard asks of the adventure feature: a postcard drawn on its image queue."""

    async def submit_postcard(
        self,
        key: str,
        landmark: Landmark,
        avatar_bytes: list[bytes],
        *,
        now: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        style: str | None = None,
        caption_style: str = "",
    ) -> tuple[asyncio.Future[Any], int]:
        """Queue one postcard; its future (with `.path`) and how many jobs are ahead."""
        ...


class DailyControl(Protocol):
    """What `/config daily` asks of the daily postcard feature."""

    async def configure(self, ctx: Context) -> None:
        """`/config daily [HH:MM [timezone] | off]`: show, set or stop the channel's daily postcard."""
        ...


# --- voices ---------------------------------------------------------------------------------------
class Speaker(Protocol):
    """Text to speech (built by `generators.voice.pipeline.VoicePipeline`). Blocking: run it in a thread."""

    name: str
    max_chars: int

    def __call__(
        self, text: str, *, style: VoiceStyle | None = None, language: str | None = None, seed: int = 0
    ) -> SpeechOutput:
        """`text` spoken in `style` as OGG/Opus; SpeechUnsupported or SpeechEngineError when it can't be."""
        ...


class VoiceReplies(Protocol):
    """What the chat and adventure features ask of the voice feature."""

    def postcard_buttons(self, lang: str, adventure_id: int) -> tuple[Button, ...]:
        """The 🔊 button under a postcard (none when no engine runs)."""
        ...

    async def speak_caption(self, ctx: Context, caption: str) -> None:
        """A postcard's caption spoken in the persona's voice, in the caption's language."""
        ...

    async def after_reply(self, ctx: Context, reply: str) -> None:
        """A sent chat reply spoken too, when the speaker turned voice replies on in this channel."""
        ...


# --- trips ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DrawnPostcard:
    """A rendered postcard and, when asked for, its motion loop."""

    card: AdventureImage
    loop: MotionOutput | None = None


class Travel(Protocol):
    """What group trips ask of the adventure feature (built by `bot.core.adventures.Adventures`)."""

    async def find_landmark(self, place: str, lang: str) -> Landmark:
        """The one place a typed name means (a signature landmark or any real town); a usage hint,
        "which one?" or suggestions (as errors) otherwise."""
        ...

    async def check_limits(self, ctx: Context) -> None:
        """Refuse the speaker another postcard here: images not allowed, on cooldown, or over the quota."""
        ...

    def reserve(self, user_key: str) -> None:
        """Hold the user's one postcard at a time until `release`; job_busy when it is taken."""
        ...

    def release(self, user_key: str) -> None:
        """Free the hold `reserve` took."""
        ...

    async def avatar_for(self, user_key: str) -> tuple[AvatarRecord, bool]:
        """The person's avatar, drawing them a cartoon one when they have none; (avatar, drawn now)."""
        ...

    async def draw_postcard(
        self,
        ctx: Context,
        landmark: Landmark,
        avatar_paths: Sequence[str],
        *,
        seed: int,
        fmt: str,
        style: str | None,
        now: datetime,
        charged: Sequence[str],
        motion: bool = False,
    ) -> DrawnPostcard:
        """Render one postcard of these avatars for the speaker (and its loop when `motion`), counting
        one use for each `charged` key."""
        ...

    async def send_postcard(
        self,
        ctx: Context,
        landmark: Landmark,
        drawn: DrawnPostcard,
        *,
        seed: int,
        fmt: str,
        now: datetime,
        names: Sequence[str],
        travellers: Sequence[str],
        previous: tuple[str, datetime] | None,
        speak: bool = False,
    ) -> int:
        """Caption the postcard, add it to every traveller's journal and send it; the first entry's id."""
        ...
