"""kill -9 while writing: every acknowledged write survives and the file stays intact."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from bot.memory.crashcheck import kill_round, verify
from bot.memory.store import Store

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
    store = await Store.open(db)
    try:
        assert await store.integrity_check() == "ok"
        seen = set()
        for channel in range(4):
            seen |= {r.text for r in await store.recent_messages(f"crash:c{channel}", 10**6)}
        assert {m.token for m in messages} <= seen
        await store.add_message("crash:c0", "crash:u0", "U", "user", "after the crash", datetime.now(UTC))
        assert (await store.recent_messages("crash:c0", 1))[0].text == "after the crash"
    finally:
        await store.close()
