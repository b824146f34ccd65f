"""The benchmarks start: `bench/run.py --smoke` runs its tiny subset (the fake upstream, one Easel, a few
direct and Easel turns, one upload and download, a short list) and writes its results. No benchmark
numbers are checked here; `make bench` is where they are measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_runs_and_writes_results(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "bench/run.py", "--smoke", "--results-dir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    [written] = list(tmp_path.glob("*-smoke.json"))
    results = json.loads(written.read_text())
    systems = results["overhead"]["c1"]["systems"]
    assert set(systems) == {"direct", "direct, kept", "easel"}
    assert all(s["errors"] == 0 and s["n"] == 3 for s in systems.values()), systems
    assert results["space"]["throughput"][0]["upload_mb_s"]["n"] == 1
    assert results["space"]["list"]["pages"]["first page, 10 files"]["n"] == 3
