"""The landmark catalogue: typed records, local time and light, filters, matching and autocomplete."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo

from generators.landmarks.data import RECORDS
from generators.landmarks.matcher import ACCEPT, MAX_QUERY_CHARS, AliasIndex, Hit, compact, normalise
from generators.landmarks.places import CONTINENTS, COUNTRIES, LANGS
from generators.lang import has_cjk

TimeOfDay = Literal["dawn", "day", "dusk", "night"]
PALETTE_KEYS = ("sky_day", "sky_dusk", "landmark", "landmark_shadow", "ground", "accent")
SHAPE_EXTRAS = frozenset(
    "river sea palms trees hills snow_peaks desert_dunes city_skyline clouds_low waterfall_mist "
    "canal_houses cherry_blossoms".split()
)
NAME_WEIGHT, CITY_WEIGHT, COUNTRY_WEIGHT = 1.0, 0.97, 0.9


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

    def __hash__(self) -> int:
        return hash(self.id)

    def name(self, lang: str) -> str:
        """Display name in `lang` (a code or Discord locale), falling back to English."""
        return (self.names.get(lang_code(lang)) or self.names["en"])[0]

    def city_name(self, lang: str) -> str:
        """City (or area) name in `lang`, falling back to English."""
        return self.city.get(lang_code(lang)) or self.city["en"]

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


@dataclass(frozen=True)
class PlaceMatch:
    """The result of matching free text to a landmark; `landmark` is None when nothing fits well."""

    landmark: Landmark | None
    score: float
    matched: str
    suggestions: tuple[Landmark, ...]


def lang_code(locale: str) -> str:
    """Discord/Telegram locale ("zh-CN", "es-ES", "pt_BR") to one of the catalogue languages (else en)."""
    code = str(locale or "en").replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else "en"


def _split(row: str) -> list[tuple[str, ...]]:
    cols = row.split("|")
    if len(cols) != len(LANGS):
        raise ValueError(f"expected {len(LANGS)} languages in {row!r}")
    return [tuple(c.strip() for c in col.split(";")) for col in cols]


def _build(rec: Mapping[str, Any]) -> Landmark:
    names = dict(zip(LANGS, _split(rec["names"]), strict=True))
    names.update({k: tuple(v) for k, v in rec.get("extra_names", {}).items()})
    city = {lang: col[0] for lang, col in zip(LANGS, _split(rec["city"]), strict=True)}
    return Landmark(
        id=rec["id"],
        names=MappingProxyType(names),
        city=MappingProxyType(city),
        city_aliases=tuple(rec.get("city_aliases", ())),
        country=rec["country"],
        country_code=rec["country_code"],
        continent=rec["continent"],
        lat=float(rec["lat"]),
        lon=float(rec["lon"]),
        timezone=rec["timezone"],
        local_script=rec["local_script"],
        description=rec["description"],
        facts=MappingProxyType({"en": tuple(rec["facts_en"]), "zh": tuple(rec["facts_zh"])}),
        palette=MappingProxyType(dict(zip(PALETTE_KEYS, rec["palette"].split(","), strict=True))),
        shapes=tuple(rec["shapes"]),
    )


class Catalogue:
    """All landmarks plus the indexes used to match, filter and autocomplete them."""

    def __init__(self, landmarks: list[Landmark], city_match: Mapping[str, bool] | None = None) -> None:
        self._items = list(landmarks)
        self._by_id = {lm.id: lm for lm in self._items}
        city_match = city_match or {}
        per_country: dict[str, list[str]] = {}
        for lm in self._items:
            per_country.setdefault(lm.country_code, []).append(lm.id)
        aliases: list[tuple[str, str, float, str]] = []
        for lm in self._items:
            aliases.append((lm.id.replace("_", " "), lm.id, NAME_WEIGHT, "en"))
            aliases += [(n, lm.id, NAME_WEIGHT, lang) for lang, ns in lm.names.items() for n in ns]
            if city_match.get(lm.id, True):
                aliases += [(c, lm.id, CITY_WEIGHT, lang) for lang, c in lm.city.items()]
                aliases += [(c, lm.id, CITY_WEIGHT, "en") for c in lm.city_aliases]
            if len(per_country[lm.country_code]) == 1:
                names = COUNTRIES.get(lm.country_code, {})
                aliases += [(n, lm.id, COUNTRY_WEIGHT, lang) for lang, ns in names.items() for n in ns]
        self.index = AliasIndex(aliases)
        # Region names (continents and countries, every language) -> landmark ids, for filter().
        self._regions: dict[str, list[str]] = {}
        self._region_sources: list[tuple[str, list[str]]] = []
        for cont, langs in CONTINENTS.items():
            ids = [lm.id for lm in self._items if lm.continent == cont]
            for ns in langs.values():
                for n in (*ns, cont.replace("_", " ")):
                    self._regions.setdefault(compact(normalise(n)), ids)
                    self._region_sources.append((n, ids))
        for code, langs in COUNTRIES.items():
            ids = per_country.get(code, [])
            for ns in langs.values():
                for n in ns:  # no bare ISO codes: "in" and "us" are words
                    self._regions.setdefault(compact(normalise(n)), ids)
                    self._region_sources.append((n, ids))
        self._region_names = sorted(
            {(normalise(n), tuple(ids)) for n, ids in self._region_sources}, key=lambda p: -len(p[0])
        )
        self._en_flat = [(compact(normalise(lm.name("en"))), lm) for lm in self._items]

    @classmethod
    def load(cls) -> Catalogue:
        """The built-in catalogue (built once, then cached)."""
        return _load()

    def get(self, landmark_id: str) -> Landmark | None:
        """The landmark with this id, or None."""
        return self._by_id.get(landmark_id)

    def all(self) -> list[Landmark]:
        """Every landmark in catalogue order."""
        return list(self._items)

    def _region(self, query: str) -> list[str] | None:
        norm = normalise(query[:MAX_QUERY_CHARS])
        flat = compact(norm)
        if flat in self._regions:
            return self._regions[flat]
        core = compact(self.index.core(norm))
        if core in self._regions:
            return self._regions[core]
        # "landmarks in europe", "欧洲的地标": the longest region name inside the query.
        padded, best = f" {norm} ", None
        for key, ids in self._region_names:
            if best and len(key) <= len(best[0]):
                continue
            if (key.replace(" ", "") in flat) if has_cjk(key) else (f" {key} " in padded):
                best = (key, ids)
        return best[1] if best else None

    def filter(self, query: str) -> list[Landmark]:
        """Landmarks in a continent or country named in any language ("europe", "欧洲", "日本")."""
        ids = self._region(query or "")
        return [self._by_id[i] for i in ids] if ids else []

    def match(self, text: str) -> PlaceMatch:
        """The landmark a user meant by free text, or None with the 3 closest suggestions."""
        try:
            return self._match(str(text or ""))
        except Exception:  # matching must never break a command; an unmatched place is a normal answer
            return PlaceMatch(None, 0.0, "", tuple(self._items[:3]))

    def _match(self, text: str) -> PlaceMatch:
        norm = normalise(text[:MAX_QUERY_CHARS])
        if not norm:
            return PlaceMatch(None, 0.0, "", tuple(self._items[:3]))
        exact = self.index.exact(norm)
        if exact:
            top = max(exact, key=lambda h: (len(compact(h.matched)), h.score))
            others = self._distinct([h.target for h in exact if h.target != top.target])
            return PlaceMatch(self._by_id[top.target], top.score, top.matched, others)
        core = compact(self.index.core(norm))
        region = self._regions.get(compact(norm)) or self._regions.get(core)
        if region:  # a country or continent with several places: ask, suggesting its landmarks
            return PlaceMatch(None, 0.5, "", tuple(self._by_id[i] for i in region[:3]))
        fuzzy = self.index.fuzzy(norm)
        if fuzzy and fuzzy[0].score >= ACCEPT:
            top = fuzzy[0]
            rest = self._distinct([h.target for h in fuzzy if h.target != top.target])
            return PlaceMatch(self._by_id[top.target], round(top.score, 3), top.matched, rest)
        return PlaceMatch(
            None, round(fuzzy[0].score, 3) if fuzzy else 0.0, "", self._suggest(fuzzy, compact(norm))
        )

    def _distinct(self, ids: list[str], n: int = 3) -> tuple[Landmark, ...]:
        seen: list[str] = []
        for i in ids:
            if i not in seen:
                seen.append(i)
        return tuple(self._by_id[i] for i in seen[:n])

    def _suggest(self, fuzzy: list[Hit], flat: str) -> tuple[Landmark, ...]:
        ids = [h.target for h in fuzzy]
        if len(set(ids)) < 3:
            probe = flat[:40]
            ranked = sorted(self._en_flat, key=lambda p: -SequenceMatcher(None, probe, p[0]).ratio())
            ids += [lm.id for _, lm in ranked]
        return self._distinct(ids)

    def autocomplete(self, prefix: str, lang: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label in the user's language, landmark id) choices for what the user has typed so far."""
        code = lang_code(lang)
        norm = normalise((prefix or "")[:MAX_QUERY_CHARS])
        flat = compact(norm)
        rank: dict[str, tuple[int, int, int]] = {}
        label_lang: dict[str, str] = {}
        if not flat:
            order = [lm.id for lm in self._items]
        else:
            for a in self.index.aliases:
                pos = a.flat.find(flat)
                if pos < 0:
                    continue
                # prefix before infix, names and cities before countries, then the closest length
                r = (0 if pos == 0 else 1, 0 if a.weight >= CITY_WEIGHT else 1, len(a.flat))
                if r < rank.get(a.target, (9, 0, 0)):
                    rank[a.target] = r
                    label_lang[a.target] = a.lang
            if not rank and len(flat) >= 3:  # a typo: offer what the matcher would pick or suggest
                m = self.match(prefix)
                for n, lm in enumerate(((m.landmark,) if m.landmark else ()) + m.suggestions):
                    rank.setdefault(lm.id, (5, 0, n))
            order = sorted(rank, key=lambda i: (rank[i], self._by_id[i].name(code)))
        # Typing in another script than the locale's ("巴" on an en-US client) labels in that script.
        foreign = _non_latin(flat) and not _same_script(flat, code)
        out = []
        for i in order[: max(0, limit)]:
            lm = self._by_id[i]
            lang = label_lang.get(i, code) if foreign and label_lang.get(i, code) in lm.names else code
            out.append((f"{lm.name(lang)} · {lm.city_name(lang)}", lm.id))
        return out


_SCRIPT_OF_LANG = {"zh": "cjk", "ja": "cjk", "ko": "cjk", "ru": "cyrillic", "ar": "arabic"}


def _script_of(text: str) -> str:
    for ch in text:
        o = ord(ch)
        if 0x0400 <= o <= 0x04FF:
            return "cyrillic"
        if 0x0600 <= o <= 0x06FF:
            return "arabic"
        if 0x0370 <= o <= 0x03FF:
            return "greek"
        if has_cjk(ch):
            return "cjk"
    return "latin"


def _non_latin(flat: str) -> bool:
    return _script_of(flat) != "latin"


def _same_script(flat: str, lang: str) -> bool:
    return _script_of(flat) == _SCRIPT_OF_LANG.get(lang, "latin")


@lru_cache(maxsize=1)
def _load() -> Catalogue:
    return Catalogue([_build(r) for r in RECORDS], {r["id"]: r.get("city_match", True) for r in RECORDS})
