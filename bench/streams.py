"""Held streams: N chat streams open at once in one Easel process, against a slow upstream (one chunk
every 100 ms), for N = 100, 500, 1000, 2000.

Each N gets a fresh server (started through bench/probe.py), warmed by a few turns so litellm is imported
and its clients exist; its RSS is then the baseline. The client opens N connections and sends N turns at
once. Once every stream has had its first text (or the ramp deadline passes), the steady window starts:
the server's RSS is sampled, and the gaps between consecutive events of each stream are recorded (100 ms
is perfect). The streams then end by themselves; any still running after a bounded wait are hung up on by
the client (and counted). Two seconds later the server is measured again: RSS, open descriptors, threads
and asyncio tasks, which must be back where they started.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import time
from array import array
from pathlib import Path
from typing import Any

from bench.client import Conn, StreamTimes, easel_text, stream, workspace_of
from bench.procs import Easel, Proc, log_errors, start_easel
from bench.profile import fold, record
from bench.stats import CpuWindow, summary

DELAY_MS = 100
SETUP_MS_PER_STREAM = 8  # a generous guess at the server's CPU per turn start, to size the ramp
FINISH_WAIT_S = 20.0  # after the natural end of the streams, how long stragglers may take
SETTLE_S = 30.0  # after the last stream, how long the server may take to go idle


def probe(easel: Easel, out: Path) -> dict[str, Any]:
    out.unlink(missing_ok=True)
    os.kill(easel.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120  # tracemalloc snapshots of a big heap take a while
    while not out.exists() or not out.read_text().endswith("}"):
        if time.monotonic() > deadline:
            return {}
        time.sleep(0.02)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _state(easel: Easel, probe_out: Path) -> dict[str, Any]:
    found = probe(easel, probe_out)
    return {
        "rss_kb": easel.rss_kb(),
        "fds": easel.fds(),
        "threads": easel.threads(),
        "tasks": found.get("tasks"),
        "task_kinds": found.get("task_kinds"),
    }


async def settled(easel: Easel, limit_s: float = SETTLE_S) -> float:
    """Wait until the server is idle (under 2% of a core over half a second), or `limit_s`; returns the
    seconds waited. A server that fell behind is still working off its backlog after the last stream."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        before = easel.cpu_s()
        await asyncio.sleep(0.5)
        if easel.cpu_s() - before < 0.01:
            break
    return time.perf_counter() - started


def ramp_s(n: int) -> float:
    return n * SETUP_MS_PER_STREAM / 1000 + 2


def chunks_for(n: int, steady_s: float) -> int:
    return math.ceil((ramp_s(n) + steady_s + 1.5) * 1000 / DELAY_MS)


