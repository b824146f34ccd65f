"""Benchmark of the offline engine: every operation at 1024x1024, encoding included.

    python bench/engine.py [--reps 3] [--size 1024] [--format png] [--only SUBSTRING]

Each row is one operation through the public engine API (decode, paint, encode), timed end to end
on one image at a time; the table shows the median and the fastest wall-clock time, and the median
CPU time (all threads), which stays meaningful when other processes share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from easel.tools.engines.base import ImageJob, SourceImage  # noqa: E402
from easel.tools.engines.offline import OfflineEngine  # noqa: E402
from easel.tools.engines.offline.styles import PIPELINES  # noqa: E402

BUDGET_MS = 300.0

GENERATE = {
    "scene: neon city": "futuristic cityscape at night with neon lights",
    "scene: mountain lake": "a mountain lake at sunset",
    "scene: snowy forest": "snowy pine forest in winter",
    "scene: desert aurora": "desert dunes at night under the northern lights",
    "scene: foggy hills": "a foggy morning over rolling hills",
    "logo": 'minimalist logo for a coffee shop called "Brew"',
    "icon set": "icon set for a mobile app — home, search, profile, settings",
    "icon set (12)": "icon set: heart, star, bell, mail, camera, cart, chat, calendar, lock, trash, share, play",
    "diagram": "technical diagram showing a load balancer architecture",
}
EDITS = {
    "snow": "add falling snow",
    "rain": "make it rainy",
    "fog": "add fog",
    "night": "make it night",
    "black and white": "make it black and white",
    "sepia": "sepia",
    "darker": "make it darker",
    "more contrast": "more contrast",
    "blur": "blur it",
    "rainbow": "add a rainbow",
    "text": "add the text 'Hello from Easel'",
    "rotate 90": "rotate 90 degrees",
    "rotate 30": "rotate 30 degrees",
    "flip": "flip horizontally",
    "crop square": "crop to square",
    "resize 512": "resize to 512x512",
    "autumn": "give it autumn colours",
    "three edits": "add snow, make it darker and add the text 'Winter'",
}
COMPOSE = {
    "side by side": "side by side",
    "stack": "stack them top and bottom",
    "blend": "blend them",
    "picture in picture": "picture in picture",
    "grid (4)": "a collage grid",
}


async def _time(engine: OfflineEngine, job: ImageJob, reps: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per run. CPU time (all threads of this process) does not grow
    when other processes compete for the cores, so it shows the real cost on a busy machine."""
    runs, cpu = [], []
    for i in range(reps + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        if job.operation == "generate":
            await engine.generate(job)
        elif job.operation == "compose":
            await engine.compose(job)
        else:
            await engine.edit(job)
        if i:  # the first run warms caches (fonts, glyphs, lookup tables)
            runs.append((time.perf_counter() - start) * 1000.0)
            cpu.append((time.process_time() - start_cpu) * 1000.0)
    return runs, cpu


async def main(reps: int, size: int, fmt: str, only: str) -> int:
    engine = OfflineEngine(max_workers=1)
    photo_job = ImageJob("generate", "a mountain lake with a forest at sunset", width=size, height=size, seed=7)
    photo = (await engine.generate(photo_job)).images[0].data
    city = await engine.generate(ImageJob("generate", "a city skyline by day", width=size, height=size, seed=3))
    src = SourceImage("photo", photo, "image/png", "photo.png", size, size)
    src2 = SourceImage("city", city.images[0].data, "image/png", "city.png", size, size)
    common = {"output_format": fmt, "seed": 1}
    jobs: list[tuple[str, ImageJob]] = []
    jobs += [(f"generate {k}", ImageJob("generate", p, width=size, height=size, **common)) for k, p in GENERATE.items()]
    jobs += [
        (f"style {name}", ImageJob("style_transfer", "", style=name, sources=(src,), **common)) for name in PIPELINES
    ]
    jobs += [(f"edit {k}", ImageJob("edit", p, sources=(src,), **common)) for k, p in EDITS.items()]
    jobs += [
        (
            f"compose {k}",
            ImageJob("compose", p, sources=(src, src2) if "4" not in k else (src, src2, src, src2), **common),
        )
        for k, p in COMPOSE.items()
    ]
    jobs = [(label, job) for label, job in jobs if only in label]
    print(f"offline engine, {size}x{size}, {fmt}, median of {reps} (after one warm-up), budget {BUDGET_MS:.0f} ms")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'operation':34s} {'median ms':>10s} {'min ms':>8s} {'cpu ms':>8s}")
    over = 0
    for label, job in jobs:
        runs, cpu = await _time(engine, job, reps)
        med = statistics.median(runs)
        over += med > BUDGET_MS
        flag = "  over budget" if med > BUDGET_MS else ""
        print(f"{label:34s} {med:10.0f} {min(runs):8.0f} {statistics.median(cpu):8.0f}{flag}")
    print(
        f"{len(jobs) - over}/{len(jobs)} operations within {BUDGET_MS:.0f} ms; "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other processes skew timings)"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--format", default="png", choices=["png", "jpeg", "webp"])
    parser.add_argument("--only", default="", help="run only operations whose label contains this")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.reps, args.size, args.format, args.only)))
