"""The daily postcard's clock: times and time zones as people type them, and one channel's schedule
(its daily slots in UTC, following the local clock through daylight saving)."""

from __future__ import annotations

import json
import logging
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

from bot.core.models import Channel, ChannelKind

if TYPE_CHECKING:
    from generators.gazetteer import PlaceResolver

log = logging.getLogger(__name__)

_TIME = re.compile(r"^(\d{1,2})(?:[:.：h](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_time(text: str) -> tuple[int, int] | None:
    """'09:00', '9:30', '21h15', '9pm' as (hour, minute), or None."""
    m = _TIME.match(text.strip())
    if not m:
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or (m.group(2) is None and not half):
        return None
    return hour, minute


def offset_zone(name: str) -> timezone | None:
    """A fixed offset such as 'UTC+8', 'GMT-05:30' or '+0530', or None."""
    m = _OFFSET.match(name.strip())
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) in "-−" else delta)


def zone_of(name: str) -> tzinfo:
    """The tzinfo of a stored zone name (an IANA name, 'UTC' or 'UTC+08:00'); UTC when unreadable."""
    fixed = offset_zone(name)
    if fixed is not None:
        return fixed
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


class Zones:
    """Time zone names as people type them: IANA names in any case, offsets, and any town the place
    resolver knows (its time zone)."""

    def __init__(self, places: PlaceResolver) -> None:
        self.places = places
        self._names: dict[str, str] | None = None

    def _table(self) -> dict[str, str]:
        if self._names is None:
            names: dict[str, str] = {}
            for zone in sorted(zoneinfo.available_timezones()):
                names.setdefault(zone.casefold(), zone)
                city = zone.rsplit("/", 1)[-1].replace("_", " ").casefold()
                if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")):
                    names.setdefault(city, zone)
            self._names = names
        return self._names

    def resolve(self, text: str, lang: str = "en") -> str | None:
        """The stored name of the zone `text` means, or None when it means none (blocking: the place
        resolver may open its index)."""
        text = " ".join(text.split()).strip()
        if not text or len(text) > 60:
            return None
        if text.casefold() in ("utc", "gmt", "z", "utc+0", "gmt+0"):
            return "UTC"
        fixed = offset_zone(text)
        if fixed is not None:
            offset = fixed.utcoffset(None)
            if not offset:
                return "UTC"
            sign = "-" if offset < timedelta(0) else "+"
            minutes = abs(int(offset.total_seconds())) // 60
            return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        named = self._table().get(text.casefold()) or self._table().get(text.casefold().replace("_", " "))
        return named or self._town_zone(text, lang)

    def _town_zone(self, text: str, lang: str) -> str | None:
        try:
            found = self.places.resolve(text, lang)
        except Exception:  # an unreadable index: the zone is not understood, the bot goes on
            log.exception("place lookup failed for a time zone")
            return None
        if found.landmark is not None:
            return found.landmark.timezone or None
        zones = {lm.timezone for lm in found.choices}
        return zones.pop() if len(zones) == 1 and found.choices else None  # "Springfield": one zone or ask


@dataclass(frozen=True, slots=True)
class DailySchedule:
    """One channel's daily postcard: the local time, the zone, the story's language, and since when."""

    channel: Channel
    hour: int
    minute: int
    zone: str
    lang: str
    since: datetime

    def to_json(self) -> str:
        """The schedule as stored."""
        return json.dumps(
            {
                "at": f"{self.hour:02d}:{self.minute:02d}",
                "zone": self.zone,
                "lang": self.lang,
                "since": self.since.astimezone(UTC).isoformat(),
                "kind": str(self.channel.kind),
                "space": self.channel.space,
                "title": self.channel.title[:100],
            }
        )

    @classmethod
    def from_json(cls, channel_key: str, raw: str) -> DailySchedule | None:
        """A stored schedule, or None when it can't be read."""
        try:
            data = json.loads(raw)
            hour, minute = (int(x) for x in str(data["at"]).split(":"))
            platform, _, platform_id = channel_key.partition(":")
            channel = Channel(
                platform,
                platform_id,
                ChannelKind(data.get("kind", "group")),
                title=str(data.get("title", "")),
                space=str(data.get("space", "")),
            )
            since = datetime.fromisoformat(data["since"])
            return cls(channel, hour, minute, str(data["zone"]), str(data.get("lang", "en")), since)
        except (ValueError, KeyError, TypeError):
            return None

    def slot(self, day: date) -> datetime:
        """That local day's posting time, in UTC."""
        local = datetime.combine(day, time(self.hour, self.minute), tzinfo=zone_of(self.zone))
        return local.astimezone(UTC)

    def latest(self, now: datetime) -> tuple[date, datetime]:
        """The most recent slot at or before `now`: (its local day, its time)."""
        day = now.astimezone(zone_of(self.zone)).date()
        if self.slot(day) > now:
            day -= timedelta(days=1)
        return day, self.slot(day)

    def next(self, now: datetime) -> datetime:
        """The first slot after `now`."""
        day, _ = self.latest(now)
        return self.slot(day + timedelta(days=1))

    def local(self, at: datetime) -> str:
        """`at` as the channel's local date and time."""
        return at.astimezone(zone_of(self.zone)).strftime("%Y-%m-%d %H:%M")
