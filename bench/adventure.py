"""Time per postcard on each image path, and throughput through the job queue under 20 users.

Paths: the offline illustrated renderer (drawn landmarks, and generic places drawn by kind), and
diffusers with a tiny random pipeline built from configs (no real weights ship in any package; the
point is the pipeline's own overhead). The diffusers postcard is measured against bare calls of the
same two pipelines (text2img, then img2img on its output) with the same seed in the same run; then
again with each pipeline call slowed by a sleep to a GPU-like 2 s, where the whole postcard must take
at most 1.10x the bare calls. Wall times on a shared machine swing with its load; the CPU times of
this process are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Row, emit, peak_rss_mb, percentile

from bot.app import build_core
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from bot.settings import Settings
from generators.landmarks import Catalogue
from tests.outputs import RecordingOutput

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def time_motion(maker, avatar, n: int, out_dir: Path) -> tuple[list[float], list[float], list[int], str]:
    """Seconds (wall and CPU) and bytes per motion loop (render + encode) for `n` landmarks."""
    cat = Catalogue.load().all()
    walls, cpus, sizes, shape = [], [], [], ""
    for i in range(n):
        lm = cat[i % len(cat)]
        t0, c0 = time.perf_counter(), time.process_time()
        out = maker(
            lm, [avatar], now_utc=NOW, seed=i, fmt="1:1", lang="en", out_path=out_dir / f"m{i}{maker.suffix}"
        )
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        sizes.append(out.size_bytes)
        shape = f"{out.width}x{out.height}, {out.frames} frames at {out.fps} fps ({out.duration_s:.1f} s), {out.mime}"
    return walls, cpus, sizes, shape


def time_group(maker, avatars: list, n: int, out_dir: Path) -> list[float]:
    """Seconds per postcard of all `avatars` together (a group trip when there are eight), for `n` landmarks."""
    cat = Catalogue.load().all()
    times = []
    for i in range(n):
        lm = cat[i % len(cat)]
        t0 = time.perf_counter()
        maker(lm, avatars, now_utc=NOW, seed=i, fmt="1:1", lang="en", out_path=out_dir / f"g{i}.jpg")
        times.append(time.perf_counter() - t0)
    return times


def time_map(n: int, stops: int, out_dir: Path) -> tuple[float, list[float], list[float]]:
    """Seconds for the first travel map (outlines read, world drawn), then for `n` world maps of `stops`
    trips (the world's base map is cached) and `n` zoomed European maps (each a new region: not cached)."""
    from generators.images.worldmap import MapStop, render_travel_map

    cat = Catalogue.load().all()
    europe = [lm for lm in cat if lm.continent == "europe"]

    def trips(pool: list, start: int, count: int) -> list[MapStop]:
        picked = [pool[(start + k) % len(pool)] for k in range(count)]
        return [
            MapStop(lm.lat, lm.lon, lm.name("en"), NOW - timedelta(days=count - k))
            for k, lm in enumerate(picked)
        ]

    def timed(chosen: list[MapStop], name: str) -> float:
        t0 = time.perf_counter()
        render_travel_map(chosen, title="Bench", subtitle=name, lang="en", out_path=out_dir / f"{name}.jpg")
        return time.perf_counter() - t0

    cold = timed(trips(cat, 0, stops), "map-cold")
    world = [timed(trips(cat, i, stops), f"world{i}") for i in range(n)]
    # 4 to 11 European places, a different set each time, so every map is a new region.
    region = [timed(trips(europe, i, 4 + i % 8), f"region{i}") for i in range(n)]
    return cold, world, region


def time_path(
    maker, avatar, n: int, out_dir: Path, places=None, cpu: list[float] | None = None, first: int = 0
) -> list[float]:
    """Seconds per postcard for `n` landmarks (the catalogue's, or `places`) from index `first`, seeded
    by index; CPU seconds into `cpu`."""
    cat = places or Catalogue.load().all()
    times = []
    for i in range(first, first + n):
        lm = cat[i % len(cat)]
        t0, c0 = time.perf_counter(), time.process_time()
        maker(lm, [avatar], now_utc=NOW, seed=i, fmt="1:1", lang="en", out_path=out_dir / f"{i}.jpg")
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return times


def generic_places() -> list:
    """The gazetteer-shaped places without a drawn landmark, dealt round-robin by kind."""
    from gallery import generic_order

    from tests.generic_places import city

    return [city(row) for row in generic_order()]


class Slowed:
    """A pipeline whose every call first sleeps `seconds`: a stand-in for a GPU's denoising time."""

    def __init__(self, pipe, seconds: float) -> None:
        self.pipe = pipe
        self.seconds = seconds

    def __call__(self, *args, **kwargs):
        """Sleep, then run the real pipeline."""
        time.sleep(self.seconds)
        return self.pipe(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.pipe, name)


def bare_calls(pipe, landmark, *, seed: int, size: int, strength: float) -> float:
    """Seconds for the two pipeline calls a diffusers postcard makes, with the same arguments, and nothing else."""
    from generators.images.diffusion import NEGATIVE, round_size
    from generators.images.scenes import scene_size

    tod = landmark.time_of_day(NOW)
    prompt, negative = pipe.build_prompt(landmark, time_of_day=tod, now_utc=NOW)
    width, height = round_size(scene_size("1:1", size), pipe.size_multiple)
    t0 = time.perf_counter()
    image = pipe.text2img(
        prompt=prompt,
        negative_prompt=negative,
        width=width,
        height=height,
        num_inference_steps=pipe.steps,
        guidance_scale=pipe.guidance,
        generator=pipe._generator(seed),
        output_type="pil",
    ).images[0]
    pipe.img2img(
        prompt=prompt,
        negative_prompt=NEGATIVE,
        image=image,
        strength=strength,
        num_inference_steps=max(pipe.steps, math.ceil(1 / strength)),
        generator=pipe._generator(seed),
        output_type="pil",
    )
    return time.perf_counter() - t0


def postcard_vs_bare(
    maker, pipe, avatar, places, rounds: int, out_dir: Path
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Alternate a whole postcard and the bare pipeline calls for the same place and seed.

    Returns wall seconds of the postcards and of the bare calls, then the CPU seconds of each.
    """
    cards, bare, cards_cpu, bare_cpu = [], [], [], []
    for i in range(rounds):
        lm = places[i % len(places)]
        for which in (0, 1) if i % 2 else (1, 0):  # alternate which goes first, so drift hits both
            c0 = time.process_time()
            if which == 0:
                bare.append(bare_calls(pipe, lm, seed=i, size=maker.size, strength=maker.harmonise_strength))
                bare_cpu.append(time.process_time() - c0)
            else:
                t0 = time.perf_counter()
                maker(lm, [avatar], now_utc=NOW, seed=i, fmt="1:1", lang="en", out_path=out_dir / f"d{i}.jpg")
                cards.append(time.perf_counter() - t0)
                cards_cpu.append(time.process_time() - c0)
    return cards, bare, cards_cpu, bare_cpu


async def queue_throughput(users: int, per_user: int) -> tuple[float, int, float, float]:
    """Postcards/s with `users` concurrent users through the real core and job queue."""
    from core import InstantDialogue

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None, avatar_data_dir=Path(tmp), image_cooldown_s=0, image_queue_size=64
        )
        rt = await build_core(settings, dialogue=InstantDialogue())
        core = rt.core
        room = Channel("bench", "room", ChannelKind.GROUP)
        done = 0

        async def user(i: int) -> None:
            nonlocal done
            u = User("bench", str(i), f"user{i}")
            for k in range(per_user):
                out = RecordingOutput()
                await core.handle(
                    IncomingMessage(u, room, f"/adventure paris seed:{k}", mentions_bot=True), out
                )
                done += len(out.images)

        t0 = time.perf_counter()
        await asyncio.gather(*(user(i) for i in range(users)))
        took = time.perf_counter() - t0
        q = rt.adventures.queue.stats
        waits = list(q.waits)
        await rt.aclose()
    return done / took, done, percentile(waits, 50), q.max_depth


def cat_first():
    """The first landmark (the warm-up loop's place)."""
    return Catalogue.load().all()[0]


def main() -> None:
    """Measure and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=20, help="postcards per path")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--per-user", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=16, help="postcard vs bare-call pairs, tiny pipeline")
    ap.add_argument("--slow-rounds", type=int, default=5, help="pairs with the pipelines slowed")
    ap.add_argument("--gpu-s", type=float, default=2.0, help="seconds each slowed pipeline call sleeps")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.n, a.users, a.per_user, a.rounds, a.slow_rounds = 3, 4, 1, 2, 1
    from generators.images.cartoon import CartoonAvatarGenerator
    from generators.images.illustrated import IllustratedRenderer
    from generators.images.scenes import SceneMaker

    avatar = CartoonAvatarGenerator()("long brown hair, glasses", seed=1).image
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        offline = SceneMaker(IllustratedRenderer(), size=1024)
        places = generic_places()
        cpu: list[float] = []
        gcpu: list[float] = []
        times: list[float] = []
        gtimes: list[float] = []
        for i in range(a.n):  # drawn and generic alternate, so both see the same machine load
            times += time_path(offline, avatar, 1, out, cpu=cpu, first=i)
            gtimes += time_path(offline, avatar, 1, out, places=places, cpu=gcpu, first=i)
        rows += [
            Row(
                "offline postcard p50",
                percentile(times, 50) * 1000,
                "ms",
                "1024 px scene -> 1080 px postcard",
            ),
            Row("offline postcard p95", percentile(times, 95) * 1000, "ms", f"{a.n} drawn landmarks"),
            Row("offline postcard CPU p95", percentile(cpu, 95) * 1000, "ms", "same run, this process"),
            Row(
                "generic postcard p50", percentile(gtimes, 50) * 1000, "ms", "same run, places drawn by kind"
            ),
            Row(
                "generic postcard p95",
                percentile(gtimes, 95) * 1000,
                "ms",
                f"{a.n} generic places, all kinds",
            ),
            Row("generic postcard CPU p95", percentile(gcpu, 95) * 1000, "ms", "target <= 300 ms"),
        ]
        cold, world, region = time_map(a.n, 30, out)
        rows += [
            Row("travel map p50", percentile(world, 50) * 1000, "ms", "world, 30 stops, 1440x1080 JPEG"),
            Row("travel map p95", percentile(world, 95) * 1000, "ms", "target < 500 ms"),
            Row("zoomed travel map p95", percentile(region, 95) * 1000, "ms", "Europe, 4-11 stops, uncached"),
            Row("travel map first", cold * 1000, "ms", "reads the Natural Earth outlines once"),
        ]
        looks = ["long brown hair, glasses", "short black hair", "red hoodie", "blonde ponytail", "beard",
                 "green cap", "pink hair", "blue jacket"]  # fmt: skip
        group = [CartoonAvatarGenerator()(d, seed=i).image for i, d in enumerate(looks)]
        times = time_group(offline, group, a.n, out)
        rows += [
            Row(
                "group postcard, 8 avatars, offline p50",
                percentile(times, 50) * 1000,
                "ms",
                "a /trip departure",
            ),
            Row(
                "group postcard, 8 avatars, offline p95",
                percentile(times, 95) * 1000,
                "ms",
                f"goal <= 500 ms; {a.n} landmarks; 1 avatar: offline postcard p95 above",
            ),
        ]
        from generators.images.motion import MotionMaker

        motion = MotionMaker.from_scenes(offline)
        motion(
            cat_first(),
            [avatar],
            now_utc=NOW,
            seed=0,
            fmt="1:1",
            lang="en",
            out_path=out / f"w{motion.suffix}",
        )
        walls, cpus, sizes, shape = time_motion(motion, avatar, a.n, out)
        rows += [
            Row("motion loop p50", percentile(walls, 50) * 1000, "ms", "render + encode, " + shape),
            Row("motion loop p95", percentile(walls, 95) * 1000, "ms", "beside the offline postcard p95"),
            Row(
                "motion loop CPU p95",
                percentile(cpus, 95) * 1000,
                "ms",
                "this process's CPU time (shared cores)",
            ),
            Row(
                "motion loop size p95",
                percentile([float(b) for b in sizes], 95) / 1024,
                "KB",
                "goal <= 2048 KB",
            ),
        ]
        from generators.images.diffusion import DiffusionScenePipeline
        from tests.tiny_diffusers import save_tiny_pipeline

        tiny_dir = save_tiny_pipeline(out / "tiny-sd")
        pipe = DiffusionScenePipeline.from_pretrained(str(tiny_dir), steps=2)
        diff = SceneMaker(pipe, harmoniser=pipe, size=64)
        times = time_path(diff, avatar, a.n, out)
        rows += [
            Row(
                "tiny diffusers postcard p50",
                percentile(times, 50) * 1000,
                "ms",
                "64 px, 2 steps + img2img, random weights",
            ),
            Row(
                "tiny diffusers postcard p95",
                percentile(times, 95) * 1000,
                "ms",
                "same run as the offline path",
            ),
        ]
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.set_verbosity_error()  # the tiny tokenizer truncates long prompts; not news here
        postcard_vs_bare(diff, pipe, avatar, places, 1, out)  # warm both paths up first
        cards, bare, cards_cpu, bare_cpu = postcard_vs_bare(diff, pipe, avatar, places, a.rounds, out)
        # Median of the per-pair differences: each pair ran back to back, so load swings mostly cancel.
        added = statistics.median(c - b for c, b in zip(cards, bare, strict=True))
        added_cpu = statistics.median(c - b for c, b in zip(cards_cpu, bare_cpu, strict=True))
        rows += [
            Row(
                "tiny diffusers bare calls p50",
                statistics.median(bare) * 1000,
                "ms",
                "text2img + img2img, same args",
            ),
            Row(
                "postcard path adds (tiny)",
                added * 1000,
                "ms",
                f"median pair difference of {a.rounds}, same seeds",
            ),
            Row("postcard path adds, CPU", added_cpu * 1000, "ms", "process CPU time, same pairs"),
        ]
        pipe.text2img, pipe.img2img = Slowed(pipe.text2img, a.gpu_s), Slowed(pipe.img2img, a.gpu_s)
        cards, bare, _, _ = postcard_vs_bare(diff, pipe, avatar, places, a.slow_rounds, out)
        ratio = statistics.median(c / b for c, b in zip(cards, bare, strict=True))  # per back-to-back pair
        rows += [
            Row(
                f"bare calls at {a.gpu_s:g} s/call", statistics.median(bare) * 1000, "ms", "two calls, slowed"
            ),
            Row(
                "whole postcard, slowed",
                statistics.median(cards) * 1000,
                "ms",
                "same pipelines and seeds, p50",
            ),
            Row(
                "postcard / bare calls",
                ratio,
                "x",
                f"median pair ratio of {a.slow_rounds}, must be <= 1.10: {'ok' if ratio <= 1.10 else 'OVER'}",
            ),
        ]
    rate, done, wait_p50, depth = asyncio.run(queue_throughput(a.users, a.per_user))
    rows += [
        Row("queue throughput", rate, "cards/s", f"{a.users} concurrent users, offline path, 1 worker"),
        Row("postcards delivered", done, "cards", f"asked {a.users * a.per_user}"),
        Row("queue wait p50", wait_p50 * 1000, "ms", f"max depth {depth}"),
        Row("peak RSS", peak_rss_mb(), "MB", ""),
    ]
    emit("adventure.py", rows)


if __name__ == "__main__":
    main()
