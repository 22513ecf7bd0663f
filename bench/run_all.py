"""`make bench`: run every benchmark script and print one table.

Each script prints machine-readable rows when BENCH_MACHINE=1. `--smoke` runs each at its
smallest size (CI uses it to keep the scripts working; timings are never asserted).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "BENCH\t"

# script -> (args for a normal run, args for the smoke run)
SCRIPTS: dict[str, tuple[list[str], list[str]]] = {
    "core.py": ([], ["--smoke"]),
    "chat.py": ([], ["--quick"]),
    "dialogue.py": ([], ["--smoke"]),
    "adventure.py": ([], ["--smoke"]),
    "load.py": ([], ["--smoke"]),
    "killstore.py": ([], ["--rounds", "5"]),
    "voice.py": ([], ["--smoke"]),
    "scale.py": ([], ["--smoke"]),
}


def main() -> int:
    """Run the scripts and print the combined table; non-zero exit if any script failed."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="smallest sizes (CI)")
    ap.add_argument("--only", nargs="*", help="script names to run")
    args = ap.parse_args()
    rows: list[list[str]] = []
    failures: list[str] = []
    env = {**os.environ, "BENCH_MACHINE": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    for script, (normal, smoke) in SCRIPTS.items():
        if args.only and script not in args.only:
            continue
        path = HERE / script
        if not path.exists():
            continue
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(path), *(smoke if args.smoke else normal)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        took = time.perf_counter() - t0
        got = [line[len(MARK) :].split("\t") for line in proc.stdout.splitlines() if line.startswith(MARK)]
        rows.extend(got)
        status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
        print(f"{script:<14} {status:<18} {took:6.1f} s  {len(got)} figures", file=sys.stderr, flush=True)
        if proc.returncode != 0:
            failures.append(script)
            print(proc.stdout[-2000:], proc.stderr[-4000:], sep="\n", file=sys.stderr)
    widths = [
        max([len(r[i]) for r in rows] + [len(h)]) for i, h in enumerate(("script", "figure", "value", "unit"))
    ]
    print(
        f"{'script':<{widths[0]}} | {'figure':<{widths[1]}} | {'value':>{widths[2]}} | {'unit':<{widths[3]}} | compared with"
    )
    print("-" * (sum(widths) + 30))
    for r in rows:
        r = (r + [""] * 5)[:5]
        print(
            f"{r[0]:<{widths[0]}} | {r[1]:<{widths[1]}} | {r[2]:>{widths[2]}} | {r[3]:<{widths[3]}} | {r[4]}"
        )
    if failures:
        print(f"\nfailed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
