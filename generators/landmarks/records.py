"""Landmark records: read landmarks.toml and check every field, naming the record and field at fault."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generators.landmarks.landmark import Landmark
from generators.landmarks.places import CONTINENTS, LANGS

DATA_FILE = Path(__file__).with_name("landmarks.toml")
PALETTE_KEYS = ("sky_day", "sky_dusk", "landmark", "landmark_shadow", "ground", "accent")
SHAPE_EXTRAS = frozenset(
    "river sea palms trees hills snow_peaks desert_dunes city_skyline clouds_low waterfall_mist "
    "canal_houses cherry_blossoms".split()
)
ARTICLES = ("", "the")
FACT_LANGS = ("en", "zh")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID = re.compile(r"^[a-z0-9_]+$")
_REQUIRED = (
    "id article country country_code continent lat lon timezone local_script city_aliases description "
    "shapes names city facts palette"
).split()
_OPTIONAL = ("city_match",)


class LandmarkDataError(ValueError):
    """A malformed landmark record; the message names the file, the record and the field."""


@dataclass(frozen=True)
class LandmarkRecord:
    """A validated landmark plus how the catalogue indexes it."""

    landmark: Landmark
    city_match: bool  # False: the city's name must not pick this landmark (Beijing is the Forbidden City)


class _Record:
    """One raw [[landmark]] table with typed getters that raise LandmarkDataError naming the field."""

    def __init__(self, raw: Mapping[str, object], where: str) -> None:
        self.raw = raw
        self.where = where

    def fail(self, field: str, problem: str) -> LandmarkDataError:
        return LandmarkDataError(f"{self.where}, field {field!r}: {problem}")

    def string(self, field: str, *, empty_ok: bool = False) -> str:
        value = self.raw.get(field)
        if not isinstance(value, str) or (not empty_ok and not value.strip()):
            raise self.fail(field, f"expected a non-empty string, got {value!r}")
        return value

    def number(self, field: str, low: float, high: float) -> float:
        value = self.raw.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise self.fail(field, f"expected a number in [{low}, {high}], got {value!r}")
        return float(value)

    def texts(self, field: str, value: object = None, *, min_len: int = 0) -> tuple[str, ...]:
        value = self.raw.get(field) if value is None else value
        ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        if not ok or len(value) < min_len:  # type: ignore[arg-type]
            raise self.fail(field, f"expected a list of at least {min_len} non-empty strings, got {value!r}")
        return tuple(value)  # type: ignore[arg-type]

    def table(self, field: str) -> Mapping[str, object]:
        value = self.raw.get(field)
        if not isinstance(value, dict):
            raise self.fail(field, f"expected a table, got {value!r}")
        return value


def _landmark(rec: _Record) -> LandmarkRecord:
    unknown = set(rec.raw) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise rec.fail(sorted(unknown)[0], "unknown field")
    for field in _REQUIRED:
        if field not in rec.raw:
            raise rec.fail(field, "missing")
    landmark_id = rec.string("id")
    if not _ID.match(landmark_id):
        raise rec.fail("id", f"expected lower_snake_case, got {landmark_id!r}")
    article = rec.string("article", empty_ok=True)
    if article not in ARTICLES:
        raise rec.fail("article", f"expected one of {ARTICLES}, got {article!r}")
    # Catalogue languages first, in LANGS order, then extra aliases in file order: the matcher's
    # tie-breaks follow this order.
    raw_names = rec.table("names")
    missing = [lang for lang in LANGS if lang not in raw_names]
    if missing:
        raise rec.fail("names", f"missing languages {missing}")
    names = {lang: rec.texts(f"names.{lang}", raw_names[lang], min_len=1) for lang in LANGS}
    names |= {k: rec.texts(f"names.{k}", v, min_len=1) for k, v in raw_names.items() if k not in LANGS}
    raw_city = rec.table("city")
    if set(raw_city) != set(LANGS) or not all(isinstance(v, str) and v.strip() for v in raw_city.values()):
        raise rec.fail("city", f"expected one non-empty name for each of {LANGS}")
    city = {lang: str(raw_city[lang]) for lang in LANGS}
    continent = rec.string("continent")
    if continent not in CONTINENTS:
        raise rec.fail("continent", f"expected one of {sorted(CONTINENTS)}, got {continent!r}")
    timezone = rec.string("timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise rec.fail("timezone", f"unknown time zone {timezone!r}") from exc
    local_script = rec.string("local_script")
    if local_script not in names:
        raise rec.fail("local_script", f"{local_script!r} is not a key of names")
    raw_facts = rec.table("facts")
    if set(raw_facts) != set(FACT_LANGS):
        raise rec.fail("facts", f"expected exactly {FACT_LANGS}, got {sorted(raw_facts)}")
    facts = {lang: rec.texts(f"facts.{lang}", raw_facts[lang], min_len=1) for lang in FACT_LANGS}
    raw_palette = rec.table("palette")
    if list(raw_palette) != list(PALETTE_KEYS):
        raise rec.fail("palette", f"expected the keys {PALETTE_KEYS} in that order, got {list(raw_palette)}")
    for key, colour in raw_palette.items():
        if not isinstance(colour, str) or not _HEX.match(colour):
            raise rec.fail(f"palette.{key}", f"expected a #rrggbb colour, got {colour!r}")
    shapes = rec.texts("shapes", min_len=1)
    if not set(shapes[1:]) <= SHAPE_EXTRAS:
        raise rec.fail("shapes", f"unknown extras {sorted(set(shapes[1:]) - SHAPE_EXTRAS)}")
    city_match = rec.raw.get("city_match", True)
    if not isinstance(city_match, bool):
        raise rec.fail("city_match", f"expected true or false, got {city_match!r}")
    landmark = Landmark(
        id=landmark_id,
        names=MappingProxyType(names),
        city=MappingProxyType(city),
        city_aliases=rec.texts("city_aliases"),
        country=rec.string("country"),
        country_code=rec.string("country_code"),
        continent=continent,
        lat=rec.number("lat", -90, 90),
        lon=rec.number("lon", -180, 180),
        timezone=timezone,
        local_script=local_script,
        description=rec.string("description"),
        facts=MappingProxyType(facts),
        palette=MappingProxyType({k: str(v) for k, v in raw_palette.items()}),
        shapes=shapes,
        article=article,
    )
    return LandmarkRecord(landmark, city_match)


def load_records(path: Path = DATA_FILE) -> list[LandmarkRecord]:
    """Every landmark in the file, in file order; LandmarkDataError names the first bad record and field."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise LandmarkDataError(f"{path.name}: not valid TOML: {exc}") from exc
    tables = data.get("landmark")
    if not isinstance(tables, list) or not tables:
        raise LandmarkDataError(f"{path.name}: no [[landmark]] records")
    records: list[LandmarkRecord] = []
    seen: set[str] = set()
    for n, raw in enumerate(tables, 1):
        where = f"{path.name}: landmark #{n} ({raw.get('id', '?')!s})"
        rec = _landmark(_Record(raw, where))
        if rec.landmark.id in seen:
            raise LandmarkDataError(f"{where}, field 'id': duplicate id {rec.landmark.id!r}")
        seen.add(rec.landmark.id)
        records.append(rec)
    return records
