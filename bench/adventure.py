"""Time per postcard on each image path, and throughput through the job queue under 20 users.

Paths: the offline illustrated renderer, and diffusers with a tiny random pipeline built from
configs (no real weights ship in any package; the point is the pipeline's own overhead).
"""

from __future__ import annotations

import argparse
import asyncio
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


def time_path(maker, avatar, n: int, out_dir: Path) -> list[float]:
    """Seconds per postcard for `n` landmarks."""
    return time_group(maker, [avatar], n, out_dir)


def time_group(maker, avatars: list, n: int, out_dir: Path) -> list[float]:
    """Seconds per postcard of all `avatars` together (a group trip when there are eight), for `n` landmarks."""
    cat = Catalogue.load().all()
    times = []
    for i in range(n):
        lm = cat[i % len(cat)]
        t0 = time.perf_counter()
        maker(lm, avatars, now_utc=NOW, seed=i, fmt="1:1", lang="en", out_path=out_dir / f"{i}.jpg")
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
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.n, a.users, a.per_user = 3, 4, 1
    from generators.images.cartoon import CartoonAvatarGenerator
    from generators.images.illustrated import IllustratedRenderer
    from generators.images.scenes import SceneMaker

    avatar = CartoonAvatarGenerator()("long brown hair, glasses", seed=1).image
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        offline = SceneMaker(IllustratedRenderer(), size=1024)
        times = time_path(offline, avatar, a.n, out)
        rows += [
            Row(
                "offline postcard p50",
                percentile(times, 50) * 1000,
                "ms",
                "1024 px scene -> 1080 px postcard",
            ),
            Row("offline postcard p95", percentile(times, 95) * 1000, "ms", f"{a.n} landmarks"),
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
