"""Benchmark of the offline animator: 4 s clips at 1280x720, 24 fps, from painted stills.

    python bench/animator.py [--reps 3] [--seconds 4]     # alone; `make bench` runs it as its section "animator"

Each job runs in a fresh process so its peak memory is its own: the row shows the median and fastest
wall-clock time, the median CPU time (all threads), and the peak RSS the job added to the process. The load
average at the start and end goes into bench/results/animator.json with the rows: on a shared machine it,
not the animator, sets most of the wall-clock time. The
baseline does the same encoding of the same number of frames with nothing moving (the still, 96 times),
so "x encode" says what the motion costs on top of the encoder. Targets: <= 3 s median, <= 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIPS = {
    "neon city, zoom": ("A futuristic cityscape at night with neon lights", "slow zoom in"),
    "mountain lake, pan": ("A mountain lake at sunrise with clouds", "pan right"),
    "snowy village, snow": ("A quiet village street in winter", "static camera, snow falling"),
    "rainy harbour, rain": ("A harbour with boats", "rain, zoom out"),
}

ONE_JOB = r"""
import asyncio, json, resource, sys, time
import numpy as np
from easel.tools.engines.animator import OfflineAnimator, VideoJob
from easel.tools.engines.animator.encode import encode_mp4
from easel.tools.engines.base import ImageJob
from easel.tools.engines.offline import OfflineEngine
import io
from PIL import Image
still_prompt, motion, seconds, baseline = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
still = asyncio.run(OfflineEngine().generate(ImageJob(operation="generate", prompt=still_prompt, width=1280,
                                                      height=720, seed=1))).images[0].data
rgb = np.asarray(Image.open(io.BytesIO(still)).convert("RGB"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
if baseline:
    encode_mp4((rgb for _ in range(seconds * 24)), size=(1280, 720), fps=24)
else:
    OfflineAnimator().animate_sync(VideoJob(prompt=motion, still=still, seconds=seconds, seed=7))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_added_mb": (peak - before) / 1024, "peak_mb": peak / 1024}))
"""


def run_one(still: str, motion: str, seconds: int, baseline: bool) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", ONE_JOB, still, motion, str(seconds), "1" if baseline else "0"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(reps: int = 3, seconds: int = 4, *, echo: bool = False) -> dict[str, object]:
    """Every clip `reps` times beside its baseline; the rows and the machine's load around them."""
    # Wall-clock time on a shared machine is mostly the other processes' load: it is written beside the
    # figures, with the CPU time (all threads) that does not depend on it.
    load_before = os.getloadavg()
    if echo:
        print(f"load average {load_before[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'clip':24} {'median s':>9} {'best s':>7} {'cpu s':>6} {'x encode':>9} {'peak MB':>8}")
    rows: dict[str, object] = {}
    for name, (still, motion) in CLIPS.items():
        runs = [run_one(still, motion, seconds, False) for _ in range(reps)]
        base = [run_one(still, motion, seconds, True) for _ in range(reps)]
        med = statistics.median(r["wall_s"] for r in runs)
        ratio = med / statistics.median(b["wall_s"] for b in base)
        row = {"median_s": med, "best_s": min(r["wall_s"] for r in runs),
               "cpu_s": statistics.median(r["cpu_s"] for r in runs), "x_encode": ratio,
               "peak_added_mb": max(r["peak_added_mb"] for r in runs)}
        rows[name] = row
        if echo:
            print(f"{name:24} {row['median_s']:9.2f} {row['best_s']:7.2f} {row['cpu_s']:6.2f} {ratio:9.2f} "
                  f"{row['peak_added_mb']:8.0f}")
    load_after = os.getloadavg()
    if echo:
        print(f"load average {load_after[0]:.1f} at the end")
    rows["machine"] = {"cores": os.cpu_count(), "load_avg_1m_start": round(load_before[0], 2),
                       "load_avg_1m_end": round(load_after[0], 2), "reps": reps, "seconds": seconds}
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=4)
    args = ap.parse_args()
    rows = measure(args.reps, args.seconds, echo=True)
    out = ROOT / "bench" / "results" / "animator.json"
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
