"""Shared helpers for benchmark scripts: a result table, percentiles and peak RSS."""

from __future__ import annotations

import os
import resource
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MARK = "BENCH\t"


@dataclass(frozen=True)
class Row:
    """One measured figure and what it is compared against in the same run."""

    figure: str
    value: float | int | str
    unit: str
    compared_with: str = ""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def mean(values: list[float]) -> float:
    """Arithmetic mean; 0 for no values."""
    return statistics.fmean(values) if values else 0.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt(value: float | int | str) -> str:
    """Human formatting for a table cell."""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def emit(script: str, rows: list[Row]) -> None:
    """Print a table for a person, or machine-readable lines when run by bench/run_all.py."""
    if os.environ.get("BENCH_MACHINE") == "1":
        for r in rows:
            print(f"{MARK}{script}\t{r.figure}\t{fmt(r.value)}\t{r.unit}\t{r.compared_with}")
        sys.stdout.flush()
        return
    width = max([len(r.figure) for r in rows] + [6])
    print(f"\n{script}")
    print(f"{'figure':<{width}} | {'value':>12} | {'unit':<8} | compared with")
    print("-" * (width + 45))
    for r in rows:
        print(f"{r.figure:<{width}} | {fmt(r.value):>12} | {r.unit:<8} | {r.compared_with}")
    sys.stdout.flush()
