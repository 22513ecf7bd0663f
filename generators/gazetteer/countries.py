"""Countries and US states for the gazetteer: localised names (babel), continents, qualifiers in queries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from generators.landmarks.matcher import compact, normalise
from generators.landmarks.places import COUNTRIES, LANGS

_CONTINENT = {
    "AF": "africa",
    "AS": "asia",
    "EU": "europe",
    "NA": "north_america",
    "SA": "south_america",
    "OC": "oceania",
    "AN": "antarctica",
}
# Shorter English names than CLDR's ("Hong Kong SAR China") and common older ones.
_EN_SHORT = {
    "HK": "Hong Kong",
    "MO": "Macao",
    "PS": "Palestine",
    "MM": "Myanmar",
    "CZ": "Czechia",
    "CD": "DR Congo",
    "CG": "Republic of the Congo",
}
_EXTRA_NAMES = {
    "CZ": ("Czech Republic",),
    "MM": ("Burma",),
    "CI": ("Ivory Coast",),
    "US": ("USA", "US", "U.S.A.", "United States of America"),
    "GB": ("UK", "Great Britain", "Scotland", "Wales", "Northern Ireland", "苏格兰", "英格兰"),
    "KR": ("Korea",),
    "CD": ("DR Congo", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville",),
    "TR": ("Turkey", "Türkiye"),
    "NL": ("Holland",),
    "VN": ("Viet Nam",),
}
_MATCH_LOCALES = (*LANGS, "zh_Hant", "pt", "it", "nl")


@dataclass(frozen=True)
class Country:
    """One country: code, continent, capital (GeoNames) and names per catalogue language."""

    code: str
    continent: str
    capital: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        """The country's name in `lang`, else English."""
        return self.names.get(lang) or self.names["en"]


class Countries:
    """Every country GeoNames knows, plus the US states, with lookups by name in many languages."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir

    @cached_property
    def by_code(self) -> dict[str, Country]:
        """ISO code -> Country."""
        from babel import Locale

        raw = json.loads((self._data_dir / "countries.json").read_text(encoding="utf-8"))
        locales = {lang: Locale.parse(lang).territories for lang in LANGS}
        out: dict[str, Country] = {}
        for code, rec in raw.items():
            names = {lang: terr[code] for lang, terr in locales.items() if code in terr}
            names["en"] = _EN_SHORT.get(code) or names.get("en") or str(rec.get("name") or code)
            for lang, ns in COUNTRIES.get(code, {}).items():
                names[lang] = ns[0]  # the catalogue's own (shorter) names win: "United States", "英国"
            out[code] = Country(
                code, _CONTINENT.get(str(rec.get("continentcode")), ""), rec["capital"], names
            )
        return out

    @cached_property
    def us_states(self) -> dict[str, str]:
        """US state code ('IL') -> name ('Illinois')."""
        raw = json.loads((self._data_dir / "us_states.json").read_text(encoding="utf-8"))
        return {code: rec["name"] for code, rec in raw.items()}

    @cached_property
    def by_name(self) -> dict[str, str]:
        """Compacted, folded country name in any of several languages -> ISO code."""
        from babel import Locale

        out: dict[str, str] = {}

        def add(name: str, code: str) -> None:
            key = compact(normalise(name))
            if len(key) >= 2:
                out.setdefault(key, code)

        for code, country in self.by_code.items():
            for name in country.names.values():
                add(name, code)
        for code, langs in COUNTRIES.items():
            for ns in langs.values():
                for n in ns:
                    add(n, code)
        for code, extra in _EXTRA_NAMES.items():
            for n in extra:
                add(n, code)
        for loc in _MATCH_LOCALES:
            terr = Locale.parse(loc).territories
            for code in self.by_code:
                if code in terr:
                    add(terr[code], code)
        return out

    @cached_property
    def state_by_name(self) -> dict[str, str]:
        """Compacted US state name -> code ('illinois' -> 'IL')."""
        return {compact(normalise(name)): code for code, name in self.us_states.items()}

    def get(self, code: str) -> Country | None:
        """The country with this ISO code."""
        return self.by_code.get(code)

    def continent(self, code: str) -> str:
        """The catalogue's continent key for a country code ('' if unknown)."""
        c = self.by_code.get(code)
        return c.continent if c else ""

    def name(self, code: str, lang: str) -> str:
        """The country's name in `lang` (English fallback, the code itself if unknown)."""
        c = self.by_code.get(code)
        return c.name(lang) if c else code
