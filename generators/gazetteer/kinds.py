"""What a gazetteer place looks like: its generic scene kind, palette, description and facts."""

from __future__ import annotations

from dataclasses import dataclass

from generators.landmarks.records import PALETTE_KEYS

KINDS = ("old_town", "harbour", "desert_city", "mountain_village", "tropical_island", "megacity")
MEGACITY_POP = 5_000_000
TROPIC = 23.44

_DESERT_COUNTRIES = frozenset("EG SA AE QA KW BH OM YE LY MR NE SD EH JO IQ TM NA DJ".split())
_DESERT_BELOW_LAT = {"DZ": 34.0, "MA": 31.8, "TN": 34.0, "IR": 35.0, "PK": 30.0, "IL": 31.3, "SY": 35.5}
_DESERT_ABOVE_LAT = {"TD": 13.5, "ML": 14.5, "SO": 5.0}
_DESERT_REGIONS = {("US", "AZ"), ("US", "NV"), ("US", "NM"), ("IN", "24"), ("MX", "26"), ("MX", "06")}
_MOUNTAIN_COUNTRIES = frozenset("CH AT LI AD NP BT LS KG TJ".split())
_MOUNTAIN_REGIONS = {("US", "CO"), ("US", "MT"), ("US", "WY"), ("CN", "14"), ("IT", "17"), ("IT", "23")}
_ISLAND_REGIONS = {
    ("US", "HI"),
    ("ID", "02"),
    ("TH", "62"),
    ("MX", "23"),
}  # Hawaii, Bali, Phuket, Quintana Roo
_ISLAND_STATES = frozenset(
    "MV FJ WS TO VU SB KI MH FM PW NR TV SC MU KM CV ST BS BB JM TT LC VC GD AG KN DM "
    "CU DO HT PR VI VG KY TC AW CW SX BQ GP MQ PF NC CK NU WF GU MP AS".split()
)


@dataclass(frozen=True)
class PlaceFacts:
    """What the kind chooser needs to know about one place."""

    country_code: str
    admin1: str
    lat: float
    lon: float
    population: int
    coastal: bool


def _desert(p: PlaceFacts) -> bool:
    cc = p.country_code
    if cc in _DESERT_COUNTRIES or (cc, p.admin1) in _DESERT_REGIONS:
        return True
    if cc in _DESERT_BELOW_LAT and p.lat < _DESERT_BELOW_LAT[cc]:
        return True
    if cc in _DESERT_ABOVE_LAT and p.lat > _DESERT_ABOVE_LAT[cc]:
        return True
    if cc == "AU" and not p.coastal and -32 < p.lat < -18:
        return True
    return cc == "CL" and -27.5 < p.lat < -17.5


def _mountain(p: PlaceFacts) -> bool:
    if p.population >= 60_000:
        return False
    cc = p.country_code
    if cc in _MOUNTAIN_COUNTRIES or (cc, p.admin1) in _MOUNTAIN_REGIONS:
        return True
    if abs(p.lat) > 60 or (cc in ("NO", "IS") and p.population < 20_000):
        return True
    return cc in ("BO", "PE") and not p.coastal and p.lon > -77.5


def scene_kind(p: PlaceFacts) -> str:
    """One of KINDS, from population, coast, latitude and region (there is no elevation in the data)."""
    if p.population >= MEGACITY_POP:
        return "megacity"
    if _desert(p):
        return "desert_city"
    tropical = abs(p.lat) < TROPIC
    island = p.country_code in _ISLAND_STATES or (p.country_code, p.admin1) in _ISLAND_REGIONS
    if p.coastal and tropical and (p.population < 250_000 or island):
        return "tropical_island"
    if p.coastal:
        return "harbour"
    if _mountain(p):
        return "mountain_village"
    return "old_town"


# sky_day, sky_dusk, landmark, landmark_shadow, ground, accent (the catalogue's palette keys)
_PALETTES: dict[str, tuple[str, ...]] = {
    "old_town": ("#87bde8", "#f2a65a", "#e6cba8", "#a5794f", "#7fa46a", "#b5442e"),
    "harbour": ("#7fb7e0", "#f4a261", "#ece3d3", "#8d99ae", "#4f7f9c", "#c0392b"),
    "desert_city": ("#8ec5e8", "#f29e4c", "#d9b382", "#a87c50", "#e3c28f", "#2e7d8c"),
    "mountain_village": ("#9cc9f0", "#f6b26b", "#f1e4cf", "#7e5a3c", "#5e8c4f", "#8e3b2f"),
    "tropical_island": ("#4fb3e8", "#ff8a5b", "#f2e3c6", "#c9a27e", "#e8d5a3", "#2bb3a3"),
    "megacity": ("#8fb8de", "#f7a072", "#b8c4d0", "#5c6b7a", "#7a8a7a", "#f2c14e"),
}
_COLD = ("#a9c6de", "#e8a0bf", "#d8d3cb", "#6c7a89", "#e9eef2", "#b03a2e")


def palette(kind: str, lat: float) -> dict[str, str]:
    """Colours for the scene: by kind, and snowy-pale for places far from the equator."""
    colours = _COLD if abs(lat) > 58 and kind != "megacity" else _PALETTES[kind]
    return dict(zip(PALETTE_KEYS, colours, strict=True))


_DESCRIPTION = {
    "old_town": "the streets of {place}",
    "harbour": "the harbour of {place}",
    "desert_city": "the sunlit streets of {place}",
    "mountain_village": "the mountain village of {place}",
    "tropical_island": "the palm-lined shore of {place}",
    "megacity": "the skyline of {place}",
}


def description(kind: str, name: str, country: str) -> str:
    """A short English scene description, e.g. 'the streets of Kyoto, Japan'."""
    return _DESCRIPTION[kind].format(place=f"{name}, {country}" if country else name)


def _people_en(pop: int) -> str:
    if pop >= 1_000_000:
        return f"about {pop / 1_000_000:.1f} million people".replace(".0 ", " ")
    if pop >= 10_000:
        return f"about {round(pop, -3):,} people"
    return f"about {round(pop, -2) or pop:,} people"


def _people_zh(pop: int) -> str:
    if pop >= 100_000_000:
        return f"约{pop / 100_000_000:.1f}亿人".replace(".0亿", "亿")
    if pop >= 10_000:
        return f"约{round(pop / 10_000)}万人"
    return f"约{round(pop, -2) or pop}人"


def facts(
    name_en: str, name_zh: str, country_en: str, country_zh: str, pop: int
) -> dict[str, tuple[str, ...]]:
    """One plain line per language: where the place is and, when known, how many live there."""
    size = "city" if pop >= 100_000 else "town"
    size_zh = "城市" if pop >= 100_000 else "小镇"
    if pop > 0:
        en = f"{name_en} is a {size} in {country_en} with {_people_en(pop)}."
        zh = f"{name_zh}是{country_zh}的一座{size_zh}，人口{_people_zh(pop)}。"
    else:
        en = f"{name_en} is a small place in {country_en}."
        zh = f"{name_zh}是{country_zh}的一个小地方。"
    return {"en": (en,), "zh": (zh,)}
