"""The gazetteer: first build, warm load, the memory it adds, search latency and the match rate.

`python bench/gazetteer.py` uses the cached index (building it if missing); `--build` times a
build from scratch into a temporary directory (about a minute of one core, ~1.5 GB in the child).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import psutil
from common import ROOT, Row, emit, mean, percentile

from generators.gazetteer import Gazetteer, PlaceResolver
from generators.landmarks import Catalogue

CITIES = ROOT / "tests" / "data" / "gazetteer_cities.tsv"


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    return psutil.Process().memory_info().rss / 1e6


def city_list() -> list[tuple[str, str]]:
    """(query, expected country code) rows of the quality list."""
    rows = []
    for line in CITIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, code = line.split("\t")
            rows.append((query, code))
    return rows


def main() -> None:
    """Measure and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", action="store_true", help="also time a build from scratch")
    args = ap.parse_args()
    rows: list[Row] = []
    if args.build:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            Gazetteer(Path(tmp)).db()
            rows.append(Row("first build (child process)", time.perf_counter() - t, "s"))
            rows.append(Row("index file size", (next(Path(tmp).glob("*.sqlite")).stat().st_size) / 1e6, "MB"))
    catalogue = Catalogue.load()
    catalogue.match("paris")
    before = rss_mb()
    gz = Gazetteer.default()
    if not gz.path.is_file():
        gz.db()  # build first so the warm figures below are a warm load
        gz = Gazetteer(gz.directory)
    t = time.perf_counter()
    gz.db()
    _ = gz.countries.by_name
    rows.append(Row("warm load (open index + country names)", time.perf_counter() - t, "s"))
    t = time.perf_counter()
    _ = gz.fuzzy_names
    rows.append(Row("typo index load (first typo only)", time.perf_counter() - t, "s"))
    resolver = PlaceResolver(catalogue, gz)
    cities = city_list()
    times, ok = [], 0
    for query, code in cities:
        t = time.perf_counter()
        found = resolver.resolve(query)
        times.append((time.perf_counter() - t) * 1000)
        ok += found.landmark is not None and found.landmark.country_code == code
    rows.append(Row("resolve, median", percentile(times, 50), "ms", f"{len(cities)} queries of the list"))
    rows.append(Row("resolve, p95", percentile(times, 95), "ms"))
    rows.append(Row("resolve, mean", mean(times), "ms"))
    auto = []
    for prefix in ("k", "kyo", "spr", "san j", "京", "mos"):
        t = time.perf_counter()
        resolver.autocomplete(prefix, "en")
        auto.append((time.perf_counter() - t) * 1000)
    rows.append(Row("autocomplete, max of 6 prefixes", max(auto), "ms"))
    rows.append(Row("RSS added by the gazetteer", rss_mb() - before, "MB", "after loading and all queries"))
    rows.append(
        Row("match rate (right country)", 100.0 * ok / len(cities), "%", f"{ok}/{len(cities)}, goal 95 %")
    )
    emit("gazetteer", rows)


if __name__ == "__main__":
    main()
