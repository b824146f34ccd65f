"""`easel serve`, plus a way for the harness to look inside: on SIGUSR1 the server writes what it holds as
JSON to $EASEL_BENCH_PROBE_OUT: asyncio tasks, threads, and with EASEL_BENCH_OBJECTS=1 the objects that
appeared since the previous report, by type. (tracemalloc would say more, but it slows the server several
times over, so streams would not even open.) With EASEL_BENCH_SSE=starlette, chat streams go through
sse-starlette (bench/sse_starlette_stream.py) instead of Easel's own response. Only the benchmarks start
Easel this way; the server itself has no such hook.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

ROOT = str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, ROOT)

COUNT = os.environ.get("EASEL_BENCH_OBJECTS") == "1"
OUT = Path(os.environ.get("EASEL_BENCH_PROBE_OUT", "probe.json"))
_last: list[dict[str, tuple[int, int]]] = []


def _census() -> dict[str, tuple[int, int]]:
    """Live objects the collector tracks, by type: (count, shallow bytes)."""
    found: dict[str, list[int]] = {}
    for obj in gc.get_objects():
        kind = type(obj)
        key = f"{kind.__module__}.{kind.__qualname__}"
        entry = found.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += sys.getsizeof(obj, 0)
    return {k: (v[0], v[1]) for k, v in found.items()}


def _growth(limit: int = 20) -> dict[str, object]:
    """Objects alive now that were not at the previous report, by type (shallow sizes: a dict's or list's
    own table, not what it points to)."""
    now = _census()
    before = _last[-1] if _last else None
    _last[:] = [now]
    if before is None:
        return {}
    grown = [(k, c - before.get(k, (0, 0))[0], b - before.get(k, (0, 0))[1]) for k, (c, b) in now.items()]
    grown.sort(key=lambda g: -g[2])
    return {
        "growth_by_type": [{"type": k, "count": c, "kb": round(b / 1024, 1)} for k, c, b in grown[:limit]],
        "growth_kb": round(sum(b for _, _, b in grown) / 1024, 1),
    }


def _report(signum: int, frame: FrameType | None) -> None:
    try:
        tasks = asyncio.all_tasks(asyncio.get_running_loop())
    except RuntimeError:
        tasks = set()
    gc.collect()
    kinds: dict[str, int] = {}
    for task in tasks:
        coro = task.get_coro()
        name = getattr(coro, "__qualname__", type(coro).__name__)
        kinds[name] = kinds.get(name, 0) + 1
    top = dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:8])
    report: dict[str, object] = {"tasks": len(tasks), "task_kinds": top, "threads": threading.active_count()}
    if COUNT:
        report.update(_growth())
    OUT.write_text(json.dumps(report))


def main() -> None:
    signal.signal(signal.SIGUSR1, _report)
    if os.environ.get("EASEL_BENCH_SSE") == "starlette":  # the side-by-side: chat streams via sse-starlette
        from bench.sse_starlette_stream import starlette_stream
        from easel.agent.surfaces import zarkai

        zarkai.event_stream = starlette_stream  # type: ignore[assignment]
    from easel.agent.cli import main as easel

    easel(sys.argv[1:])


if __name__ == "__main__":
    main()
