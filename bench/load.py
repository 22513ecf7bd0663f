"""A busy community through the core (the playground's in-process path; no platform needed).

1,000 users across 50 channels send mostly chat and some adventures for a bounded time.
Reports messages/s, p50/p99 reply latency with the instant stub and with a tiny real model,
image-queue depth and waits, errors (must be 0) and RSS (the end must stay within 10% of
the RSS after warm-up).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import Row, emit, peak_rss_mb, percentile
from core import InstantDialogue

from bot.app import build_core
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.settings import Settings
from tests.outputs import RecordingOutput

EXPECTED_REFUSALS = ("job_busy", "queue_full", "cooldown", "quota")


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


async def simulate(
    dialogue,
    *,
    users: int,
    channels: int,
    seconds: float,
    concurrency: int,
    adventure_share: float,
    warmup: float,
) -> dict:
    """Run the load and return raw measurements."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            avatar_data_dir=Path(tmp),
            image_cooldown_s=0,
            image_queue_size=64,
            image_daily_quota=10**6,
            image_size=512,
        )
        runtime = await build_core(settings, dialogue=dialogue)
        core = runtime.core
        rng = random.Random(1)
        people = [User("load", str(i), f"user{i}") for i in range(users)]
        rooms = [Channel("load", str(i), ChannelKind.GROUP) for i in range(channels)]
        places = ["paris", "tokyo", "巴黎", "rio", "sydney", "cairo", "new york", "rome"]
        refusal_texts = {t(k, lang).split("{")[0][:12] for k in EXPECTED_REFUSALS for lang in ("en", "zh")}
        sorry = t("sorry", "en")
        chat_lat: list[float] = []
        adv_lat: list[float] = []
        stats = {"messages": 0, "errors": 0, "refused": 0, "adventures": 0}
        depth_samples: list[int] = []
        # Prime every lazy piece (fonts, renderer, cut-out, model caches) before the clock starts.
        primer = User("load", "primer", "primer")
        await core.handle(
            IncomingMessage(primer, rooms[0], "/adventure paris", mentions_bot=True), RecordingOutput()
        )
        await core.handle(
            IncomingMessage(primer, rooms[0], "Luna, hello!", mentions_bot=True), RecordingOutput()
        )
        # Warm-up lasts `warmup` seconds and, when images pile up, until the image queue is full
        # (at most 4x longer): a filling queue holds more pictures, and that is not a leak.
        started = time.perf_counter()
        window = {"warm": False, "deadline": started + 5 * warmup + seconds, "warmed_at": started + warmup}
        rss_after_warmup: list[float] = []

        async def user_loop(n: int) -> None:
            while time.perf_counter() < window["deadline"]:
                user, room = rng.choice(people), rng.choice(rooms)
                adventure = rng.random() < adventure_share
                text = (
                    f"/adventure {rng.choice(places)}" if adventure else f"Luna, hi from {user.display_name}!"
                )
                out = RecordingOutput(max_len=2000)
                t0 = time.perf_counter()
                await core.handle(IncomingMessage(user, room, text, mentions_bot=True), out)
                took = time.perf_counter() - t0
                if not window["warm"]:
                    continue
                stats["messages"] += 1
                shown = out.text
                error = sorry in shown or not shown.strip()
                if not error and adventure and not out.images:
                    if any(r in shown for r in refusal_texts):
                        stats["refused"] += 1
                    else:
                        error = True
                if error:
                    stats["errors"] += 1
                    print(f"error for {text!r}: {shown[:200]!r}", file=sys.stderr)
                if adventure:
                    if out.images:
                        stats["adventures"] += 1
                        adv_lat.append(took)
                else:
                    chat_lat.append(took)

        async def sampler() -> None:
            adv = runtime.adventures
            while time.perf_counter() < window["deadline"]:
                now = time.perf_counter()
                depth_samples.append(adv.queue.depth)
                if not window["warm"] and now >= started + warmup:
                    full = adv.queue.depth >= adv.queue.max_size or adventure_share <= 0
                    if full or now >= started + 5 * warmup:
                        gc.collect()
                        rss_after_warmup.append(_rss_mb())
                        window.update(warm=True, warmed_at=now, deadline=now + seconds)
                await asyncio.sleep(0.05)

        await asyncio.gather(sampler(), *(user_loop(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - window["warmed_at"]
        gc.collect()
        rss_end = _rss_mb()
        waits = list(runtime.adventures.queue.stats.waits)
        await runtime.aclose()
    return {
        **stats,
        "elapsed": elapsed,
        "chat_lat": chat_lat,
        "adv_lat": adv_lat,
        "depth": depth_samples,
        "waits": waits,
        "rss_warm": rss_after_warmup[0] if rss_after_warmup else rss_end,
        "rss_end": rss_end,
    }


def rows_for(label: str, r: dict, users: int, channels: int) -> list[Row]:
    """Table rows for one run."""
    growth = (r["rss_end"] - r["rss_warm"]) / max(1.0, r["rss_warm"]) * 100
    return [
        Row(
            f"{label}: messages/s",
            r["messages"] / max(r["elapsed"], 1e-9),
            "msg/s",
            f"{users} users, {channels} channels",
        ),
        Row(f"{label}: chat p50", percentile(r["chat_lat"], 50) * 1000, "ms", "reply latency"),
        Row(f"{label}: chat p99", percentile(r["chat_lat"], 99) * 1000, "ms", "reply latency"),
        Row(
            f"{label}: adventures done",
            r["adventures"],
            "images",
            f"refused (busy/queue full): {r['refused']}",
        ),
        Row(f"{label}: adventure p50", percentile(r["adv_lat"], 50) * 1000, "ms", "incl. queue wait"),
        Row(f"{label}: queue depth max", max(r["depth"] or [0]), "jobs", "bounded by IMAGE_QUEUE_SIZE=64"),
        Row(f"{label}: queue wait p50", percentile(r["waits"], 50) * 1000, "ms", ""),
        Row(f"{label}: errors", r["errors"], "count", "must be 0"),
        Row(
            f"{label}: RSS growth after warm-up",
            growth,
            "%",
            f"{r['rss_warm']:.0f} -> {r['rss_end']:.0f} MB; must be < 10%",
        ),
    ]


def main() -> None:
    """Run the stub and tiny-model loads and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--adventure-share", type=float, default=0.05)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.users, a.channels, a.seconds, a.warmup, a.concurrency = 50, 5, 3, 2, 10
    rows: list[Row] = []
    stub = asyncio.run(
        simulate(
            InstantDialogue(),
            users=a.users,
            channels=a.channels,
            seconds=a.seconds,
            concurrency=a.concurrency,
            adventure_share=a.adventure_share,
            warmup=a.warmup,
        )
    )
    rows += rows_for("stub model", stub, a.users, a.channels)
    from tests.tiny_llm import make_tiny_chat

    tiny = asyncio.run(
        simulate(
            make_tiny_chat(),
            users=a.users,
            channels=a.channels,
            seconds=a.seconds,
            concurrency=min(a.concurrency, 20),
            adventure_share=a.adventure_share,
            warmup=a.warmup,
        )
    )
    rows += rows_for("tiny model", tiny, a.users, a.channels)
    rows.append(Row("peak RSS", peak_rss_mb(), "MB", ""))
    emit("load.py", rows)
    if stub["errors"] or tiny["errors"]:
        raise SystemExit("errors under load")


if __name__ == "__main__":
    main()
