"""Summaries every benchmark shares: median, p95, p99 (linear interpolation between ranks), and the
CPU each process used over a stretch of wall time, which shows who was busy (and that the load generator
was not the bottleneck)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.procs import TICK, Proc


def summary(values: Iterable[float]) -> dict[str, float]:
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if not data.size:
        return {
            "n": 0,
            "median": math.nan,
            "p95": math.nan,
            "p99": math.nan,
            "mean": math.nan,
            "max": math.nan,
        }
    p50, p95, p99 = np.percentile(data, [50, 95, 99])
    return {
        "n": int(data.size),
        "median": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "mean": float(data.mean()),
        "max": float(data.max()),
    }


def median(values: Sequence[float]) -> float:
    return summary(values)["median"]


@dataclass
class CpuWindow:
    """CPU seconds used by each watched process (and by this one) between start() and stop()."""

    procs: dict[str, Proc]
    wall_s: float = 0.0
    _t0: float = 0.0
    _cpu0: dict[str, float] | None = None
    used: dict[str, float] | None = None

    def _now(self) -> dict[str, float]:
        cpu = {name: p.cpu_s() for name, p in self.procs.items() if p.alive()}
        cpu["client"] = time.process_time()
        cpu["machine"] = machine_busy_s()
        return cpu

    def start(self) -> CpuWindow:
        self._t0, self._cpu0 = time.perf_counter(), self._now()
        return self

    def stop(self) -> dict[str, float]:
        """Share of one core each process used (1.0 = one core busy the whole time)."""
        self.wall_s = time.perf_counter() - self._t0
        end = self._now()
        assert self._cpu0 is not None
        self.used = {k: round((end[k] - self._cpu0[k]) / self.wall_s, 3) for k in end if k in self._cpu0}
        # Whatever else ran on the machine meanwhile (other jobs): noise the numbers carry.
        self.used["others"] = round(max(self.used.pop("machine") - sum(self.used.values()), 0.0), 3)
        return self.used


def machine_busy_s() -> float:
    """CPU seconds all cores spent not idle since boot (/proc/stat's first line)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK
