"""Server CPU per streamed event, and the SSE response side by side: one Easel process per variant, the same
burst upstream (100 text chunks at once), measured in the same run.

    fast lane                      the default: OpenAI-wire streams read by agent/brains/openai_wire.py
    litellm lane                   EASEL_FAST_LANE=0: the same stream through litellm's wrapper
    fast lane, sse-starlette       the fast lane, the chat stream written by sse-starlette
                                   (bench/sse_starlette_stream.py) instead of agent/surfaces/sse.py

For each: first text at concurrency 1 (the variants take turns request by request; differences are taken
pair by pair against the first variant); CPU per event over a saturated run (32 workers, all threads of the
server, user + system time from /proc, divided by the events the client received); and, in a full run, the
memory each of 100 held streams adds (the held-streams method, one chunk per 100 ms).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench import overhead, streams
from bench.client import workspace_of
from bench.procs import Easel, Proc, start_easel
from bench.stats import median, summary

VARIANTS: dict[str, dict[str, str]] = {
    "fast lane": {},
    "litellm lane": {"EASEL_FAST_LANE": "0"},
    "fast lane, sse-starlette": {"EASEL_BENCH_SSE": "starlette"},
}
BASE = "fast lane"


async def saturated(easel: Easel, workers: int, turns: int) -> dict[str, float]:
    target = overhead.easel_target(easel)
    await overhead.sequential({"warm": target}, 3)
    cpu_before, started = easel.cpu_s(), time.perf_counter()

    async def worker(w: int) -> list[Any]:
        return [await target(w) for _ in range(turns)]

    results = [t for ts in await asyncio.gather(*(worker(w) for w in range(workers))) for t in ts]
    wall, cpu = time.perf_counter() - started, easel.cpu_s() - cpu_before
    target.close()
    events = sum(t.events for t in results)
    return {"cpu_us_per_event": round(cpu / max(events, 1) * 1e6, 1), "events": events,
            "turns_per_s": round(len(results) / wall, 2), "server_cores": round(cpu / wall, 2),
            "errors": sum(1 for t in results if t.errors)}


async def held_memory(work: Path, up: Proc, env: dict[str, str], slug: str, n: int = 100) -> dict[str, Any]:
    easel, probe_out = await streams._server(work, up, n, 4.0, f"mem-{slug}", env=env)
    try:
        row = await streams.held(easel, up, n, 4.0, probe_out)
    finally:
        easel.stop(grace_s=30)
    return {k: row[k] for k in ("kb_per_stream", "open_mid_window", "errors", "hung_up_by_client", "gap_ms")}


async def run(work: Path, up: Proc, *, n1: int, turns: int, memory: bool) -> dict[str, Any]:
    servers: dict[str, Easel] = {}
    try:
        for name, env in VARIANTS.items():
            slug = name.replace(", ", "-").replace(" ", "-")
            servers[name] = easel = start_easel(work, up.port, probe=True, env=env, name=f"pe-{slug}")
            easel.workspace_id = await workspace_of(easel)
        targets = {name: overhead.easel_target(e) for name, e in servers.items()}
        await overhead.sequential(targets, 5)
        c1 = await overhead.sequential(targets, n1)
        for target in targets.values():
            target.close()
        out: dict[str, Any] = {}
        base = c1.times[BASE]
        for name, easel in servers.items():
            times = c1.times[name]
            diffs = [a.ttft_ms - b.ttft_ms for a, b in zip(times, base, strict=False) if not a.errors and not b.errors]
            out[name] = {"ttft_ms": summary(t.ttft_ms for t in times),
                         "ttft_diff_ms": median(diffs) if name != BASE else 0.0,
                         "c1_errors": sum(1 for t in times if t.errors),
                         **await saturated(easel, 32, turns)}
    finally:
        for easel in servers.values():
            easel.stop()
    if memory:
        for name, env in VARIANTS.items():
            if name != "litellm lane":
                out[name]["held_100"] = await held_memory(work, up, env, name.replace(", ", "-").replace(" ", "-"))
    return out
