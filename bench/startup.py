"""Start-up: from spawning `easel serve` to `/healthz` answering, and to the first chat turn served (a
streamed turn against the fake upstream, sent the moment /healthz answers; it waits for litellm, which is
imported in a thread after start). Measured on a fresh data directory (the first start: store created,
default account and key made) and on the same directory again (a restart)."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

from bench.client import Conn, StreamTimes, easel_text, stream, workspace_of
from bench.procs import Proc, start_easel
from bench.stats import summary


async def one_start(work: Path, upstream: Proc, name: str, first_turn: bool = True) -> dict[str, float]:
    easel = start_easel(work, upstream.port, name=name)
    try:
        healthz = easel.healthz_s
        if not first_turn:
            # A graceful stop would wait for litellm's import (seconds) to finish; nothing here needs it.
            easel.popen.kill()
            return {"healthz_s": healthz, "first_text_s": math.nan, "first_turn_s": math.nan}
        easel.workspace_id = await workspace_of(easel)
        body = json.dumps(
            {
                "messages": [{"role": "user", "content": "hi"}],
                "workspace_id": easel.workspace_id,
                "stream": True,
            }
        ).encode()
        conn = await Conn.open("127.0.0.1", easel.port)
        times = await stream(
            conn, "/v1/chat", body, easel.headers, StreamTimes(easel_text, b'"type":"error"')
        )
        conn.close()
        if times.errors:
            raise RuntimeError(f"the first turn failed: {times.error}")
        # t_start/t_end are perf_counter stamps, as is easel.started_at: all from one clock.
        return {
            "healthz_s": healthz,
            "first_text_s": times.t_first_text - easel.started_at,
            "first_turn_s": times.t_end - easel.started_at,
        }
    finally:
        easel.stop()


async def run(
    work: Path, upstream: Proc, reps: int, restarts: bool = True, first_turn: bool = True
) -> dict[str, Any]:
    fresh: list[dict[str, float]] = []
    restart: list[dict[str, float]] = []
    for i in range(reps):
        fresh.append(await one_start(work, upstream, f"start-{i}", first_turn))
        if restarts:
            await asyncio.sleep(0.2)
            restart.append(await one_start(work, upstream, f"start-{i}", first_turn))  # the same store again
    out: dict[str, Any] = {}
    for label, runs in (("first start (empty store)", fresh), ("restart (existing store)", restart)):
        if runs:
            out[label] = {
                k: summary([r[k] * 1000 for r in runs]) for k in ("healthz_s", "first_text_s", "first_turn_s")
            }
    return out
