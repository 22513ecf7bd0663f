"""Text-to-image prompt words for a generic place: where it is, what it looks like, its season and hour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from generators.images.sky import season_for

SCENERY = {
    "old_town": "historic old town, cobbled streets, gabled houses, church clock tower",
    "harbour": "harbour town, stone quay, moored fishing boats, lighthouse",
    "desert_city": "desert city, flat-roofed sand-coloured houses, domes and minarets, palm trees",
    "mountain_village": "mountain village, wooden chalets, pine forest, snowy peaks",
    "tropical_island": "tropical island, white sand beach, turquoise sea, palm trees, thatched huts",
    "megacity": "megacity skyline, glass skyscrapers, dense towers",
}
SEASONS = {
    "spring": "in spring, fresh green leaves and blossom",
    "summer": "in summer, lush and sunny",
    "autumn": "in autumn, golden and red leaves",
    "winter": "in winter, bare trees, crisp cold air",
}
SNOWY_WINTER = "in winter, snow on the roofs and ground"
TROPICAL = "warm tropical climate, evergreen palms and lush plants"
TIMES = {
    "dawn": "at dawn, soft pink sunrise light, long shadows",
    "day": "in bright daylight",
    "dusk": "at dusk, golden hour, warm sunset glow",
    "night": "at night, deep blue night sky with stars, warm lit windows",
}


def _hour_words(hour: int) -> str:
    """The local hour as words a picture model understands."""
    if 5 <= hour < 9:
        return "early morning"
    if 9 <= hour < 12:
        return "morning"
    if 12 <= hour < 14:
        return "midday"
    if 14 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 22:
        return "evening"
    return "late at night"


def _continent(landmark: Any) -> str:
    """The continent's English name (the catalogue's key, readable)."""
    key = str(getattr(landmark, "continent", "") or "")
    try:
        from generators.landmarks.places import CONTINENTS
    except ImportError:  # pragma: no cover - the catalogue ships with the package
        CONTINENTS = {}
    names = CONTINENTS.get(key, {}).get("en")
    return names[0] if names else key.replace("_", " ").title()


def season_words(landmark: Any, kind: str, local: datetime) -> str:
    """The season there (southern hemisphere flipped), with snow where winter brings it."""
    lat = float(getattr(landmark, "lat", 0.0) or 0.0)
    if abs(lat) < 23.5:
        return TROPICAL
    season = season_for(local, lat)
    if season == "winter" and (abs(lat) >= 42 or kind == "mountain_village"):
        return SNOWY_WINTER
    return SEASONS[season]


def generic_prompt_parts(
    landmark: Any, kind: str, *, time_of_day: str, country: str, now_utc: datetime | None
) -> list[str]:
    """Prompt phrases: the place and where it lies, the KIND as scenery, its season and local time."""
    name = landmark.name("en")
    where = [getattr(landmark, "region", "") or "", country, _continent(landmark)]
    place = ", ".join(dict.fromkeys(p for p in [name, *where] if p))
    # Time and season before the longer scenery list: a CLIP encoder reads only the first 77 tokens.
    parts = [f"a view of {place}", TIMES.get(time_of_day, TIMES["day"])]
    if now_utc is not None:
        local = landmark.local_time(now_utc)
        parts += [f"{_hour_words(local.hour)} local time", season_words(landmark, kind, local)]
    return [*parts, SCENERY.get(kind, SCENERY["old_town"])]
