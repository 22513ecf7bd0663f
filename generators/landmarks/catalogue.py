"""The landmark catalogue: the records from landmarks.toml indexed for filters, matching and autocomplete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from generators.landmarks.landmark import Landmark, TimeOfDay, lang_code, solar_elevation
from generators.landmarks.matcher import ACCEPT, MAX_QUERY_CHARS, AliasIndex, Hit, compact, normalise
from generators.landmarks.places import CONTINENTS, COUNTRIES
from generators.landmarks.records import load_records
from generators.lang import has_cjk

__all__ = ["Catalogue", "Landmark", "PlaceMatch", "TimeOfDay", "lang_code", "solar_elevation"]

NAME_WEIGHT, CITY_WEIGHT, COUNTRY_WEIGHT = 1.0, 0.97, 0.9


@dataclass(frozen=True)
class PlaceMatch:
    """The result of matching free text to a landmark; `landmark` is None when nothing fits well."""

    landmark: Landmark | None
    score: float
    matched: str
    suggestions: tuple[Landmark, ...]
    fuzzy: bool = False  # the landmark was found by typo tolerance, not by one of its names


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
        """The signature landmark with this id, or None (PlaceResolver.get also knows 'geo:' ids)."""
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
            return PlaceMatch(self._by_id[top.target], round(top.score, 3), top.matched, rest, fuzzy=True)
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
    records = load_records()
    return Catalogue([r.landmark for r in records], {r.landmark.id: r.city_match for r in records})
