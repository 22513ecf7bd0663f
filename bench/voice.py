"""Voice benchmark: the default engine's real-time factor, time to first audio for a 200-character
caption, file size per second of speech, and peak RSS.

Real-time factor = wall time to synthesise and encode / seconds of speech (aim: at most 0.3).
eSpeak NG does not stream, so the first audio is the whole voice note: its time to first audio is
the time from the caption to finished OGG/Opus bytes.
"""

from __future__ import annotations

import argparse
import time

from common import Row, emit, mean, peak_rss_mb, percentile

from generators.voice.pipeline import VoiceOptions, VoicePipeline
from generators.voice.style import VoiceStyle

CAPTION_EN = (
    "Greetings from the Eiffel Tower, travel buddy! The iron lady glitters on the hour tonight, "
    "the Seine smells of rain and warm crepes, and I just bought a postcard for you. Wish you were here!"
)
CAPTION_ZH = (
    "旅伴你好！我在埃菲尔铁塔给你寄明信片。今晚铁塔每个整点都会闪闪发光，塞纳河边飘着雨后的清香和热可丽饼的味道。"
    "我刚刚在小摊上买了一张明信片，真希望你也在这儿！明天我们去卢浮宫看蒙娜丽莎，再去蒙马特高地看日落吧！"
)
STYLE = VoiceStyle(id="f3", speed=1.08, pitch=1.25)  # Luna's voice


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=10, help="syntheses per language")
    ap.add_argument("--smoke", action="store_true", help="two rounds")
    args = ap.parse_args()
    rounds = 2 if args.smoke else args.rounds

    t0 = time.perf_counter()
    pipe = VoicePipeline.from_options(VoiceOptions())
    load_s = time.perf_counter() - t0
    pipe(CAPTION_EN[:40], style=STYLE)  # warm the imports and the page cache

    rows = [Row("engine", pipe.name, "", f"{len(pipe.engine.voices())} voices"), Row("load", load_s, "s")]
    speech_s = wall_s = audio_bytes = 0.0
    for label, caption in (("en", CAPTION_EN[:200]), ("zh", CAPTION_ZH[:100])):
        first: list[float] = []
        for i in range(rounds):
            started = time.perf_counter()
            out = pipe(caption, style=STYLE, seed=i)
            took = time.perf_counter() - started
            first.append(took)
            speech_s += out.duration_s
            wall_s += took
            audio_bytes += len(out.audio)
        rows += [
            Row(
                f"time to first audio, {len(caption)}-char {label} caption p50",
                percentile(first, 50),
                "s",
                f"{out.duration_s:.1f} s of speech",
            ),
            Row(f"time to first audio, {label} p95", percentile(first, 95), "s", f"mean {mean(first):.3f} s"),
        ]
    rows += [
        Row("real-time factor", wall_s / speech_s, "x", "aim <= 0.3"),
        Row("file size per second of speech", audio_bytes / speech_s / 1000, "kB/s", "OGG/Opus 48 kHz mono"),
        Row("peak RSS", peak_rss_mb(), "MB"),
    ]
    emit("voice.py", rows)


if __name__ == "__main__":
    main()
