"""Overhead: one streamed chat turn (tools declared, 100 text chunks, no tool call) three ways, against the
same fake upstream, in the same run:

    direct  `litellm.acompletion` in this process doing the same work as Easel: the wrapper's kept chunks
            let go as they pass, as Easel lets them go (the honest floor)
    direct, kept  the same with litellm's defaults: every chunk kept, the whole response rebuilt at the end
    proxy   litellm's own proxy (`litellm --config`), one worker, over HTTP
    easel   Easel's `POST /v1/chat` with `stream: true`, over HTTP

All three send the upstream the same request (Easel's system prompt, the user's message, the image_gen
schema, the same options). Time to first text is from just before the request is sent to the arrival of
the first event carrying text; time to end is to the last byte of the stream. At concurrency 1 the three
take turns request by request (the order rotates), so drift hits them alike, and ratios are taken pair by
pair (request i of Easel against request i of the other). At concurrency 32 each round runs 32 workers
against each system in turn; ratios are of the round medians, round by round.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.client import Conn, StreamTimes, easel_text, openai_text, stream
from bench.procs import PROXY_KEY, Easel, Proc
from bench.stats import CpuWindow, median, summary

MODEL = "bench-c100-d0"
PACED = "bench-c100-d5-f20"  # a provider's pace: the first chunk after 20 ms, then one every 5 ms
PROMPT = "Say hello and tell me what you can do."
Target = Callable[[int], Awaitable[StreamTimes]]


def upstream_messages() -> list[dict[str, Any]]:
    from easel.agent.turn.context import system_prompt

    return [{"role": "system", "content": system_prompt([])}, {"role": "user", "content": PROMPT}]


def upstream_options() -> dict[str, Any]:
    """What Easel's turn sends besides the messages (mirrored here, not imported, so that changing Easel
    can never change the baseline)."""
    from easel.tools.image_args import SCHEMA

    return {
        "tools": [SCHEMA],
        "tool_choice": "auto",
        "temperature": 0.0,
        "max_tokens": 4000,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


class Direct:
    def __init__(self, upstream_port: int, model: str = MODEL, let_go: bool = True) -> None:
        self.let_go = let_go
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        self.acompletion = litellm.acompletion
        self.kwargs = {
            "model": f"openai/{model}",
            "api_base": f"http://127.0.0.1:{upstream_port}/v1",
            "api_key": "sk-bench-upstream",
            "messages": upstream_messages(),
            **upstream_options(),
            "timeout": 120,
            "num_retries": 0,
            "drop_params": True,
        }

    async def __call__(self, worker: int) -> StreamTimes:
        times = StreamTimes(openai_text, b"")
        times.t_start = time.perf_counter()
        try:
            response = await self.acompletion(**self.kwargs)
            held = response.chunks if self.let_go else None
            async for chunk in response:
                if held:
                    held.clear()
                times.events += 1
                if not times.t_first_text and chunk.choices and chunk.choices[0].delta.content:
                    times.t_first_text = time.perf_counter()
        except Exception:  # counted, like a failed stream over HTTP
            times.errors += 1
        times.t_end = time.perf_counter()
        return times


class OverHttp:
    """One keep-alive connection per worker, opened on first use (as any HTTP client pool would)."""

    def __init__(
        self,
        port: int,
        path: str,
        body: bytes,
        headers: dict[str, str],
        is_text: Callable[[bytes], bool],
        error_marker: bytes,
    ) -> None:
        self.port, self.path, self.body, self.headers = port, path, body, headers
        self.is_text, self.error_marker = is_text, error_marker
        self.conns: dict[int, Conn] = {}

    async def __call__(self, worker: int) -> StreamTimes:
        conn = self.conns.get(worker)
        if conn is None or conn.closed:
            conn = self.conns[worker] = await Conn.open("127.0.0.1", self.port)
        return await stream(
            conn, self.path, self.body, self.headers, StreamTimes(self.is_text, self.error_marker)
        )

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()


def proxy_target(proxy: Proc, model: str = MODEL) -> OverHttp:
    body = json.dumps({"model": model, "messages": upstream_messages(), **upstream_options()}).encode()
    return OverHttp(
        proxy.port,
        "/v1/chat/completions",
        body,
        {"content-type": "application/json", "authorization": f"Bearer {PROXY_KEY}"},
        openai_text,
        b'"error"',
    )


def easel_target(easel: Easel) -> OverHttp:
    body = json.dumps(
        {
            "messages": [{"role": "user", "content": PROMPT}],
            "workspace_id": easel.workspace_id,
            "tools": ["image_gen"],
            "stream": True,
        }
    ).encode()
    return OverHttp(easel.port, "/v1/chat", body, easel.headers, easel_text, b'"type":"error"')


@dataclass
class Samples:
    times: dict[str, list[StreamTimes]] = field(default_factory=dict)
    rounds: list[dict[str, dict[str, float]]] = field(default_factory=list)  # c=32: per round, per system
    cpu: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def add(self, name: str, t: StreamTimes) -> None:
        self.times.setdefault(name, []).append(t)


async def sequential(targets: dict[str, Target], n: int) -> Samples:
    """Concurrency 1: request i goes to every system in turn; the order rotates with i."""
    out = Samples()
    names = list(targets)
    for i in range(n):
        for k in range(len(names)):
            name = names[(i + k) % len(names)]
            out.add(name, await targets[name](0))
    return out


async def concurrent(
    targets: dict[str, Target], rounds: int, workers: int, per_worker: int, procs: dict[str, Proc]
) -> Samples:
    """Concurrency `workers`: per round, each system gets `workers` x `per_worker` requests in turn."""
    out = Samples()
    names = list(targets)
    for r in range(rounds):
        this_round: dict[str, dict[str, float]] = {}
        for k in range(len(names)):
            name = names[(r + k) % len(names)]
            target = targets[name]

            async def worker(w: int, target: Target = target) -> list[StreamTimes]:
                return [await target(w) for _ in range(per_worker)]

            cpu = CpuWindow(procs).start()
            started = time.perf_counter()
            results = [t for ts in await asyncio.gather(*(worker(w) for w in range(workers))) for t in ts]
            wall = time.perf_counter() - started
            out.cpu.setdefault(name, []).append(cpu.stop())
            for t in results:
                out.add(name, t)
            this_round[name] = {
                "ttft": median([t.ttft_ms for t in results]),
                "total": median([t.total_ms for t in results]),
                "turns_per_s": len(results) / wall,
            }
        out.rounds.append(this_round)
    return out


def _pairwise(samples: Samples, a: str, b: str, metric: str) -> dict[str, float]:
    left, right = samples.times[a], samples.times[b]
    pairs = [
        (getattr(x, metric), getattr(y, metric))
        for x, y in zip(left, right, strict=False)
        if not x.errors and not y.errors
    ]
    ratio = summary([x / y for x, y in pairs])
    diff = summary([x - y for x, y in pairs])
    return {
        "ratio_median": ratio["median"],
        "ratio_p95": ratio["p95"],
        "diff_ms_median": diff["median"],
        "diff_ms_p95": diff["p95"],
        "pairs": len(pairs),
    }


def _by_round(samples: Samples, a: str, b: str, metric: str) -> dict[str, float]:
    ratios = [r[a][metric] / r[b][metric] for r in samples.rounds if a in r and b in r]
    return {
        "ratio_median": median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "rounds": len(ratios),
    }


def _table(samples: Samples) -> dict[str, Any]:
    table = {}
    for name, times in samples.times.items():
        row: dict[str, Any] = {
            "ttft_ms": summary(t.ttft_ms for t in times),
            "total_ms": summary(t.total_ms for t in times),
            "errors": sum(1 for t in times if t.errors),
            "n": len(times),
        }
        if samples.rounds:
            row["turns_per_s"] = median([r[name]["turns_per_s"] for r in samples.rounds if name in r])
        if samples.cpu.get(name):
            row["cpu"] = {
                k: median([c[k] for c in samples.cpu[name] if k in c]) for k in samples.cpu[name][0]
            }
        table[name] = row
    return table


def compare(samples: Samples, concurrency: int) -> dict[str, Any]:
    ratios: dict[str, Any] = {}
    for other in ("direct", "direct, kept", "proxy"):
        if "easel" not in samples.times or other not in samples.times:
            continue
        if concurrency == 1:
            ratios[f"easel/{other}"] = {
                m: _pairwise(samples, "easel", other, m) for m in ("ttft_ms", "total_ms")
            }
        else:
            ratios[f"easel/{other}"] = {
                f"{m}_ms" if m != "turns_per_s" else m: _by_round(samples, "easel", other, m)
                for m in ("ttft", "total", "turns_per_s")
            }
    return {"systems": _table(samples), "ratios": ratios}


async def run(
    targets: dict[str, Target],
    *,
    n1: int,
    rounds: int,
    per_worker: int,
    workers: int = 32,
    procs: dict[str, Proc],
    warmup: int = 10,
    warm_round: bool = True,
    model: str = MODEL,
) -> dict[str, Any]:
    await sequential(targets, warmup)  # imports, connection pools, caches: none of it is what we measure
    result: dict[str, Any] = {
        "model": model,
        "chunks": 100,
        "workers": workers,
        "c1": compare(await sequential(targets, n1), 1),
    }
    if rounds:
        if warm_round:
            await concurrent(targets, 1, workers, 1, procs)
        result[f"c{workers}"] = compare(
            await concurrent(targets, rounds, workers, per_worker, procs), workers
        )
    for target in targets.values():
        if isinstance(target, OverHttp):
            target.close()
    return result