class Held:
    """N open streams and their connections."""

    def __init__(self, easel: Easel, n: int) -> None:
        self.easel, self.n = easel, n
        self.body = json.dumps(
            {
                "messages": [{"role": "user", "content": "Tell me a long story."}],
                "workspace_id": easel.workspace_id,
                "tools": ["image_gen"],
                "stream": True,
            }
        ).encode()
        self.times = [StreamTimes(easel_text, b'"type":"error"', stamps=array("d")) for _ in range(n)]
        self.conns: list[Conn] = []
        self.tasks: list[asyncio.Future[StreamTimes]] = []
        self.hung_up: set[int] = set()

    async def open(self) -> float:
        """Send all N turns; returns once all have text or the ramp deadline passed (seconds taken)."""
        started = time.perf_counter()
        for t in self.times:
            conn = await Conn.open("127.0.0.1", self.easel.port)
            self.conns.append(conn)
            self.tasks.append(
                asyncio.ensure_future(stream(conn, "/v1/chat", self.body, self.easel.headers, t))
            )
        while self.opened < self.n and time.perf_counter() - started < ramp_s(self.n):  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # a count across N streams, polled: cheaper than N callbacks
        return time.perf_counter() - started

    @property
    def opened(self) -> int:
        return sum(1 for t in self.times if t.t_first_text)

    async def finish(self, natural_s: float, grace_s: float = FINISH_WAIT_S) -> int:
        """Wait for the streams to end; hang up on those still running after that. Returns how many."""
        await asyncio.wait(self.tasks, timeout=max(natural_s + grace_s, 0.01))
        self.hung_up = {i for i, task in enumerate(self.tasks) if not task.done()}
        for i in self.hung_up:
            self.conns[i].close()
        if self.hung_up:
            await asyncio.wait(self.tasks, timeout=10)
        return len(self.hung_up)

    def open_at(self, moment: float) -> int:
        """Streams that had had text by `moment` and had not ended yet."""
        return sum(1 for t in self.times if t.t_first_text and t.t_first_text <= moment
                   and (not t.t_end or t.t_end >= moment))

    def max_open(self) -> int:
        """The most streams that were between their first and last event at the same moment."""
        edges = sorted(
            [(t.t_first_text, 1) for t in self.times if t.t_first_text]
            + [(t.t_end, -1) for t in self.times if t.t_first_text]
        )
        best = now = 0
        for _, step in edges:
            now += step
            best = max(best, now)
        return best

    def gaps(self, lo: float, hi: float) -> list[float]:
        gaps: list[float] = []
        for t in self.times:
            s = t.stamps
            assert s is not None
            gaps += [(s[i] - s[i - 1]) * 1000 for i in range(1, len(s)) if lo <= s[i - 1] and s[i] <= hi]
        return gaps

    def errors(self) -> tuple[int, dict[str, int]]:
        """Streams that failed on the server's side (those the client hung up on are counted apart)."""
        kinds: dict[str, int] = {}
        for i, t in enumerate(self.times):
            if t.errors and i not in self.hung_up:
                kinds[t.error[:160]] = kinds.get(t.error[:160], 0) + 1
        return sum(kinds.values()), kinds


