"""Kill -9 check: a child process writes through the store and logs each acknowledged write; the
parent kills it at a random moment, reopens the file, and checks that every acknowledged write is there.

`python -m bot.memory.crashcheck child DB SEED` is the child; tests and bench/killstore.py drive it.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 24  # concurrent tasks in the child


@dataclass(frozen=True)
class Ack:
    """One write the child saw committed: kind ('m' message, 'f' fact, 'a' adventure), row id, token."""

    kind: str
    id: int
    token: str


@dataclass
class RoundResult:
    """What one kill round found."""

    acked: list[Ack] = field(default_factory=list)
    lost: list[Ack] = field(default_factory=list)
    integrity: str = ""
    child_exit: int | None = None


async def _child(db: Path, seed: int) -> None:
    from bot.core.clock import SystemClock
    from bot.memory.sqlite import SqliteMemory

    # Durability is checked against every acknowledged row, so history trimming is off here.
    memory = await SqliteMemory.open(db, clock=SystemClock(), keep_messages=10**12)
    print("ready", flush=True)

    async def writer(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        for i in range(10**9):
            token = f"s{seed}-w{n}-{i}"
            roll = rng.random()
            if roll < 0.7:
                kind = "m"
                row = await memory.messages.add(f"crash:c{n % 4}", f"crash:u{n}", "U", "user", token)
            elif roll < 0.85:
                kind = "f"
                row = await memory.facts.add(f"crash:u{n}", token, "user")
            else:
                kind = "a"
                row = await memory.adventures.add(
                    user_key=f"crash:u{n}",
                    channel_key=f"crash:c{n % 4}",
                    landmark_id="paris",
                    seed=i,
                    image_path=f"/nowhere/{token}.jpg",
                    image_sha256="0" * 64,
                    caption=token,
                    path_used="illustrated",
                    format="1:1",
                )
            print(f"{kind} {row} {token}", flush=True)

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))


def _read_acks(log: Path) -> list[Ack]:
    acks = []
    for line in log.read_text(encoding="utf-8", errors="replace").split("\n")[:-1]:  # last may be partial
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] in ("m", "f", "a"):
            acks.append(Ack(parts[0], int(parts[1]), parts[2]))
    return acks


def kill_round(db: Path, rng: random.Random, *, max_wait_s: float = 0.4) -> RoundResult:
    """Start a writing child, SIGKILL it after a random delay, and verify the file."""
    log = db.with_suffix(".acks")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.memory.crashcheck", "child", str(db), str(rng.randrange(10**6))],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 30
        while not log.read_text().startswith("ready") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, max_wait_s))
        proc.send_signal(signal.SIGKILL)
    finally:
        exit_code = proc.wait()
    result = RoundResult(acked=_read_acks(log), child_exit=exit_code)
    result.lost, result.integrity = verify(db, result.acked)
    return result


def verify(db: Path, acks: list[Ack]) -> tuple[list[Ack], str]:
    """Acknowledged writes missing from `db`, and PRAGMA integrity_check's answer."""
    con = sqlite3.connect(db)
    try:
        integrity = "; ".join(r[0] for r in con.execute("PRAGMA integrity_check"))
        found = {
            "m": dict(con.execute("SELECT id, text FROM messages")),
            "f": dict(con.execute("SELECT id, text FROM facts")),
            "a": dict(con.execute("SELECT id, caption FROM adventures")),
        }
    finally:
        con.close()
    lost = [a for a in acks if found[a.kind].get(a.id) != a.token]
    return lost, integrity


def main(argv: list[str]) -> int:
    """Entry point of the child process."""
    if len(argv) != 3 or argv[0] != "child":
        print("usage: python -m bot.memory.crashcheck child DB SEED", file=sys.stderr)
        return 2
    asyncio.run(_child(Path(argv[1]), int(argv[2])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
