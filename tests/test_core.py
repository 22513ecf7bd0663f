"""The platform-neutral core end to end: reply rules, speakers, memory, confirmation, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bot.core.clock import FakeClock
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from generators.dialogue.base import ChatTurn, DialogueOutput, GenerationConfig
from tests.outputs import RecordingOutput

ANA = User("web", "ana", "Ana")
BEN = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP)
DM = Channel("web", "dm-ana", ChannelKind.DIRECT)


class Spy:
    """Wraps a real backend and records the turns it was asked to continue."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[list[ChatTurn]] = []
        self.name = inner.name
        self.languages = inner.languages
        self.context_tokens = inner.context_tokens

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, turns: list[ChatTurn], config: GenerationConfig) -> AsyncIterator[str]:
        self.calls.append(list(turns))
        return self.inner.stream(turns, config)

    async def generate(self, turns: list[ChatTurn], config: GenerationConfig) -> DialogueOutput:
        return await self.inner.generate(turns, config)

    async def aclose(self) -> None:
        return None


class Failing(Spy):
    """A backend whose model raises or hangs (the failure is real: the stream never yields)."""

    def __init__(self, inner, mode: str) -> None:
        super().__init__(inner)
        self.mode = mode
        self.started = asyncio.Event()

    async def _broken(self) -> AsyncIterator[str]:
        self.started.set()
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "oom":
            raise MemoryError("simulated out of memory")
        raise RuntimeError("model exploded")
        yield ""  # pragma: no cover

    def stream(self, turns, config):
        self.calls.append(list(turns))
        return self._broken()


def msg(user: User, text: str, channel: Channel = ROOM, **kw) -> IncomingMessage:
    return IncomingMessage(user, channel, text, **kw)


async def test_group_answers_only_when_addressed_but_keeps_context(make_core, tiny_dialogue) -> None:
    spy = Spy(tiny_dialogue)
    core = await make_core(dialogue=spy)
    out = RecordingOutput()
    await core.handle(msg(ANA, "anyone been to Kyoto?"), out)
    await core.handle(msg(BEN, "yes, loved it"), out)
    assert out.messages == [] and spy.calls == []
    await core.handle(msg(ANA, "what do you think?", mentions_bot=True), out)
    await core.handle(msg(BEN, "thanks!", reply_to_bot=True), out)
    await core.handle(msg(ANA, "luna, tell me more"), out)  # called by the persona's name
    assert len(spy.calls) == 3
    rows = await core.memory.messages.recent(ROOM.key, 50)
    assert [r.speaker for r in rows if r.role == "user"] == ["Ana", "Ben", "Ana", "Ben", "Ana"]
    assert sum(r.role == "assistant" for r in rows) == 3


async def test_prompt_names_each_speaker_and_addresses_the_current_one(make_core, tiny_dialogue) -> None:
    spy = Spy(tiny_dialogue)
    core = await make_core(dialogue=spy)
    await core.handle(msg(ANA, "I'm planning a trip to Rome"), RecordingOutput())
    await core.handle(msg(BEN, "Luna, what should I pack?"), RecordingOutput())
    turns = spy.calls[-1]
    everything = "\n".join(t.content for t in turns)
    assert "Ana" in everything and "Ben" in everything
    assert turns[-1].role == "user" and "what should I pack?" in turns[-1].content
    # Names each speaker: every person's line starts with their own name.
    assert [(t.speaker, t.content) for t in turns if t.role == "user"] == [
        ("Ana", "Ana: I'm planning a trip to Rome"),
        ("Ben", "Ben: Luna, what should I pack?"),
    ]
    # Addresses the current one: the system turn points the reply at Ben, who spoke last, not at Ana.
    assert turns[0].role == "system" and "Reply now to Ben's latest message" in turns[0].content
    assert all("what should I pack" not in t.content for t in turns if t.role == "system")


async def test_direct_chat_answers_everything_and_streams(make_core) -> None:
    core = await make_core()
    out = RecordingOutput()
    await core.handle(msg(ANA, "hello!", DM), out)
    assert out.messages and out.messages[-1].strip()
    assert not out.messages[-1].endswith("⚪")
    assert out.typing_calls >= 1


async def test_memory_remember_and_auto_facts_survive_a_restart(make_core, tmp_path) -> None:
    data = tmp_path / "shared"
    core = await make_core(data_dir=data)
    await core.handle(msg(ANA, "/remember I collect postcards", DM), RecordingOutput())
    await core.handle(msg(ANA, "my name is Ana, and I love green tea", DM), RecordingOutput())
    again = await make_core(data_dir=data)
    out = RecordingOutput()
    await again.handle(msg(ANA, "/memory", DM), out)
    assert "I collect postcards" in out.text and "I love green tea" in out.text
    out_ben = RecordingOutput()
    await again.handle(msg(BEN, "/memory", DM), out_ben)
    assert "postcards" not in out_ben.text


async def test_facts_reach_the_prompt_only_for_their_owner(make_core, tiny_dialogue) -> None:
    spy = Spy(tiny_dialogue)
    core = await make_core(dialogue=spy)
    await core.handle(msg(ANA, "/remember my cat is called Miso"), RecordingOutput())
    await core.handle(msg(BEN, "Luna, hi"), RecordingOutput())
    assert all("Miso" not in t.content for t in spy.calls[-1])
    await core.handle(msg(ANA, "Luna, hi"), RecordingOutput())
    assert any("Miso" in t.content for t in spy.calls[-1])


