"""Start-up: from spawning `easel serve` to `/healthz` answering (liveness) and to `/readyz` answering 200
(readiness: the model libraries loaded), and the first chat turn served (a streamed turn against the fake
upstream). Each repetition starts the server twice on fresh data directories: once with the turn sent the
moment /healthz answers (it waits for litellm, which is imported in a thread after start), once with the
turn sent the moment /readyz answers (as behind a load balancer that routes to ready servers only); and each
of the two again on its own directory (a restart). A fresh directory is the first start (store created,
default account and key made)."""

from __future__ import annotations

import asyncio
import json
import math
import time
from pathlib import Path
from typing import Any

from bench.client import Conn, StreamTimes, easel_text, stream, workspace_of
from bench.procs import Easel, Proc, answers, start_easel
from bench.stats import summary

READY_POLL_S = 0.01  # /readyz is polled every 10 ms: each poll is a request the starting server answers
FIGURES = ("healthz_s", "readyz_s", "first_text_s", "first_turn_s", "turn_after_healthz_s", "turn_after_readyz_s",
           "healthz_cpu_s", "readyz_cpu_s")


async def wait_ready(easel: Easel, deadline_s: float = 180) -> float:
    """Seconds from spawn to /readyz answering 200 (a deadline, not a timing: loaded machines are slow)."""
    while not answers(easel.port, "/readyz"):
        if not easel.alive() or time.perf_counter() - easel.started_at > deadline_s:
            raise RuntimeError(f"easel never became ready:\n{easel.tail()}")
        await asyncio.sleep(READY_POLL_S)
    return time.perf_counter() - easel.started_at


async def first_turn(easel: Easel) -> StreamTimes:
    body = json.dumps(
        {"messages": [{"role": "user", "content": "hi"}], "workspace_id": easel.workspace_id, "stream": True}
    ).encode()
    conn = await Conn.open("127.0.0.1", easel.port)
    try:
        times = await stream(conn, "/v1/chat", body, easel.headers, StreamTimes(easel_text, b'"type":"error"'))
    finally:
        conn.close()
    if times.errors:
        raise RuntimeError(f"the first turn failed: {times.error}")
    return times


async def one_start(
    work: Path, upstream: Proc, name: str, first_turn_at: str | None = "healthz"
) -> dict[str, float]:
    """One start; `first_turn_at` is "healthz" (the turn sent the moment /healthz answers), "readyz" (the
    moment /readyz answers 200) or None (no turn: the server is killed once /healthz answers)."""
    nan = math.nan
    out = dict.fromkeys(FIGURES, nan)
    easel = start_easel(work, upstream.port, name=name)
    try:
        out["healthz_s"] = healthz = easel.healthz_s
        # The server's own CPU seconds (all threads) by then: what the start costs, whatever else the machine ran.
        out["healthz_cpu_s"] = easel.cpu_s()
        if first_turn_at is None:
            # A graceful stop would wait for litellm's import (seconds) to finish; nothing here needs it.
            easel.popen.kill()
            return out
        easel.workspace_id = await workspace_of(easel)
        if first_turn_at == "readyz":
            out["readyz_s"] = ready = await wait_ready(easel)
            out["readyz_cpu_s"] = easel.cpu_s()
            times = await first_turn(easel)
            out["turn_after_readyz_s"] = times.t_end - easel.started_at - ready
        else:
            times = await first_turn(easel)
            # t_start/t_end are perf_counter stamps, as is easel.started_at: all from one clock.
            out["first_text_s"] = times.t_first_text - easel.started_at
            out["first_turn_s"] = times.t_end - easel.started_at
            out["turn_after_healthz_s"] = out["first_turn_s"] - healthz
        return out
    finally:
        easel.stop()


async def run(
    work: Path, upstream: Proc, reps: int, restarts: bool = True, first_turn: bool = True
) -> dict[str, Any]:
    fresh: list[dict[str, float]] = []
    restart: list[dict[str, float]] = []
    kinds = ("healthz", "readyz") if first_turn else (None,)
    for i in range(reps):
        for kind in kinds:
            name = f"start-{i}" if kind != "readyz" else f"ready-{i}"
            fresh.append(await one_start(work, upstream, name, kind))
            if restarts:
                await asyncio.sleep(0.2)
                restart.append(await one_start(work, upstream, name, kind))  # the same store again
    out: dict[str, Any] = {}
    for label, runs in (("first start (empty store)", fresh), ("restart (existing store)", restart)):
        if runs:
            # Spawn to /healthz counts every start; the other figures only the starts that measured them.
            out[label] = {k: summary([r[k] * 1000 for r in runs]) for k in FIGURES}
    return out
