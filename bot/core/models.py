"""Platform-neutral value objects: users, channels, messages, commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ChannelKind(StrEnum):
    """Direct (1:1) or group channel."""

    DIRECT = "direct"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class User:
    """A person on one platform. `key` is the store's identity, e.g. `discord:1234`."""

    platform: str
    platform_id: str
    display_name: str
    locale: str | None = None
    is_admin: bool = False
    roles: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable platform-qualified identity."""
        return f"{self.platform}:{self.platform_id}"


@dataclass(frozen=True, slots=True)
class Channel:
    """A place where messages are exchanged."""

    platform: str
    platform_id: str
    kind: ChannelKind = ChannelKind.GROUP
    title: str = ""
    space: str = ""  # the server/guild a channel belongs to, where the platform has one

    @property
    def space_key(self) -> str | None:
        """Settings scope of the server/guild, or None."""
        return f"{self.platform}-space:{self.space}" if self.space else None

    @property
    def key(self) -> str:
        """Stable platform-qualified identity."""
        return f"{self.platform}:{self.platform_id}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message. `data` is loaded lazily by adapters when needed."""

    filename: str
    content_type: str | None = None
    size: int | None = None
    data: bytes | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message as the core sees it, whatever platform it came from."""

    user: User
    channel: Channel
    text: str
    message_id: str = ""
    attachments: tuple[Attachment, ...] = ()
    mentions_bot: bool = False
    reply_to_bot: bool = False
    reply_to_id: str = ""  # the message replied to, where the platform says which
    mentioned_users: tuple[User, ...] = ()
    sent_at: datetime | None = None
    command: Command | None = None  # set by adapters whose platform sends commands already structured


@dataclass(frozen=True, slots=True)
class Mention:
    """A person named in a command: the name as given, and the user when the platform resolved it."""

    name: str
    user: User | None = None


OptionValue = str | int | Attachment | tuple[Mention, ...] | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    """A structured command: its name, subcommand and typed option values (see bot.core.registry)."""

    name: str
    args: str = ""
    argv: tuple[str, ...] = field(default_factory=tuple)
    sub: str | None = None
    options: Mapping[str, OptionValue] = field(default_factory=dict)

    def string(self, name: str) -> str:
        """A text or choice option, "" when not given."""
        value = self.options.get(name)
        return value if isinstance(value, str) else ""

    def integer(self, name: str) -> int | None:
        """An integer option, None when not given."""
        value = self.options.get(name)
        return value if isinstance(value, int) else None

    def attachment(self, name: str) -> Attachment | None:
        """An attachment option, None when not given."""
        value = self.options.get(name)
        return value if isinstance(value, Attachment) else None

    def mentions(self, name: str) -> tuple[Mention, ...]:
        """A user option: the people named."""
        value = self.options.get(name)
        return tuple(v for v in value if isinstance(v, Mention)) if isinstance(value, tuple) else ()

    def ids(self, name: str) -> tuple[str, ...]:
        """A channel or role option: platform ids."""
        value = self.options.get(name)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, tuple) else ()
