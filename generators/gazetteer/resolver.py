"""One place resolver for the bot: the signature landmarks first, then any town on Earth."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from generators.gazetteer.index import ID_PREFIX, Gazetteer, Place, geo_id
from generators.gazetteer.search import GeoMatch, PlaceSearch, km
from generators.landmarks import Catalogue, Landmark, lang_code
from generators.landmarks.matcher import MAX_QUERY_CHARS, compact, flat_key, normalise, strip_fillers
from generators.landmarks.places import COUNTRIES
from generators.lang import CJK_LANGUAGES, has_cjk, script_language

log = logging.getLogger(__name__)
FAR_KM = 60.0  # a town this far from a signature landmark is another place ("Paris, Texas")


@dataclass(frozen=True)
class Resolution:
    """A place for a query: one landmark, or choices to ask about (with labels), or suggestions."""

    landmark: Landmark | None
    choices: tuple[Landmark, ...] = ()
    labels: tuple[str, ...] = ()  # one per choice, e.g. "Springfield, Illinois, United States"
    suggestions: tuple[Landmark, ...] = ()


class PlaceResolver:
    """Signature landmarks (the catalogue's drawn scenes) first, then the gazetteer's towns and cities."""

    def __init__(self, catalogue: Catalogue, gazetteer: Gazetteer | None = None) -> None:
        self.catalogue = catalogue
        self.gazetteer = gazetteer
        self._search = PlaceSearch(gazetteer) if gazetteer is not None else None

    def get(self, landmark_id: str) -> Landmark | None:
        """A landmark by id: a catalogue id or 'geo:<geonameid>'."""
        found = self.catalogue.get(landmark_id) if not str(landmark_id).startswith(ID_PREFIX) else None
        if found is None and self.gazetteer is not None:
            try:
                return self.gazetteer.landmark(landmark_id)
            except Exception:  # an unreadable index: the journal shows the id instead
                log.exception("gazetteer lookup failed for %s", landmark_id)
        return found

    def resolve(self, text: str, lang: str = "en") -> Resolution:
        """What the user meant by `text` (blocking: the first call may open or build the index)."""
        raw = str(text or "").strip()
        if geo_id(raw) is not None:  # an autocomplete choice
            picked = self.get(raw)
            return Resolution(picked) if picked else Resolution(None)
        match = self.catalogue.match(text)
        core = compact(strip_fillers(normalise(str(text or "")[:MAX_QUERY_CHARS])))
        if match.landmark is not None and not match.fuzzy and compact(match.matched) == core:
            return Resolution(match.landmark)  # the query is exactly a landmark's name: no index needed
        if match.landmark is None and match.score == 0.5 and match.suggestions and not match.matched:
            return Resolution(None, suggestions=match.suggestions)  # a region with several landmarks
        geo = self._geo(text)
        found = geo.place is not None or bool(geo.choices)
        if match.landmark is not None and not match.fuzzy:
            if found and (geo.qualified or len(geo.whole) > len(compact(match.matched))):
                if geo.place is None or self._elsewhere(geo.place, match.landmark, geo.whole, match.matched):
                    return self._from_geo(geo, lang)
            return Resolution(match.landmark)
        if found and not geo.fuzzy:
            return self._from_geo(geo, lang)
        if match.landmark is not None:
            return Resolution(match.landmark)
        if found:
            return self._from_geo(geo, lang)
        return Resolution(None, suggestions=match.suggestions)

    def where(self, landmark: Landmark, lang: str) -> str:
        """Its city, or its country when the place is the city itself ("Kyoto" -> "Japan", "日本")."""
        city = landmark.city_name(lang)
        if city != landmark.name(lang):
            return city
        if self.gazetteer is not None:
            return self.gazetteer.countries.name(landmark.country_code, lang)
        names = COUNTRIES.get(landmark.country_code, {})
        return (names.get(lang) or names.get("en") or (landmark.country,))[0]

    def autocomplete(self, prefix: str, lang: str, limit: int = 25) -> list[tuple[str, str]]:
        """Signature landmarks first, then the most populous towns whose name starts with the prefix."""
        out = self.catalogue.autocomplete(prefix, lang, limit=limit)
        key = compact(normalise(str(prefix or "")[:MAX_QUERY_CHARS]))
        if self.gazetteer is None or not key or len(out) >= limit or not self.gazetteer.ready():
            return out  # never wait for the index while someone types
        try:
            # Short prefixes match tens of thousands of names: only big places then (and it stays fast).
            min_pop = 1000 if len(key) >= 3 else 50_000 if len(key) == 2 or has_cjk(key) else 500_000
            places = self.gazetteer.prefix(key, limit=limit - len(out), min_pop=min_pop)
        except Exception:
            log.exception("gazetteer autocomplete failed")
            return out
        label_lang = _typed_language(key, lang)
        return out + [(self.gazetteer.label(p, label_lang)[:100], p.landmark_id) for p in places]

    def _geo(self, text: str) -> GeoMatch:
        if self._search is None:
            return GeoMatch(None)
        try:
            return self._search.search(text)
        except Exception:  # the signature landmarks still work without the index
            log.exception("gazetteer search failed")
            return GeoMatch(None)

    def _from_geo(self, geo: GeoMatch, lang: str) -> Resolution:
        assert self.gazetteer is not None
        if geo.place is not None:
            return Resolution(self.gazetteer.to_landmark(geo.place))
        landmarks = tuple(self.gazetteer.to_landmark(p) for p in geo.choices)
        labels = _distinct_labels([self.gazetteer.label(p, lang) for p in geo.choices], geo.choices)
        return Resolution(None, landmarks, labels)

    def _elsewhere(self, place: Place, landmark: Landmark, whole: str, matched: str) -> bool:
        """True when the town the query names is not the landmark's ("Paris, Texas", "Atlantis, South Africa")."""
        if place.country_code != landmark.country_code:
            return True
        cities = {flat_key(c) for c in (*landmark.city.values(), *landmark.city_aliases)}
        if compact(matched) not in whole and whole not in cities:
            return True  # the landmark matched only the country ("South Africa" is Table Mountain)
        return km(place.lat, place.lon, landmark.lat, landmark.lon) > FAR_KM


def _typed_language(key: str, locale: str) -> str:
    """Label in the script the user typed: "京" on an English client gets Chinese labels."""
    lang = lang_code(locale)
    if not has_cjk(key) or lang in CJK_LANGUAGES:
        return lang
    typed = {script_language(ch) for ch in key}
    return "ja" if "ja" in typed else "ko" if "ko" in typed else "zh"  # kana mark Japanese among kanji


def _distinct_labels(labels: list[str], places: tuple[Place, ...]) -> tuple[str, ...]:
    """Labels that repeat (two Victorias in Mexico) get their population to tell them apart."""
    out = []
    for label, p in zip(labels, places, strict=True):
        out.append(f"{label} ({p.population:,})" if labels.count(label) > 1 else label)
    return tuple(out)
