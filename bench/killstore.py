"""kill -9 the memory store while it writes, N rounds; every acknowledged write must survive.

A child process writes messages, facts and adventures through `SqliteMemory` from 24 tasks and logs each
write after its commit was acknowledged. The parent SIGKILLs it at a random moment, reopens the
same file, runs PRAGMA integrity_check and looks up every acknowledged row. Exit status 1 when a
write was lost or the file is not ok.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from common import Row, emit

from bot.core.clock import SystemClock
from bot.memory.crashcheck import kill_round
from bot.memory.sqlite import SqliteMemory


async def _reopen(db: Path) -> str:
    memory = await SqliteMemory.open(db, clock=SystemClock())
    try:
        return await memory.integrity_check()
    finally:
        await memory.close()


def main() -> int:
    """Run the rounds and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-wait", type=float, default=0.4, help="longest wait before the kill, seconds")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    acked = lost = bad = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "memory.db"
        for _ in range(args.rounds):
            result = kill_round(db, rng, max_wait_s=args.max_wait)
            acked += len(result.acked)
            lost += len(result.lost)
            bad += result.integrity != "ok"
        final = asyncio.run(_reopen(db))
    took = time.perf_counter() - t0
    emit(
        "killstore.py",
        [
            Row("kill -9 rounds", args.rounds, "rounds"),
            Row("acknowledged writes", acked, "writes", "messages, facts, adventures"),
            Row("lost acknowledged writes", lost, "writes", "must be 0"),
            Row("integrity_check not ok", bad, "rounds", "must be 0"),
            Row("reopen through SqliteMemory", final, "", "integrity after all rounds"),
            Row("wall time", took, "s"),
        ],
    )
    return 0 if lost == 0 and bad == 0 and final == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
