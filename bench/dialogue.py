"""Dialogue quality: chat situations through the real bot path, each reply checked automatically.

Every situation runs in a fresh channel of one real core (real SQLite, the configured chat model):
its setup messages are sent first (the bot answers those addressed to it), then the tested
message. The tested reply is checked (generators/dialogue/checks.py): complete sentence, right
language (the user's, or English where the model does not write it), no copy of an earlier
line, its own voice (not the user's, not addressing itself), the stored fact for a memory
question, and a sane length. Prints pass rates per check, overall, and every reply.

`--engine transformers` runs the packaged model through transformers instead of llama.cpp.
`--smoke` runs the first few situations (CI keeps the script working; rates are not asserted).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import Row, emit, peak_rss_mb

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bot.app import PERSONAS_DIR, build_core  # noqa: E402
from bot.core.i18n import t  # noqa: E402
from bot.core.models import Channel, ChannelKind, IncomingMessage, User  # noqa: E402
from bot.core.output import Button, SentMessage  # noqa: E402
from bot.settings import Settings  # noqa: E402
from generators.dialogue.checks import CHECKS, ReplySituation, check_reply  # noqa: E402
from generators.dialogue.loader import load_dialogue  # noqa: E402
from generators.dialogue.prompt import COMPACT_RULES, RULES  # noqa: E402
from generators.lang import detect_language  # noqa: E402
from personas.registry import PersonaRegistry  # noqa: E402

ANA, BOB, MEI, SOFIA = "Ana", "Bob", "Mei", "Sofia"


@dataclass(frozen=True)
class Situation:
    """Setup messages (speaker, text), then the tested message; `expect` for memory questions."""

    name: str
    kind: str  # greeting, place, smalltalk, feeling, memory, group, zh, es, followup
    ask: tuple[str, str]
    setup: tuple[tuple[str, str], ...] = ()
    expect: tuple[str, ...] = ()
    group: bool = False


S = Situation
SITUATIONS: tuple[Situation, ...] = (
    S("hi", "greeting", (ANA, "Hi Luna!")),
    S("morning", "greeting", (ANA, "Good morning! How are you today?")),
    S("meet", "greeting", (BOB, "Hey there, nice to meet you.")),
    S("who", "greeting", (ANA, "Hello! Who are you?")),
    S("evening", "greeting", (BOB, "Evening, Luna. Long day at work.")),
    S("paris", "place", (ANA, "What should I see in Paris?")),
    S("tokyo", "place", (BOB, "Have you ever been to Tokyo?")),
    S("rome", "place", (ANA, "Tell me something about Rome.")),
    S("beach", "place", (BOB, "Where would you go for a beach holiday?")),
    S("iceland", "place", (ANA, "Is Iceland worth visiting in winter?")),
    S("kyoto", "place", (MEI, "What is special about Kyoto?")),
    S("volcano", "place", (BOB, "Tell me a fun fact about volcanoes.")),
    S("food", "smalltalk", (ANA, "What's your favourite food?")),
    S("music", "smalltalk", (BOB, "Do you like music?")),
    S("today", "smalltalk", (ANA, "What did you do today?")),
    S("movie", "smalltalk", (BOB, "I just watched a great movie about sailors.")),
    S("rain", "smalltalk", (ANA, "It's raining here again.")),
    S("mountains", "smalltalk", (BOB, "Do you prefer mountains or the sea?")),
    S("lonely", "feeling", (ANA, "I feel a bit lonely tonight.")),
    S("job", "feeling", (BOB, "I'm so excited, I got the job!")),
    S("exam", "feeling", (ANA, "I'm nervous about my exam tomorrow.")),
    S("cat", "feeling", (BOB, "My cat is sick and I'm worried.")),
    S("friends", "feeling", (ANA, "I had a wonderful day with my friends.")),
    S(
        "name-job",
        "memory",
        (ANA, "What is my name and job?"),
        setup=((ANA, "My name is Ana and I'm a nurse."),),
        expect=("Ana", "nurse"),
    ),
    S("live", "memory", (BOB, "Where do I live?"), setup=((BOB, "I live in Lisbon."),), expect=("Lisbon",)),
    S(
        "drink",
        "memory",
        (ANA, "What drink do I love?"),
        setup=((ANA, "I love green tea."),),
        expect=("tea",),
    ),
    S(
        "dog",
        "memory",
        (BOB, "What's my dog's name?"),
        setup=((BOB, "/remember My dog is called Pixel"),),
        expect=("Pixel",),
    ),
    S(
        "city",
        "memory",
        (MEI, "Which city is my favourite?"),
        setup=((MEI, "My favourite city is Prague."),),
        expect=("Prague",),
    ),
    S(
        "work",
        "memory",
        (SOFIA, "What do I do for a living?"),
        setup=((SOFIA, "/remember I work as a teacher in Madrid"),),
        expect=("teach",),
    ),
    S(
        "about-me",
        "memory",
        (ANA, "What do you remember about me?"),
        setup=((ANA, "I'm from Porto and I love sailing."),),
        expect=("Porto|sail",),
    ),
    S(
        "group-lisbon",
        "group",
        (ANA, "Luna, what should Bob try there?"),
        setup=((BOB, "Luna, I just got back from Lisbon!"),),
        group=True,
    ),
    S(
        "group-plan",
        "group",
        (BOB, "Luna, where should we go this weekend?"),
        setup=((ANA, "Bob and I want a short trip."),),
        group=True,
    ),
    S(
        "group-hello",
        "group",
        (MEI, "Hi Luna, say hello to Sofia!"),
        setup=((SOFIA, "Hello everyone!"),),
        group=True,
    ),
    S(
        "group-debate",
        "group",
        (ANA, "Luna, who is right?"),
        setup=((BOB, "The best pizza is in Naples."), (ANA, "No way, it's New York.")),
        group=True,
    ),
    S(
        "group-birthday",
        "group",
        (BOB, "Luna, it's Ana's birthday today!"),
        setup=((ANA, "Thanks everyone for coming."),),
        group=True,
    ),
    S("zh-hello", "zh", (MEI, "你好，Luna！")),
    S("zh-travel", "zh", (MEI, "你喜欢旅行吗？")),
    S("zh-beijing", "zh", (MEI, "北京有什么好玩的地方？")),
    S("zh-tired", "zh", (MEI, "我今天很累。")),
    S("es-hello", "es", (SOFIA, "¡Hola Luna! ¿Cómo estás?")),
    S("es-barcelona", "es", (SOFIA, "¿Qué me recomiendas visitar en Barcelona?")),
    S("es-tired", "es", (SOFIA, "Estoy muy cansada hoy.")),
    S("es-beach", "es", (SOFIA, "¿Te gusta la playa?")),
    S(
        "paris-food",
        "followup",
        (ANA, "And what about the food there?"),
        setup=((ANA, "Tell me about Paris."),),
    ),
    S(
        "trip-pack",
        "followup",
        (BOB, "What should I pack?"),
        setup=((BOB, "I'm going hiking in Norway next week."),),
    ),
    S(
        "stars",
        "followup",
        (ANA, "Which one is your favourite?"),
        setup=((ANA, "Do you like looking at the stars?"),),
    ),
    S(
        "thanks",
        "followup",
        (BOB, "Thanks, that helps a lot!"),
        setup=((BOB, "Any tips for a first trip abroad?"),),
    ),
)


class Capture:
    """A ChatOutput that keeps the latest text of every message the bot sent."""

    max_len = 2000
    min_edit_interval = 0.0

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}
        self.first_text_at: float | None = None

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        if self.first_text_at is None and text.strip():
            self.first_text_at = time.perf_counter()
        key = str(len(self.messages))
        self.messages[key] = text
        return SentMessage(id=key)

    async def edit(self, message: SentMessage, text: str) -> None:
        self.messages[message.id] = text

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        return await self.send(caption, buttons)

    async def typing(self) -> None:
        return None

    @property
    def last(self) -> str:
        return list(self.messages.values())[-1] if self.messages else ""


@dataclass
class Result:
    """One tested reply, its checks and its timing."""

    situation: Situation
    reply: str
    failed: tuple[str, ...]
    first_text_s: float
    total_s: float
    lines: list[str] = field(default_factory=list)


async def run_situation(
    core, n: int, sit: Situation, fallback: frozenset[str], examples: list[str], notes: list[str]
) -> Result:
    """Play one situation in a fresh channel and check the tested reply."""
    kind = ChannelKind.GROUP if sit.group else ChannelKind.DIRECT
    channel = Channel("bench", f"c{n}", kind)
    users = {name: User("bench", name.lower(), name) for name in (ANA, BOB, MEI, SOFIA)}
    # The persona's example replies and the prompt's notes are in the prompt too.
    earlier: list[str] = [*examples, *notes]
    people: list[str] = []
    for speaker, text in sit.setup:
        out = Capture()
        mentioned = not sit.group or "luna" in text.lower()
        await core.handle(IncomingMessage(users[speaker], channel, text, mentions_bot=mentioned), out)
        # A memory answer should repeat the fact it was told: those lines are not counted as copied.
        if not sit.expect:
            earlier.append(text)
        people.append(text)
        if out.messages and not text.startswith("/"):
            earlier.append(out.last)
    speaker, text = sit.ask
    out = Capture()
    t0 = time.perf_counter()
    await core.handle(IncomingMessage(users[speaker], channel, text, mentions_bot=True), out)
    total = time.perf_counter() - t0
    reply = out.last
    lang = detect_language(text)
    want = lang if lang in fallback else "en"
    others = tuple(n for n in (ANA, BOB, MEI, SOFIA) if n != speaker and any(s == n for s, _ in sit.setup))
    if any(t(key, "en") in reply for key in ("model_timeout", "model_failed")):
        return Result(sit, reply, CHECKS, total, total, [f"{speaker}: {text}"])  # no reply at all
    verdict = check_reply(
        reply,
        ReplySituation(
            persona="Luna",
            speaker=speaker,
            language=want,
            user_text=text,
            earlier=earlier,
            people_lines=people,
            others=others,
            expect=sit.expect,
        ),
    )
    first = (out.first_text_at - t0) if out.first_text_at else total
    lines = [f"{s}: {t}" for s, t in sit.setup] + [f"{speaker}: {text}"]
    return Result(sit, reply, verdict.failed, first, total, lines)


async def run(args: argparse.Namespace) -> list[Result]:
    """Build one real core on the packaged model and play every situation."""
    with tempfile.TemporaryDirectory(prefix="bench-dialogue-") as tmp:
        data = Path(tmp)
        cache = Path(__file__).resolve().parents[1] / "data" / "models"
        if cache.exists():  # reuse the converted transformers cache of the repo's data dir
            (data / "models").symlink_to(cache, target_is_directory=True)
        overrides = {"llm_engine": args.engine} if args.engine else {}
        if args.candidates:
            overrides["llm_candidates"] = args.candidates
        if args.timeout:
            overrides["llm_timeout_s"] = args.timeout
        for item in args.set or ():
            key, _, value = item.partition("=")
            overrides[key.strip().lower()] = value.strip()
        settings = Settings(_env_file=None, avatar_data_dir=data, **overrides)
        loaded = load_dialogue(settings.dialogue_options())
        dialogue = loaded.backend
        runtime = await build_core(settings, dialogue=dialogue)
        core = runtime.core
        print(f"chat model: {loaded.description}", file=sys.stderr)
        situations = SITUATIONS[: args.limit] if args.limit else SITUATIONS
        luna = PersonaRegistry(PERSONAS_DIR, data / "personas").get("luna")
        examples = [reply for _user, reply in luna.examples]
        notes = [
            COMPACT_RULES,
            RULES.format(name="Luna"),
            luna.tagline,
            luna.personality,
            luna.speaking_style,
        ]
        results = []
        for n, sit in enumerate(situations):
            results.append(await run_situation(core, n, sit, dialogue.languages, examples, notes))
            r = results[-1]
            mark = "ok " if not r.failed else "BAD"
            print(
                f"{mark} {sit.name:<15} {r.total_s:5.2f}s {r.reply!r} {list(r.failed) or ''}", file=sys.stderr
            )
        await runtime.aclose()
        await dialogue.aclose()
    return results


def main() -> None:
    """Run the situations and print pass rates and replies."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engine", choices=("llama.cpp", "transformers"), help="force an engine")
    ap.add_argument("--candidates", type=int, help="best-of-N (LLM_CANDIDATES)")
    ap.add_argument("--timeout", type=float, help="LLM_TIMEOUT_S (a slow engine on a busy host)")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE", help="a setting, e.g. llm_temperature=0.5")
    ap.add_argument("--limit", type=int, help="only the first N situations")
    ap.add_argument("--smoke", action="store_true", help="a few situations (CI)")
    args = ap.parse_args()
    if args.smoke:
        args.limit = args.limit or 4
    results = asyncio.run(run(args))
    n = len(results)
    rows = [Row("situations", n, "", "through the real bot path")]
    for check in CHECKS:
        ok = sum(check not in r.failed for r in results)
        rows.append(Row(f"pass: {check}", 100 * ok / n, "%", ""))
    passed = sum(not r.failed for r in results)
    rows.append(Row("pass: all checks (replies)", 100 * passed / n, "%", "goal >= 85"))
    checks_ok = sum(len(CHECKS) - len(r.failed) for r in results)
    rows.append(Row("pass: checks overall", 100 * checks_ok / (n * len(CHECKS)), "%", ""))
    rows.append(Row("reply time p50", statistics.median(r.total_s for r in results), "s", "incl. store"))
    rows.append(Row("first text p50", statistics.median(r.first_text_s for r in results), "s", "streamed"))
    rows.append(Row("peak RSS", peak_rss_mb(), "MB", ""))
    if os.environ.get("BENCH_MACHINE") != "1":
        for r in results:
            status = "ok" if not r.failed else "FAILED " + ", ".join(r.failed)
            print(f"\n[{r.situation.kind}/{r.situation.name}] {status}")
            for line in r.lines:
                print(f"  {line}")
            print(f"  -> Luna: {r.reply}")
    emit("bench/dialogue.py", rows)


if __name__ == "__main__":
    main()