async def test_forget_needs_confirmation(make_core) -> None:
    core = await make_core()
    await core.handle(msg(ANA, "/remember I like maps", DM), RecordingOutput())
    ask = RecordingOutput()
    await core.handle(msg(ANA, "/forget", DM), ask)
    assert [b.action for b in ask.buttons[-1]] == ["forget:yes", "forget:no"]
    await core.handle(msg(ANA, "hmm, no", DM), RecordingOutput())
    assert len(await core.memory.facts.list(ANA.key)) == 1
    await core.handle(msg(ANA, "/forget", DM), RecordingOutput())
    done = RecordingOutput()
    await core.handle(msg(ANA, "是", DM), done)
    assert "忘记" in done.text or "forgotten" in done.text
    assert await core.memory.facts.list(ANA.key) == []


async def test_reset_clears_recent_context_but_keeps_facts(make_core, tiny_dialogue) -> None:
    spy = Spy(tiny_dialogue)
    core = await make_core(dialogue=spy)
    await core.handle(msg(ANA, "/remember I like trains"), RecordingOutput())
    await core.handle(msg(ANA, "secret-word-zebra is my message"), RecordingOutput())
    await core.handle(msg(ANA, "/reset"), RecordingOutput())
    await core.handle(msg(ANA, "Luna, hello"), RecordingOutput())
    text = "\n".join(t.content for t in spy.calls[-1])
    assert "zebra" not in text and "trains" in text


async def test_persona_switch_is_per_channel(make_core) -> None:
    core = await make_core()
    out = RecordingOutput()
    await core.handle(msg(ANA, "/persona professor", DM), out)
    assert "Quill" in out.text
    assert (await core.persona_for(DM)).id == "professor"
    assert (await core.persona_for(ROOM)).id == "luna"


async def test_chinese_user_gets_a_one_time_notice_with_the_packaged_model(make_core, tiny_dialogue) -> None:
    assert "zh" not in tiny_dialogue.languages
    core = await make_core()
    first, second = RecordingOutput(), RecordingOutput()
    await core.handle(msg(ANA, "你好，今天天气怎么样？", DM), first)
    await core.handle(msg(ANA, "我们去哪里玩？", DM), second)
    assert "LLM_MODEL" in first.text and "中文" in first.text
    assert "LLM_MODEL" not in second.text


async def test_bot_texts_are_localised(make_core) -> None:
    core = await make_core()
    out = RecordingOutput()
    await core.handle(msg(User("web", "li", "Li", locale="zh-CN"), "/help", DM), out)
    assert "命令" in out.text


async def test_model_failures_apologise_once_and_the_next_request_works(make_core, tiny_dialogue) -> None:
    for mode in ("raise", "oom"):
        core = await make_core(dialogue=Failing(tiny_dialogue, mode))
        out = RecordingOutput()
        await core.handle(msg(ANA, "hello", DM), out)
        assert out.messages == [t("model_failed", "en")]
    clock = FakeClock()
    hanging = Failing(tiny_dialogue, "hang")
    hung = await make_core(dialogue=hanging, llm_timeout_s=30.0, clock=clock)
    out = RecordingOutput()
    handling = asyncio.create_task(hung.handle(msg(ANA, "hello", DM), out))
    async with asyncio.timeout(120):  # a guard only: the event comes as soon as the core calls the model
        await hanging.started.wait()
    clock.advance(29.0)
    await asyncio.sleep(0)
    assert not handling.done() and out.messages == []
    clock.advance(1.0)  # the core's clock passes llm_timeout_s; no real time goes by
    await handling
    assert out.messages == [t("model_timeout", "en")]
    healthy = await make_core()
    ok = RecordingOutput()
    await healthy.handle(msg(ANA, "hello again", DM), ok)
    assert ok.messages and ok.messages[-1] not in (t("model_failed", "en"), t("model_timeout", "en"))


async def test_a_button_answer_ends_the_waiting_text_confirmation(make_core) -> None:
    core = await make_core()
    await core.handle(msg(ANA, "/remember I like maps", DM), RecordingOutput())
    await core.handle(msg(ANA, "/forget", DM), RecordingOutput())
    cancelled = RecordingOutput()
    await core.handle_action(ANA, msg(ANA, "", DM), "forget:no", cancelled)
    assert "won't forget" in cancelled.text
    await core.handle(msg(ANA, "yes", DM), RecordingOutput())  # now just chat, not a confirmation
    assert len(await core.memory.facts.list(ANA.key)) == 1


async def test_a_cjk_named_persona_alone_in_a_group_is_called_by_name(make_core) -> None:
    core = await make_core()
    assert ROOM.kind is not ChannelKind.DIRECT
    assert core.addressed(msg(ANA, "小美你好"), "小美")
    assert core.addressed(msg(ANA, "Luna, hi"), "Luna Park")
    assert not core.addressed(msg(ANA, "大家好"), "小美")
    assert not core.addressed(msg(ANA, "lunatic"), "Luna")
