"""Hand-made generic places (shapes == ("generic", KIND)) as the gazetteer would hand them over."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from generators.landmarks import Landmark

PALETTES = {
    "old_town": ("#7fb8e8", "#f0a070", "#d8c0a0", "#9a8068", "#8a8a78", "#b04030"),
    "harbour": ("#78b4e0", "#f0a080", "#e0d8c8", "#8a8478", "#8a8c88", "#a03a30"),
    "desert_city": ("#8cc4ec", "#f0a060", "#e0c090", "#a07850", "#d0b080", "#2a8a8a"),
    "mountain_village": ("#6aa8e0", "#f0a888", "#c8a070", "#806048", "#6a9a58", "#803028"),
    "tropical_island": ("#60b8f0", "#f09870", "#d8b888", "#8a6a48", "#e0cc98", "#20a0a0"),
    "megacity": ("#88b0d8", "#e89878", "#a8b0b8", "#687078", "#8a8a90", "#c04040"),
}

# (geonameid, English name, local name, local language, country, code, continent, lat, lon, tz, kind)
CITIES: tuple[tuple, ...] = (
    (1857910, "Kyoto", "京都", "ja", "Japan", "JP", "asia", 35.02, 135.75, "Asia/Tokyo", "old_town"),
    (2800931, "Bruges", "Brugge", "fr", "Belgium", "BE", "europe", 51.21, 3.22, "Europe/Brussels", "old_town"),
    (588409, "Tallinn", "Tallinn", "en", "Estonia", "EE", "europe", 59.44, 24.75, "Europe/Tallinn", "old_town"),
    (3941584, "Cusco", "Cusco", "es", "Peru", "PE", "south_america", -13.53, -71.97, "America/Lima", "old_town"),
    (2510409, "Toledo", "Toledo", "es", "Spain", "ES", "europe", 39.86, -4.02, "Europe/Madrid", "old_town"),
    (6325494, "Quebec City", "Québec", "fr", "Canada", "CA", "north_america", 46.81, -71.21,
     "America/Toronto", "old_town"),
    (702550, "Lviv", "Львов", "ru", "Ukraine", "UA", "europe", 49.84, 24.03, "Europe/Kyiv", "old_town"),
    (3161732, "Bergen", "Bergen", "en", "Norway", "NO", "europe", 60.39, 5.32, "Europe/Oslo", "harbour"),
    (3868626, "Valparaíso", "Valparaíso", "es", "Chile", "CL", "south_america", -33.05, -71.62,
     "America/Santiago", "harbour"),
    (2163355, "Hobart", "Hobart", "en", "Australia", "AU", "oceania", -42.88, 147.33, "Australia/Hobart",
     "harbour"),
    (6324729, "Halifax", "Halifax", "en", "Canada", "CA", "north_america", 44.65, -63.58, "America/Halifax",
     "harbour"),
    (1838524, "Busan", "부산", "ko", "South Korea", "KR", "asia", 35.10, 129.04, "Asia/Seoul", "harbour"),
    (2995469, "Marseille", "Marseille", "fr", "France", "FR", "europe", 43.30, 5.37, "Europe/Paris", "harbour"),
    (3413829, "Reykjavik", "Reykjavík", "en", "Iceland", "IS", "europe", 64.14, -21.90, "Atlantic/Reykjavik",
     "harbour"),
    (2542997, "Marrakesh", "مراكش", "ar", "Morocco", "MA", "africa", 31.63, -7.99, "Africa/Casablanca",
     "desert_city"),
    (111822, "Yazd", "Yazd", "en", "Iran", "IR", "asia", 31.90, 54.37, "Asia/Tehran", "desert_city"),
    (2449067, "Timbuktu", "Tombouctou", "fr", "Mali", "ML", "africa", 16.77, -3.01, "Africa/Bamako",
     "desert_city"),
    (287286, "Muscat", "مسقط", "ar", "Oman", "OM", "asia", 23.61, 58.59, "Asia/Muscat", "desert_city"),
    (2077895, "Alice Springs", "Alice Springs", "en", "Australia", "AU", "oceania", -23.70, 133.88,
     "Australia/Darwin", "desert_city"),
    (5318313, "Tucson", "Tucson", "en", "United States", "US", "north_america", 32.22, -110.93,
     "America/Phoenix", "desert_city"),
    (1513157, "Khiva", "Хива", "ru", "Uzbekistan", "UZ", "asia", 41.38, 60.36, "Asia/Tashkent", "desert_city"),
    (2657928, "Zermatt", "Zermatt", "de", "Switzerland", "CH", "europe", 46.02, 7.75, "Europe/Zurich",
     "mountain_village"),
    (2776185, "Hallstatt", "Hallstatt", "de", "Austria", "AT", "europe", 47.56, 13.65, "Europe/Vienna",
     "mountain_village"),
    (5892532, "Banff", "Banff", "en", "Canada", "CA", "north_america", 51.18, -115.57, "America/Edmonton",
     "mountain_village"),
    (2179670, "Queenstown", "Queenstown", "en", "New Zealand", "NZ", "oceania", -45.03, 168.66,
     "Pacific/Auckland", "mountain_village"),
    (1264976, "Leh", "Leh", "en", "India", "IN", "asia", 34.16, 77.58, "Asia/Kolkata", "mountain_village"),
    (7647007, "Bariloche", "Bariloche", "es", "Argentina", "AR", "south_america", -41.13, -71.31,
     "America/Argentina/Salta", "mountain_village"),
    (1862600, "Shirakawa-go", "白川郷", "ja", "Japan", "JP", "asia", 36.26, 136.90, "Asia/Tokyo",
     "mountain_village"),
    (4033936, "Bora Bora", "Bora-Bora", "fr", "French Polynesia", "PF", "oceania", -16.50, -151.74,
     "Pacific/Tahiti", "tropical_island"),
    (1282027, "Malé", "Malé", "en", "Maldives", "MV", "asia", 4.18, 73.51, "Indian/Maldives",
     "tropical_island"),
    (148730, "Zanzibar", "Zanzibar", "en", "Tanzania", "TZ", "africa", -6.16, 39.20, "Africa/Dar_es_Salaam",
     "tropical_island"),
    (1723510, "Boracay", "Boracay", "en", "Philippines", "PH", "asia", 11.97, 121.92, "Asia/Manila",
     "tropical_island"),
    (3608248, "Roatán", "Roatán", "es", "Honduras", "HN", "north_america", 16.32, -86.54,
     "America/Tegucigalpa", "tropical_island"),
    (1733046, "Langkawi", "Langkawi", "en", "Malaysia", "MY", "asia", 6.35, 99.80, "Asia/Kuala_Lumpur",
     "tropical_island"),
    (1814906, "Chongqing", "重庆", "zh", "China", "CN", "asia", 29.56, 106.55, "Asia/Shanghai", "megacity"),
    (3448439, "São Paulo", "São Paulo", "en", "Brazil", "BR", "south_america", -23.55, -46.63,
     "America/Sao_Paulo", "megacity"),
    (2332459, "Lagos", "Lagos", "en", "Nigeria", "NG", "africa", 6.45, 3.39, "Africa/Lagos", "megacity"),
    (1275339, "Mumbai", "Mumbai", "en", "India", "IN", "asia", 19.07, 72.88, "Asia/Kolkata", "megacity"),
    (3530597, "Mexico City", "Ciudad de México", "es", "Mexico", "MX", "north_america", 19.43, -99.13,
     "America/Mexico_City", "megacity"),
    (4887398, "Chicago", "Chicago", "en", "United States", "US", "north_america", 41.88, -87.63,
     "America/Chicago", "megacity"),
)  # fmt: skip


def _nudge(hex_colour: str, key: str, amount: int = 18) -> str:
    """A palette colour varied a little per place (the gazetteer derives its own)."""
    h = zlib.crc32(key.encode())
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    rgb = [max(0, min(255, c + ((h >> (8 * k)) % (2 * amount + 1)) - amount)) for k, c in enumerate(rgb)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def generic_place(
    kind: str = "old_town",
    *,
    geonameid: int = 1,
    name: str = "Testville",
    local: str | None = None,
    local_lang: str = "en",
    country: str = "Testland",
    code: str = "TL",
    continent: str = "europe",
    lat: float = 45.0,
    lon: float = 7.0,
    tz: str = "Europe/Rome",
) -> Landmark:
    """A generic place record shaped like the gazetteer's (id geo:<geonameid>, real names, palette)."""
    sky, dusk, main, shade, ground, accent = PALETTES.get(kind, PALETTES["old_town"])
    key = f"geo:{geonameid}"
    names = {"en": (name,)}
    if local and local_lang != "en":
        names[local_lang] = (local,)
    return Landmark(
        id=key,
        names=names,
        city={"en": name},
        city_aliases=(),
        country=country,
        country_code=code,
        continent=continent,
        lat=lat,
        lon=lon,
        timezone=tz,
        local_script=local_lang if local_lang in names else "en",
        description=f"the streets of {name}, {country}",
        facts={},
        palette={
            "sky_day": sky,
            "sky_dusk": dusk,
            "landmark": _nudge(main, key),
            "landmark_shadow": shade,
            "ground": _nudge(ground, key + "g"),
            "accent": _nudge(accent, key + "a", 30),
        },
        shapes=("generic", kind),
    )


def city(row: tuple) -> Landmark:
    """One CITIES row as a generic place."""
    gid, name, local, lang, country, code, cont, lat, lon, tz, kind = row
    return generic_place(
        kind, geonameid=gid, name=name, local=local, local_lang=lang, country=country, code=code,
        continent=cont, lat=lat, lon=lon, tz=tz,
    )  # fmt: skip


def at_local(place: Landmark, month: int, hour: int, minute: int = 0) -> datetime:
    """The UTC instant when it is `hour`:`minute` on the 15th of `month` 2026 at the place."""
    local = datetime(2026, month, 15, hour, minute, tzinfo=ZoneInfo(place.timezone))
    return local.astimezone(UTC)
