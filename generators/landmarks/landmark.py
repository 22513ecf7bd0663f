"""One landmark: its names, place on Earth, local time and light, and how its name reads in a sentence."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from generators.landmarks.places import LANGS

TimeOfDay = Literal["dawn", "day", "dusk", "night"]


def solar_elevation(lat: float, lon: float, when_utc: datetime) -> tuple[float, float]:
    """Sun elevation and hour angle in degrees (NOAA approximation; good to a fraction of a degree)."""
    t = when_utc.astimezone(UTC)
    hour = t.hour + t.minute / 60 + t.second / 3600
    g = 2 * math.pi / 365 * (t.timetuple().tm_yday - 1 + (hour - 12) / 24)
    eqtime = 229.18 * (
        0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
        - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g)
    )  # fmt: skip
    decl = (
        0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
        + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g)
    )  # fmt: skip
    true_solar_minutes = hour * 60 + eqtime + 4 * lon
    hour_angle = (true_solar_minutes / 4 - 180 + 540) % 360 - 180
    la, ha = math.radians(lat), math.radians(hour_angle)
    cos_zen = math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)
    return 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zen)))), hour_angle


@dataclass(frozen=True)
class Landmark:
    """One place an avatar can visit, with names in many languages and drawing hints."""

    id: str
    names: Mapping[str, tuple[str, ...]]
    city: Mapping[str, str]
    city_aliases: tuple[str, ...]
    country: str
    country_code: str
    continent: str
    lat: float
    lon: float
    timezone: str
    local_script: str
    description: str
    facts: Mapping[str, tuple[str, ...]]
    palette: Mapping[str, str]
    shapes: tuple[str, ...]
    article: str = ""  # the English article the name takes inside a sentence: "the" Eiffel Tower

    def __hash__(self) -> int:
        return hash(self.id)

    def name(self, lang: str) -> str:
        """Display name in `lang` (a code or Discord locale), falling back to English."""
        return (self.names.get(lang_code(lang)) or self.names["en"])[0]

    def city_name(self, lang: str) -> str:
        """City (or area) name in `lang`, falling back to English."""
        return self.city.get(lang_code(lang)) or self.city["en"]

    def in_sentence(self, lang: str) -> str:
        """The name as it reads inside a sentence: "the Eiffel Tower" but "Mount Fuji" in English."""
        name = self.name(lang)
        return f"{self.article} {name}" if lang == "en" and self.article else name

    def local_name(self) -> str:
        """The name as written locally (for the postcard's second line)."""
        return self.names[self.local_script][0]

    def local_time(self, now_utc: datetime) -> datetime:
        """`now_utc` (naive means UTC) as wall-clock time at the landmark."""
        if now_utc.tzinfo is None:
            now_utc = now_utc.replace(tzinfo=UTC)
        return now_utc.astimezone(ZoneInfo(self.timezone))

    def time_of_day(self, now_utc: datetime) -> TimeOfDay:
        """dawn/day/dusk/night from the sun's elevation at the landmark (civil twilight to 6 degrees up)."""
        if now_utc.tzinfo is None:
            now_utc = now_utc.replace(tzinfo=UTC)
        elevation, hour_angle = solar_elevation(self.lat, self.lon, now_utc)
        if elevation >= 6:
            return "day"
        if elevation < -6:
            return "night"
        return "dawn" if hour_angle < 0 else "dusk"


def lang_code(locale: str) -> str:
    """Discord/Telegram locale ("zh-CN", "es-ES", "pt_BR") to one of the catalogue languages (else en)."""
    code = str(locale or "en").replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else "en"
