"""Contact sheet of every landmark from the offline illustrated renderer, with per-image timing.

Usage: .venv/bin/python bench/gallery.py --size 1024 --time all [--aspect 4:5] [--avatar PATH]
Writes bench/out/gallery_<time>_<size>.png and prints p50/p95 render time per image.
With --generic: 40 places without a drawn landmark (every generic kind, both hemispheres, local times
from early morning to the small hours) on one sheet, bench/out/gallery_generic_<size>.png.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402

from bench.common import percentile  # noqa: E402
from generators.images.formats import DEFAULT_FORMAT, FORMAT_NAMES, FORMATS  # noqa: E402

TIMES = ("dawn", "day", "dusk", "night")


def when_for(landmark, target: str, day: datetime) -> datetime:
    """The middle of the longest run of 10-minute steps on `day` when the landmark's time of day is `target`."""
    steps = [day + timedelta(minutes=10 * k) for k in range(24 * 6)]
    hits = [landmark.time_of_day(t) == target for t in steps]
    best, run, best_end = 0, 0, 0
    for k, hit in enumerate(hits):
        run = run + 1 if hit else 0
        if run > best:
            best, best_end = run, k
    return steps[best_end - best // 2] if best else day


def paste_avatar(
    img: Image.Image, avatar: Image.Image, zone: tuple[int, int, int, int], ground_y: int
) -> None:
    """Scale the avatar to about 40% of the image height and stand it on ground_y in the zone."""
    h = int(img.height * 0.4)
    w = max(1, int(avatar.width * h / avatar.height))
    if w > zone[2] - zone[0]:
        w = max(1, zone[2] - zone[0])
        h = max(1, int(avatar.height * w / avatar.width))
    a = avatar.resize((w, h), Image.Resampling.LANCZOS)
    x = zone[0] + (zone[2] - zone[0] - w) // 2
    img.paste(a, (x, ground_y - h), a)


def main() -> None:
    """Render every landmark, build the sheet, print timings."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1024, help="render width in px")
    ap.add_argument("--time", choices=(*TIMES, "all"), default="day")
    ap.add_argument("--aspect", choices=FORMAT_NAMES, default=DEFAULT_FORMAT)
    ap.add_argument("--avatar", type=Path, default=None, help="RGBA image to stand in a free zone")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--thumb", type=int, default=256, help="thumbnail width on the sheet")
    ap.add_argument("--only", default="", help="comma-separated landmark ids")
    ap.add_argument("--boxes", action="store_true", help="outline landmark_box and free zones")
    ap.add_argument("--supersample", type=int, default=1, help="render at N x size, then downscale")
    ap.add_argument("--generic", action="store_true", help="40 generic places instead of the catalogue")
    a = ap.parse_args()
    if a.generic:
        generic_sheet(a)
        return

    from generators.images.illustrated import IllustratedRenderer
    from generators.landmarks import Catalogue

    renderer = IllustratedRenderer(supersample=a.supersample)
    landmarks = Catalogue.load().all()
    if a.only:
        wanted = set(a.only.split(","))
        landmarks = [lm for lm in landmarks if lm.id in wanted]
    aw, ah = FORMATS[a.aspect].ratio
    size = (a.size, round(a.size * ah / aw))
    avatar = Image.open(a.avatar).convert("RGBA") if a.avatar else None
    times = list(TIMES) if a.time == "all" else [a.time]
    day = datetime(2026, 6, 14, tzinfo=UTC)
    tw = a.thumb
    th = round(tw * size[1] / size[0])
    label_h = 16
    cols = len(times) * (2 if len(times) == 1 else 1)
    cols = max(cols, 8 if len(times) == 1 else 4)
    rows = -(-len(landmarks) * len(times) // cols)
    sheet = Image.new("RGB", (cols * tw, rows * (th + label_h)), (30, 30, 30))
    draw = ImageDraw.Draw(sheet)
    took: list[float] = []
    i = 0
    for lm in landmarks:
        for tod in times:
            now = when_for(lm, tod, day)
            t0 = time.perf_counter()
            out = renderer(lm, now_utc=now, seed=a.seed, size=size)
            took.append(time.perf_counter() - t0)
            img = out.image
            if avatar is not None and out.free_zones:
                paste_avatar(img, avatar, out.free_zones[0], out.ground_y)
            if a.boxes:
                d = ImageDraw.Draw(img)
                d.rectangle(out.landmark_box, outline=(255, 0, 0), width=3)
                for z in out.free_zones:
                    d.rectangle(z, outline=(0, 255, 0), width=2)
                d.line((0, out.ground_y, img.width, out.ground_y), fill=(255, 255, 0), width=2)
            x, y = (i % cols) * tw, (i // cols) * (th + label_h)
            sheet.paste(img.resize((tw, th), Image.Resampling.LANCZOS), (x, y + label_h))
            draw.text((x + 3, y + 2), f"{lm.id} {out.time_of_day} {out.weather}", fill=(230, 230, 230))
            i += 1
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"gallery_{a.time}_{a.size}_{a.aspect.replace(':', 'x')}.png"
    sheet.save(path)
    print(f"sheet: {path}")
    print(
        f"{len(took)} renders at {size[0]}x{size[1]}: p50 {percentile(took, 50) * 1000:.0f} ms, "
        f"p95 {percentile(took, 95) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms"
    )


# Local (month, hour) per place, cycled: both seasons, and dawn, day, dusk and night somewhere.
GENERIC_TIMES = ((7, 12), (1, 22), (7, 6), (1, 17), (7, 20), (1, 10), (7, 2), (1, 15), (7, 19), (1, 7))


def generic_order() -> list[tuple]:
    """The 40 places dealt round-robin by kind, so no two neighbours on the sheet share a kind."""
    from tests.generic_places import CITIES

    by_kind: dict[str, list[tuple]] = {}
    for row in CITIES:
        by_kind.setdefault(row[-1], []).append(row)
    out: list[tuple] = []
    while any(by_kind.values()):
        out += [rows.pop(0) for rows in by_kind.values() if rows]
    return out


def generic_sheet(a: argparse.Namespace) -> None:
    """Render the generic places with an avatar, build the contact sheet, print where and timings."""
    from generators.images.composite import composite_avatars
    from generators.images.fonts import font_for
    from generators.images.illustrated import IllustratedRenderer
    from tests.generic_places import at_local, city

    renderer = IllustratedRenderer(supersample=a.supersample)
    aw, ah = FORMATS[a.aspect].ratio
    size = (a.size, round(a.size * ah / aw))
    if a.avatar:
        avatar = Image.open(a.avatar).convert("RGBA")
    else:
        from generators.images.cartoon import CartoonAvatarGenerator

        avatar = CartoonAvatarGenerator()("long brown hair, glasses", seed=1).image
    rows = generic_order()
    tw, cols, label_h = a.thumb, 8, 16
    th = round(tw * size[1] / size[0])
    sheet = Image.new("RGB", (cols * tw, -(-len(rows) // cols) * (th + label_h)), (30, 30, 30))
    draw = ImageDraw.Draw(sheet)
    took: list[float] = []
    for i, row in enumerate(rows):
        place = city(row)
        month, hour = GENERIC_TIMES[i % len(GENERIC_TIMES)]
        now = at_local(place, month, hour)
        t0 = time.perf_counter()
        out = renderer(place, now_utc=now, seed=a.seed, size=size)
        took.append(time.perf_counter() - t0)
        img = composite_avatars(
            out.image,
            [avatar],
            landmark_box=out.landmark_box,
            ground_y=out.ground_y,
            light=out.light,
            free_zones=out.free_zones,
            seed=a.seed,
        ).image
        if a.boxes:
            d = ImageDraw.Draw(img)
            d.rectangle(out.landmark_box, outline=(255, 0, 0), width=3)
            d.line((0, out.ground_y, img.width, out.ground_y), fill=(255, 255, 0), width=2)
        x, y = (i % cols) * tw, (i // cols) * (th + label_h)
        sheet.paste(img.resize((tw, th), Image.Resampling.LANCZOS), (x, y + label_h))
        label = f"{row[1]} {row[-1].split('_')[0]} {out.time_of_day} {hour:02d}h {out.weather}"
        draw.text((x + 3, y + 1), label, fill=(230, 230, 230), font=font_for(label, 12))
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"gallery_generic_{a.size}_{a.aspect.replace(':', 'x')}.png"
    sheet.save(path)
    print(f"sheet: {path}")
    print(
        f"{len(took)} generic scenes at {size[0]}x{size[1]}: p50 {percentile(took, 50) * 1000:.0f} ms, "
        f"p95 {percentile(took, 95) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
