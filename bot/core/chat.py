"""Persona chat: build the prompt from memory, stream the model's reply, and store it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.i18n import t
from bot.core.output import SentMessage
from bot.core.ports import Memory
from bot.core.streaming import StreamRelay
from bot.settings import Settings
from generators.dialogue.base import ChatTurn, DialogueBackend, GenerationConfig
from generators.dialogue.checks import ReplySituation, copies
from generators.dialogue.history_window import HistoryWindow
from generators.dialogue.prompt import HistoryLine, PromptOutput, build_prompt
from generators.dialogue.ranking import answer_from_facts, fact_hits, fact_words, is_memory_question, rank
from generators.dialogue.replies import clean_reply, echoes, is_degenerate
from generators.errors import InputError
from generators.lang import detect_language, language_name

log = logging.getLogger(__name__)
# More candidates are generated only while the whole reply stays within this (fast engines only).
CANDIDATE_BUDGET_S = 2.5


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).strip(".!?。！？ ")


def _usable(reply: str, language: str, avoid: set[str], said: str = "", recent: Sequence[str] = ()) -> bool:
    """Not a loop, in the right script, and neither an echo of the user (or of part of what they
    `said`: "¡Cómo estás?" to "¡Hola Luna! ¿Cómo estás?"), a copy of an earlier reply, nor five words
    in a row from one of the `recent` lines (another persona's line said again as this one's)."""
    return (
        not is_degenerate(reply, language)
        and _norm(reply) not in avoid
        and not echoes(reply, said)
        and not copies(reply, recent)
    )


JournalProvider = Callable[[str, str], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class ChatReply:
    """A reply as delivered: its text, its row in the message store, and the messages showing it."""

    text: str
    row_id: int
    sent: list[SentMessage]


def _role(role: str, speaker: str, others: frozenset[str]) -> Literal["user", "assistant"]:
    """Another persona's line reads as a speaker in the chat, not as the persona's own words."""
    return "user" if role != "assistant" or speaker in others else "assistant"


class ChatService:
    """Answers plain chat messages in the channel persona's voice."""

    def __init__(
        self,
        settings: Settings,
        dialogue: DialogueBackend,
        clock: Clock,
        memory: Memory,
        journal: JournalProvider | None = None,
    ) -> None:
        self.settings = settings
        self.dialogue = dialogue
        self.clock = clock
        self.memory = memory
        self.journal_provider = journal
        self._notified: set[tuple[str, str]] = set()
        style = settings.llm_prompt_style
        self.prompt_style = (
            ("compact" if settings.uses_packaged_model else "full") if style == "auto" else style
        )
        lines = min(settings.recent_turns, 6) if self.prompt_style == "compact" else settings.recent_turns
        self._window = HistoryWindow(max_lines=lines, keep_lines=max(2, lines // 2))

    def reply_language(self, text: str, ui_lang: str) -> str:
        """The language the reply should be written in (the user's, when the model can write it)."""
        return detect_language(text) if text.strip() else ui_lang

    async def respond(self, ctx: Context, stored_id: int | None = None) -> str:
        """Generate, stream and store the persona's reply to `ctx.msg` (stored as row `stored_id`)."""
        return (await self.reply(ctx, stored_id)).text

    async def reply(
        self,
        ctx: Context,
        stored_id: int | None = None,
        *,
        others: frozenset[str] = frozenset(),
        from_persona: bool = False,
    ) -> ChatReply:
        """`respond`, for a channel with several personas: the lines of `others` (the other personas'
        names) are shown to `ctx.persona` as another speaker's, not as its own. `from_persona`: the
        message is another persona's reply, so no person's facts or journal belong in the prompt."""
        memory = self.memory
        user_lang = self.reply_language(ctx.msg.text, ctx.lang)
        answer_lang = user_lang
        if user_lang not in self.dialogue.languages:
            answer_lang = "en"
            if not from_persona:
                await self._notify_language_once(ctx, user_lang)

        history_rows = await memory.messages.recent(ctx.channel_key, self.settings.recent_turns + 1)
        # The current message is already stored; the prompt builder adds it as the final user turn.
        # Others may have spoken since, so it is dropped by id, not by position.
        history_rows = [r for r in history_rows if r.id != stored_id][-self.settings.recent_turns :]
        # A looping reply left in the history would be copied by the model, so it is not shown again.
        # The window only grows between turns, so an engine can reuse the evaluated prompt prefix.
        # With several personas, each has its own window (its prompt differs from the others').
        session = f"{ctx.channel_key}/{ctx.persona.id}" if others else ctx.channel_key
        history = self._window.select(
            session,
            [
                (r.id, HistoryLine(speaker=r.speaker, role=_role(r.role, r.speaker, others), text=r.text))
                for r in history_rows
                if not (r.role == "assistant" and is_degenerate(r.text))
            ],
        )
        facts = [] if from_persona else [f.text for f in await memory.facts.list(ctx.user_key)]
        journal = (
            await self.journal_provider(ctx.user_key, answer_lang)
            if self.journal_provider and not from_persona
            else []
        )

        def prompt_for(lines: list[HistoryLine]) -> PromptOutput:
            return build_prompt(
                ctx.persona,
                speaker=ctx.msg.user.display_name,
                facts=facts,
                history=lines,
                user_text=ctx.msg.text,
                language=answer_lang,
                count_tokens=self.dialogue.count_tokens,
                budget_tokens=max(256, self.dialogue.context_tokens - self.settings.llm_max_new_tokens),
                journal=journal,
                style=self.prompt_style,
            )

        prompt = prompt_for(history)
        # Small models echo the user or copy their own earlier lines; neither counts as a reply.
        avoid = {_norm(line.text) for line in history if line.role == "assistant"} | {_norm(ctx.msg.text)}
        recent = [line.text for line in history[-3:]] + [ctx.msg.text]
        config = GenerationConfig(
            max_new_tokens=self.settings.llm_max_new_tokens,
            temperature=self.settings.llm_temperature,
            stop=prompt.stop,
            timeout_s=self.settings.llm_timeout_s,
            min_p=self.settings.llm_min_p,
            repeat_penalty=self.settings.llm_repeat_penalty,
            session=session,
        )
        started = self.clock.monotonic()
        await ctx.out.typing()
        relay = StreamRelay(ctx.out, self.clock)
        raw = ""
        try:
            async with self.clock.timeout(self.settings.llm_timeout_s):
                # Backends already hold back text that could become a stop sequence.
                async for chunk in self.dialogue.stream(prompt.turns, config):
                    raw += chunk
                    if relay.text or chunk.strip():
                        await relay.feed(chunk if relay.text else chunk.lstrip())
        except TimeoutError as exc:
            log.warning("dialogue timed out after %.0fs", self.settings.llm_timeout_s)
            await self._fail(relay, ctx, "model_timeout")
            raise UserFacingError("handled") from exc
        except InputError:
            raise
        except Exception as exc:
            log.exception("dialogue backend failed")
            await self._fail(relay, ctx, "model_failed")
            raise UserFacingError("handled") from exc
        final = clean_reply(raw, prompt.stop, ctx.persona.name, ctx.msg.text)
        situation = ReplySituation(
            persona=ctx.persona.name,
            speaker=ctx.msg.user.display_name,
            language=answer_lang,
            user_text=ctx.msg.text,
            # The system prompt counts too: a small model may say its own notes back.
            earlier=[line.text for line in history] + prompt.turns[0].content.splitlines(),
            people_lines=[line.text for line in history if line.role == "user"] + facts,
            others=sorted(
                ({line.speaker for line in history if line.role == "user"} | others)
                - {ctx.msg.user.display_name, ctx.persona.name}
            ),
        )
        asked = facts if facts and is_memory_question(ctx.msg.text) else []
        final = await self._best_of(prompt, config, final, situation, asked, avoid, started, recent)
        if not _usable(final, answer_lang, avoid, ctx.msg.text, recent):
            # The retry sees only what people said, so there is no earlier reply to copy.
            people_only = prompt_for([line for line in history if line.role != "assistant"])
            final = await self._second_try(ctx, people_only.turns, config, final, avoid, answer_lang, recent)
        sent = await relay.finish(final)
        row = await memory.messages.add(ctx.channel_key, None, ctx.persona.name, "assistant", final)
        return ChatReply(final, row, sent)

    async def _best_of(
        self,
        prompt: PromptOutput,
        config: GenerationConfig,
        first: str,
        situation: ReplySituation,
        asked: list[str],
        avoid: set[str],
        started: float,
        recent: Sequence[str] = (),
    ) -> str:
        """When the streamed reply fails a check, more candidates (if the engine is fast enough to
        stay within CANDIDATE_BUDGET_S), and the best by the checks. A question about the stored
        facts (`asked`) that no candidate answers is answered from the facts themselves."""
        # Only fact words the question does not already say count as an answer ("dog" in "my dog's name").
        told = fact_words(asked) - fact_words([situation.user_text.replace("'s", "")])

        def good(text: str, failed: tuple[str, ...]) -> bool:
            usable = not failed and _usable(text, situation.language, avoid, situation.user_text, recent)
            return usable and (not told or fact_hits(text, told) > 0)

        if good(first, rank([first], situation, told)[0][1].failed):
            return first
        one = self.clock.monotonic() - started
        candidates = [first]
        for i in range(1, self.settings.llm_candidates):
            if self.clock.monotonic() - started + one > CANDIDATE_BUDGET_S:
                break
            seed = None if config.seed is None else config.seed + i
            shorter = dataclasses.replace(config, seed=seed, max_new_tokens=min(config.max_new_tokens, 64))
            try:
                out = await self.dialogue.generate(prompt.turns, shorter)
            except Exception:
                log.warning("extra candidate failed", exc_info=True)
                break
            candidates.append(clean_reply(out.text, prompt.stop, situation.persona, situation.user_text))
            if good(candidates[-1], rank(candidates[-1:], situation, told)[0][1].failed):
                return candidates[-1]
        usable = [c for c in candidates if _usable(c, situation.language, avoid, situation.user_text, recent)]
        ranked = rank(usable, situation, told)
        if told:
            # A memory answer that misses the fact, or says it as the person's own line, is worse
            # than the fact told back.
            return answer_from_facts(situation.user_text, asked, situation.speaker) or (
                ranked[0][0] if ranked else first
            )
        return ranked[0][0] if ranked else first

    async def _second_try(
        self,
        ctx: Context,
        turns: list[ChatTurn],
        config: GenerationConfig,
        first: str,
        avoid: set[str],
        language: str,
        recent: Sequence[str] = (),
    ) -> str:
        """One cooler, non-streamed retry after a degenerate reply; the persona's greeting if that fails too."""
        log.info("degenerate reply %r; trying once more", first[:40])
        cooler = dataclasses.replace(config, temperature=min(config.temperature, 0.3), seed=None)
        try:
            async with self.clock.timeout(self.settings.llm_timeout_s):
                out = await self.dialogue.generate(turns, cooler)
        except Exception:
            log.warning("second try failed", exc_info=True)
        else:
            again = clean_reply(out.text, config.stop, ctx.persona.name, ctx.msg.text)
            if _usable(again, language, avoid, ctx.msg.text, recent):
                return again
        return ctx.persona.greeting or "…"

    async def _fail(self, relay: StreamRelay, ctx: Context, key: str) -> None:
        if relay.text:
            await relay.finish(relay.text + "\n\n" + ctx.text(key))
        else:
            await ctx.reply(key)

    async def _notify_language_once(self, ctx: Context, lang: str) -> None:
        scope = f"user:{ctx.user_key}"
        marker = f"lang_notice:{lang}"
        if (ctx.user_key, lang) in self._notified:
            return
        self._notified.add((ctx.user_key, lang))
        if await self.memory.settings.get(scope, marker):
            return
        await self.memory.settings.set(scope, marker, "1")
        notice_lang = "zh" if lang == "zh" else "en"
        name = language_name(lang, notice_lang)
        await ctx.send(t("language_unsupported", notice_lang, language=name))
