"""FactRepo contract: dedupe per person ignoring case and spacing, private deletes, times from the clock."""

from __future__ import annotations

import pytest

from bot.core.ports import Memory
from tests.memory_helpers import ANA, BEN, ManualClock, at


async def test_facts_dedupe_ignoring_case_and_spacing_per_person(
    memory: Memory, memory_clock: ManualClock
) -> None:
    first = await memory.facts.add(ANA.key, "I love  Croissants", "user")
    memory_clock.set(1)
    again = await memory.facts.add(ANA.key, "i love croissants ", "auto")
    other = await memory.facts.add(BEN.key, "I love croissants", "user")
    assert first == again != other
    facts = await memory.facts.list(ANA.key)
    assert [(f.text, f.source, f.at) for f in facts] == [("I love  Croissants", "user", at(0))]
    assert await memory.facts.delete(ANA.key, other) is False, "Ana cannot delete Ben's fact"
    assert await memory.facts.delete(ANA.key, first) is True
    assert await memory.facts.list(ANA.key) == [] and len(await memory.facts.list(BEN.key)) == 1
    with pytest.raises(ValueError):
        await memory.facts.add(ANA.key, "   ", "user")


async def test_fact_list_is_oldest_first_and_fresh_after_every_write(
    memory: Memory, memory_clock: ManualClock
) -> None:
    assert await memory.facts.list(BEN.key) == []  # an empty answer is cached ...
    for n, text in enumerate(["plays chess", "likes tea", "has a cat"]):
        memory_clock.set(n)
        await memory.facts.add(BEN.key, text, "user")
    listed = await memory.facts.list(BEN.key)  # ... and dropped by the writes
    assert [f.text for f in listed] == ["plays chess", "likes tea", "has a cat"]
    assert [f.at for f in listed] == [at(0), at(1), at(2)]
    await memory.facts.delete(BEN.key, listed[1].id)
    assert [f.text for f in await memory.facts.list(BEN.key)] == ["plays chess", "has a cat"]
