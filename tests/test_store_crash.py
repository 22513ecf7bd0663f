"""kill -9 while writing: every acknowledged write survives and the file stays intact."""

from __future__ import annotations

import random
from pathlib import Path

from bot.core.clock import SystemClock
from bot.memory.crashcheck import kill_round, verify
from bot.memory.sqlite import SqliteMemory

ROUNDS = 20


def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    rng = random.Random(20261128)
    all_acks = []
    kinds = set()
    for _ in range(ROUNDS):
        result = kill_round(db, rng, max_wait_s=0.25)
        assert result.child_exit == -9, "the child was killed, not finished"
        assert result.integrity == "ok"
        assert result.lost == []
        all_acks += result.acked
        kinds |= {a.kind for a in result.acked}
    assert len(all_acks) > ROUNDS, "the children acknowledged writes before being killed"
    assert kinds == {"m", "f", "a"}
    lost, integrity = verify(db, all_acks)
    assert (lost, integrity) == ([], "ok"), "earlier rounds' writes survive later crashes too"


async def test_store_reopens_after_kills_and_serves_every_acknowledged_message(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    rng = random.Random(7)
    acked = []
    for _ in range(3):
        acked += kill_round(db, rng, max_wait_s=0.2).acked
    messages = [a for a in acked if a.kind == "m"]
    assert messages
    memory = await SqliteMemory.open(db, clock=SystemClock())
    try:
        assert await memory.integrity_check() == "ok"
        seen = set()
        for channel in range(4):
            seen |= {r.text for r in await memory.messages.recent(f"crash:c{channel}", 10**6)}
        assert {m.token for m in messages} <= seen
        await memory.messages.add("crash:c0", "crash:u0", "U", "user", "after the crash")
        assert (await memory.messages.recent("crash:c0", 1))[0].text == "after the crash"
    finally:
        await memory.close()
