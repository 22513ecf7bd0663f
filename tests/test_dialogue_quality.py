"""Reply checks, candidate ranking, facts about the person, the growing history window and the prefix cache."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from generators.dialogue.checks import ReplySituation, check_reply
from generators.dialogue.history_window import HistoryWindow
from generators.dialogue.prefix_cache import PrefixCache
from generators.dialogue.prompt import build_prompt
from generators.dialogue.pronouns import about
from generators.dialogue.ranking import fact_hits, fact_words, is_memory_question, rank
from personas.model import Persona
from tests.outputs import RecordingOutput

LUNA = Persona(
    id="luna", name="Luna", tagline="A cheerful travel guide / 向导", personality="Warm and curious."
)


def situation(**kw) -> ReplySituation:
    base = dict(persona="Luna", speaker="Ana", language="en", user_text="What should I see in Paris?")
    return ReplySituation(**(base | kw))


def test_the_persona_addressing_itself_is_dropped():
    from generators.dialogue.replies import drop_self_address

    assert drop_self_address("Hello Luna! I hope you are well.", "Luna") == "Hello! I hope you are well."
    assert drop_self_address("Luna, I love it!", "Luna") == "I love it!"
    assert drop_self_address("Thanks, Luna!", "Luna") == "Thanks!"
    assert drop_self_address("I'm Luna, your guide.", "Luna") == "I'm Luna, your guide."


def test_each_check_catches_what_it_names():
    assert check_reply("See the Eiffel Tower at dusk!", situation()).failed == ()
    assert "complete" in check_reply("See the Eiffel Tower and", situation()).failed
    assert "language" in check_reply("你好，旅伴！今天去哪儿？", situation()).failed
    assert "language" not in check_reply("你好，旅伴！今天去哪儿？", situation(language="zh")).failed
    copied = situation(earlier=["The Louvre is wonderful in the early morning light."])
    assert "no_copy" in check_reply("The Louvre is wonderful in the early morning light!", copied).failed
    echo_zh = situation(language="zh", earlier=["我今天在巴黎的小咖啡馆里喝了一杯热茶。"])
    assert "no_copy" in check_reply("哇，我今天在巴黎的小咖啡馆里喝了一杯热茶！", echo_zh).failed
    assert "no_copy" not in check_reply("巴黎的咖啡馆真可爱，下次带我去吧！", echo_zh).failed
    assert "own_voice" in check_reply("Luna, I love that idea!", situation()).failed
    assert "own_voice" in check_reply("Hi Luna! Paris is lovely.", situation()).failed
    assert (
        "own_voice"
        in check_reply("I'm a nurse, you know.", situation(people_lines=["I'm a nurse in Porto."])).failed
    )
    assert "own_voice" in check_reply("Sure!\nBob: me too.", situation(others=["Bob"])).failed
    assert "own_voice" not in check_reply("I'm Luna, your guide!", situation()).failed
    for other in ("I hope you're well. I'm Sarah, a travel blogger.", "I'm Dr. Maria Rodriguez, a nurse."):
        assert "own_voice" in check_reply(other, situation()).failed, other
    for fine in ("I'm Luna, a cheerful guide.", "I'm So glad!", "I'm in Paris. I'm Italian and proud!"):
        assert "own_voice" not in check_reply(fine, situation()).failed, fine
    assert (
        "own_voice"
        in check_reply("Hey, hello! Mango here. I love Kyoto.", situation(others=["Mango"])).failed
    )
    assert "memory" in check_reply("You are lovely.", situation(expect=["nurse"])).failed
    assert (
        "memory" not in check_reply("You're a nurse, Ana!", situation(expect=["Ana", "nurse|doctor"])).failed
    )
    assert "length" in check_reply("Yes.", situation()).failed


def test_ranking_prefers_passing_replies_then_stored_facts():
    sit = situation(user_text="What is my job?")
    words = fact_words(["I'm a nurse"])
    best, verdict = rank(["Luna, hello!", "You are great.", "You are a nurse!"], sit, words)[0]
    assert best == "You are a nurse!" and verdict.failed == ()
    assert fact_hits("A NURSE indeed.", words) == 1
    assert is_memory_question("What is my name and job?") and is_memory_question("Do you remember me?")
    assert not is_memory_question("What should I see in Paris?")


def test_facts_are_restated_about_the_person():
    assert about("I'm a nurse", "Ana") == "Ana is a nurse."
    assert about("My dog is called Pixel", "Bob") == "Bob's dog is called Pixel."
    assert about("I live in Lisbon", "Ana") == "Ana lives in Lisbon."
    assert about("I love green tea.", "Ana") == "Ana loves green tea."
    assert about("I watch the sea", "Ana") == "Ana watches the sea."
    assert about("我喜欢绿茶", "Mei") == "Mei: 我喜欢绿茶"
    from generators.dialogue.ranking import answer_from_facts

    facts = ["My name is Ana", "I'm a nurse", "I live in Lisbon"]
    assert answer_from_facts("Where do I live?", facts, "Ana") == "You told me you live in Lisbon, Ana!"
    job = answer_from_facts("What is my name and job?", facts, "Ana")
    assert "your name is Ana" in job and "you're a nurse" in job


def test_compact_prompt_keeps_its_prefix_between_turns_and_speaks_of_the_person():
    def prompt(history_len: int):
        from generators.dialogue.prompt import HistoryLine

        history = [HistoryLine("Ana", "user", f"line {i}") for i in range(history_len)]
        return build_prompt(
            LUNA,
            speaker="Ana",
            facts=["I'm a nurse"],
            history=history,
            user_text="What is my job?",
            language="en",
            count_tokens=lambda s: len(s) // 4 + 1,
            budget_tokens=2000,
            style="compact",
        )

    one, two = prompt(1), prompt(3)
    assert one.turns[0] == two.turns[0] and one.turns[1] == two.turns[1]
    system = one.turns[0].content
    assert "Ana is a nurse." in system and "I'm a nurse" not in system
    assert "You are Luna, a cheerful travel guide." in system and "向导" not in system
    assert len(system) < 800


def test_history_window_grows_then_jumps():
    window = HistoryWindow(max_lines=4, keep_lines=2)
    rows = [(i, f"l{i}") for i in range(1, 4)]
    assert window.select("c", rows) == ["l1", "l2", "l3"]
    rows.append((4, "l4"))
    assert window.select("c", rows) == ["l1", "l2", "l3", "l4"]  # appended, same start
    rows.append((5, "l5"))
    assert window.select("c", rows) == ["l4", "l5"]  # over the limit: jump
    rows.append((6, "l6"))
    assert window.select("c", rows[-4:]) == ["l4", "l5", "l6"]
    assert window.select("other", rows) == ["l3", "l4", "l5", "l6"]


def test_prefix_cache_finds_the_longest_prefix_and_stays_fair():
    cache = PrefixCache(max_bytes=10_000, per_session=2, min_tokens=2)
    cache.put("a", [1, 2, 3], b"x" * 100)
    cache.put("a", [1, 2, 3, 4, 5], b"y" * 100)  # supersedes its own prefix
    assert len(cache) == 1
    entry, n = cache.best([1, 2, 3, 4, 9])
    assert entry is not None and entry.data[:1] == b"y" and n == 4
    assert cache.best([7, 7, 7]) == (None, 0)
    for i in range(5):
        cache.put("a", [10 + i, 1, 1], b"z" * 100)
    assert sum(e.session == "a" for e in cache._entries) == 2  # per-session cap
    cache.put("b", [50, 1, 1], b"b" * 3000)
    cache.put("c", [60, 1, 1], b"c" * 3000)
    cache.put("greedy", [70, 1, 1], b"g" * 4000)
    cache.put("greedy", [71, 1, 1], b"g" * 4000)
    # Over budget: the session holding the most bytes gives up its oldest entry first (ties: the
    # session used least recently); a newly saved entry is never the one evicted.
    assert cache.bytes_used <= 10_000
    sessions = {e.session for e in cache._entries}
    assert sessions == {"a", "c", "greedy"}
    assert cache.best([71, 1, 1])[0] is not None and cache.best([70, 1, 1])[0] is None


class Scripted:
    """A backend that answers from a list, in order: the first line is streamed, the rest generated."""

    name = "scripted"
    languages = frozenset({"en"})
    context_tokens = 2048

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.configs: list[GenerationConfig] = []

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    async def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        self.configs.append(config)
        yield self.replies.pop(0)

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        self.configs.append(config)
        return DialogueOutput(text=self.replies.pop(0))

    async def aclose(self) -> None:
        return None


ANA = User("web", "ana", "Ana")
DM = Channel("web", "dm-ana", ChannelKind.DIRECT)


async def test_a_failing_streamed_reply_is_replaced_by_the_best_candidate(make_core):
    backend = Scripted("Ana: me too", "Paris is", "The Eiffel Tower sparkles at night!")
    core = await make_core(dialogue=backend)
    out = RecordingOutput()
    await core.handle(IncomingMessage(ANA, DM, "What should I see in Paris?"), out)
    assert out.text == "The Eiffel Tower sparkles at night!"
    assert len(backend.configs) == 3 and backend.configs[0].session == DM.key
    assert backend.configs[0].min_p > 0 and backend.configs[0].repeat_penalty > 1


async def test_a_memory_question_prefers_the_candidate_with_the_stored_fact(make_core):
    backend = Scripted("My name is Ana and I'm a nurse.", "You are wonderful!", "You're a nurse, Ana!")
    core = await make_core(dialogue=backend, llm_candidates=3)
    await core.handle(IncomingMessage(ANA, DM, "/remember I'm a nurse"), RecordingOutput())
    out = RecordingOutput()
    await core.handle(IncomingMessage(ANA, DM, "What is my job?"), out)
    assert out.text == "You're a nurse, Ana!"


async def test_a_good_streamed_reply_is_kept_without_more_candidates(make_core):
    backend = Scripted("Paris is lovely in spring!", "unused")
    core = await make_core(dialogue=backend)
    out = RecordingOutput()
    await core.handle(IncomingMessage(ANA, DM, "What should I see in Paris?"), out)
    assert out.text == "Paris is lovely in spring!" and backend.replies == ["unused"]


async def test_a_reply_that_repeats_a_recent_line_or_echoes_the_message_is_not_sent(make_core):
    # The cast click-through: one persona said another's line again, word for word after "Hi,".
    backend = Scripted(
        "The old town is lovely at dusk, with lanterns on every bridge.",
        "Hi! The old town is lovely at dusk, with lanterns on every bridge.",
        "Try the night market by the river!",
    )
    core = await make_core(dialogue=backend, llm_candidates=2)
    first = RecordingOutput()
    await core.handle(IncomingMessage(ANA, DM, "What is Prague like?"), first)
    assert first.text.startswith("The old town is lovely")
    out = RecordingOutput()
    await core.handle(IncomingMessage(ANA, DM, "And what should I eat there?"), out)
    assert out.text == "Try the night market by the river!"
    echo = Scripted("¡Te gusta la playa?", "¡Me encanta el mar!")
    core = await make_core(dialogue=echo, llm_candidates=1)
    out = RecordingOutput()
    await core.handle(IncomingMessage(ANA, DM, "¿Te gusta la playa?"), out)
    assert out.text.endswith("¡Me encanta el mar!"), "an echo of the message gets the retry"
    assert "Te gusta" not in out.text