async def held(easel: Easel, upstream: Proc, n: int, steady_s: float, probe_out: Path) -> dict[str, Any]:
    before = _state(easel, probe_out)
    streams = Held(easel, n)
    ramp = await streams.open()
    opened = streams.opened
    cpu = CpuWindow({"easel": easel, "upstream": upstream}).start()
    window_start, rss = time.perf_counter(), []
    while time.perf_counter() - window_start < steady_s:
        rss.append(easel.rss_kb())
        await asyncio.sleep(0.5)
    window_end = time.perf_counter()
    cpu_share, fds_open = cpu.stop(), easel.fds()
    hung_up = await streams.finish(chunks_for(n, steady_s) * DELAY_MS / 1000 - ramp - steady_s)
    settle_s = await settled(easel)
    after = _state(easel, probe_out)
    rss_open = sorted(rss)[len(rss) // 2]
    errors, kinds = streams.errors()
    open_mid = streams.open_at((window_start + window_end) / 2)
    return {
        "n": n,
        "errors": errors,
        "error_kinds": kinds,
        "hung_up_by_client": hung_up,
        "opened_in_ramp": opened,
        "ramp_s": round(ramp, 2),
        "max_open_at_once": streams.max_open(),
        "window_s": round(window_end - window_start, 2),
        "rss_baseline_kb": before["rss_kb"],
        "rss_open_kb": rss_open,
        "rss_after_kb": after["rss_kb"],
        "open_mid_window": open_mid,
        # Per stream that was open: when the server falls behind, many of the N never start.
        "kb_per_stream": round((rss_open - before["rss_kb"]) / max(open_mid, 1), 1),
        "gap_ms": summary(streams.gaps(window_start, window_end)),
        "events": sum(t.events for t in streams.times),
        "fds": {"before": before["fds"], "open": fds_open, "after": after["fds"]},
        "threads": {"before": before["threads"], "after": after["threads"]},
        "tasks": {"before": before["tasks"], "after": after["tasks"], "after_kinds": after["task_kinds"]},
        "settle_s": round(settle_s, 1),
        "cpu": cpu_share,
    }


async def warm(easel: Easel, turns: int = 3) -> None:
    """A few turns, each dropped at its first text, so litellm is imported and its clients exist before the
    baseline is taken (the upstream is slow, and a turn may only name the configured model)."""
    body = json.dumps(
        {
            "messages": [{"role": "user", "content": "hi"}],
            "workspace_id": easel.workspace_id,
            "tools": ["image_gen"],
            "stream": True,
        }
    ).encode()
    for _ in range(turns):
        conn = await Conn.open("127.0.0.1", easel.port)
        times = StreamTimes(easel_text, b'"type":"error"')

        def leave(event: bytes, now: float, times: StreamTimes = times, conn: Conn = conn) -> None:
            times.hook(event, now)
            if times.t_first_text:
                conn.close()

        try:
            await conn.request("POST", "/v1/chat", body=body, headers=easel.headers, on_event=leave)
        except ConnectionError:
            pass  # we hung up on purpose
    await asyncio.sleep(1)


async def _server(
    work: Path, upstream: Proc, n: int, steady_s: float, name: str, env: dict[str, str] | None = None
) -> tuple[Easel, Path]:
    probe_out = work / f"probe-{name}.json"
    easel = start_easel(
        work,
        upstream.port,
        model=f"bench-c{chunks_for(n, steady_s)}-d{DELAY_MS}",
        probe=True,
        name=name,
        env={"EASEL_BENCH_PROBE_OUT": str(probe_out), **(env or {})},
    )
    easel.workspace_id = await workspace_of(easel)
    await warm(easel)
    return easel, probe_out


async def run(work: Path, upstream: Proc, sizes: list[int], steady_s: float, workers: int = 1) -> list[dict[str, Any]]:
    """Held streams for each N; with `workers` > 1, `easel serve --workers` (RSS, CPU, descriptors and threads
    summed over the worker processes; asyncio tasks are not counted then)."""
    results = []
    env = {"EASEL_WORKERS": str(workers)} if workers > 1 else None
    for n in sizes:
        easel, probe_out = await _server(work, upstream, n, steady_s, f"held-{n}-w{workers}", env=env)
        try:
            results.append({**await held(easel, upstream, n, steady_s, probe_out), "workers": workers})
        finally:
            easel.stop(grace_s=30)
        row = results[-1]
        row["server_log"] = log_errors(easel.log)  # why any request failed, in the server's own words
        print(
            f"  N={n}, {workers} worker(s): errors {row['errors']}, {row['kb_per_stream']} KB/stream, "
            f"p99 gap {row['gap_ms']['p99']:.0f} ms, tasks {row['tasks']}",
            flush=True,
        )
    return results


async def profile_held(work: Path, upstream: Proc, n: int, seconds: float, spy: Path) -> dict[str, Any]:
    """py-spy on a server holding `n` streams; then tracemalloc's account of what `n` streams allocate."""
    out: dict[str, Any] = {}
    easel, _ = await _server(work, upstream, n, seconds, "profile-held")
    try:
        streams = Held(easel, n)
        await streams.open()
        folded = work / "held.folded"
        sampler: subprocess.Popen[bytes] = record(spy, easel.pid, seconds, folded)
        sampler.wait(timeout=seconds + 60)
        out[f"easel_held_{n}"] = fold(folded) if folded.exists() else {"error": "py-spy wrote nothing"}
        await streams.finish(0, grace_s=0)
    finally:
        easel.stop(grace_s=30)
    m = min(n, 100)  # as many as the server keeps up with (see the held-streams table)
    easel, probe_out = await _server(work, upstream, m, 4, "memory-held", env={"EASEL_BENCH_OBJECTS": "1"})
    try:
        probe(easel, probe_out)  # the baseline snapshot
        streams = Held(easel, m)
        await streams.open()
        await asyncio.sleep(2)
        report = probe(easel, probe_out)
        out["memory"] = {"streams": m, "opened": streams.opened, **report}
        await streams.finish(0, grace_s=0)
    finally:
        easel.stop(grace_s=30)
    return out
