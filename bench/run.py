"""`make bench`: every benchmark, in one run, on this machine; raw results as JSON under bench/results/ and
the tables in docs/benchmarks.md.

    python bench/run.py            # everything (about 12 minutes on 2 cores; builds .venv-bench once)
    python bench/run.py --quick    # the same benchmarks, small, for a smoke check (under a minute)
    python bench/run.py --smoke    # a few seconds, no litellm proxy: proves the harness starts (the tests)
    python bench/run.py --only overhead,space

Every server runs on 127.0.0.1 with a throw-away data directory and is stopped at the end. The load
generator is this process (one asyncio loop on uvloop); the CPU each process used is recorded with the
results, so a client that became the bottleneck would show.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    animator,
    benchenv,
    chunks,
    machine,
    overhead,
    per_event,
    procs,
    space,
    sqlite_calls,
    startup,
    store_pages,
    streams,
)
from bench import profile as prof  # noqa: E402
from bench.client import workspace_of  # noqa: E402

SECTIONS = ("overhead", "per_event", "streams", "streams_workers", "space", "stores", "sqlite", "startup",
            "profile", "animator")
# A quick run starts with the sections that need no proxy, so that the proxy's 10-15 s start overlaps them.
QUICK_ORDER = ("startup", "space", "stores", "sqlite", "streams", "streams_workers", "per_event", "overhead",
               "profile", "animator")


@dataclass
class Plan:
    mode: str
    n1: int = 300
    rounds: int = 5
    per_worker: int = 2
    warm_round: bool = True
    stream_sizes: list[int] = field(default_factory=lambda: [100, 500, 1000, 2000])
    steady_s: float = 8.0
    sizes_mb: list[int] = field(default_factory=lambda: [1, 20])
    reps: dict[int, int] = field(default_factory=lambda: {1: 20, 20: 5})
    list_files: int = 10_000
    list_reps: int = 200
    start_reps: int = 5
    restarts: bool = True
    first_turn: bool = True  # also time the first chat turn after a start (it waits for litellm's import)
    proxy: bool = True
    profile_s: float = 10.0
    paced_n1: int = 60  # turns per system against the paced upstream (each takes about 0.5 s)
    pe_n1: int = 100  # per-event section: turns per variant at concurrency 1
    pe_turns: int = 4  # per-event section: turns per worker (32 workers) in the saturated run
    pe_memory: bool = True
    worker_sizes: list[int] = field(default_factory=lambda: [500, 1000, 2000])  # held streams, 2 workers
    limit_calls: int = 5000  # stores section: acquire + release per limits backend
    stores: bool = True  # the stores section (PostgreSQL, Redis, moto beside SQLite and the local folder)
    animator_reps: int = 3  # the offline animator: each 4 s clip and its encode-only baseline, this many times
    sqlite_calls: int = 500  # sqlite section: calls per block (6 blocks a side)


PLANS = {
    "full": Plan("full"),
    "quick": Plan(
        "quick",
        n1=10,
        rounds=1,
        per_worker=1,
        warm_round=False,
        stream_sizes=[50],
        steady_s=1.0,
        reps={1: 3, 20: 1},
        list_files=2_000,
        list_reps=20,
        start_reps=1,
        restarts=False,
        first_turn=False,
        profile_s=0,
        paced_n1=5,
        pe_n1=5,
        pe_turns=1,
        pe_memory=False,
        worker_sizes=[50],
        limit_calls=1000,
        animator_reps=1,
        sqlite_calls=100,
    ),
    "smoke": Plan(
        "smoke",
        n1=3,
        rounds=0,
        per_worker=1,
        warm_round=False,
        stream_sizes=[],
        steady_s=0.5,
        sizes_mb=[1],
        reps={1: 1},
        list_files=50,
        list_reps=3,
        start_reps=0,
        proxy=False,
        profile_s=0,
        paced_n1=2,
        pe_n1=2,
        pe_turns=1,
        pe_memory=False,
        worker_sizes=[],
        stores=False,
        animator_reps=0,
        sqlite_calls=20,
    ),
}


async def run_overhead(
    plan: Plan, work: Path, up: procs.Proc, easel: procs.Easel, proxy: procs.Proc | None
) -> dict[str, Any]:
    targets: dict[str, overhead.Target] = {
        "direct": overhead.Direct(up.port),
        "direct, kept": overhead.Direct(up.port, let_go=False),
        "easel": overhead.easel_target(easel),
    }
    watched: dict[str, procs.Proc] = {"upstream": up, "easel": easel}
    if proxy is not None:
        targets["proxy"] = overhead.proxy_target(proxy)
        watched["proxy"] = proxy
    result = await overhead.run(
        targets,
        n1=plan.n1,
        rounds=plan.rounds,
        per_worker=plan.per_worker,
        procs=watched,
        warmup=10 if plan.mode == "full" else 2,
        warm_round=plan.warm_round,
    )
    if plan.mode == "full":
        result["per_chunk"] = await chunks.run(up.port, reps=5)
    if plan.mode != "smoke":
        result["paced"] = await run_paced(plan, work, up, proxy)
    return result


async def run_paced(plan: Plan, work: Path, up: procs.Proc, proxy: procs.Proc | None) -> dict[str, Any]:
    """Concurrency 1 against a paced upstream (first chunk after 20 ms, then one every 5 ms): first text then
    measures each layer's cost per request, not whether it yields during a burst."""
    easel = procs.start_easel(work, up.port, model=overhead.PACED, name="paced")
    try:
        easel.workspace_id = await workspace_of(easel)
        targets: dict[str, overhead.Target] = {
            "direct": overhead.Direct(up.port, overhead.PACED),
            "direct, kept": overhead.Direct(up.port, overhead.PACED, let_go=False),
            "easel": overhead.easel_target(easel),
        }
        if proxy is not None:
            targets["proxy"] = overhead.proxy_target(proxy, overhead.PACED)
        return await overhead.run(targets, n1=plan.paced_n1, rounds=0, per_worker=1, procs={},
                                  warmup=3, warm_round=False, model=overhead.PACED)
    finally:
        easel.stop()


async def run_space(plan: Plan, work: Path, up: procs.Proc, shared: procs.Easel | None) -> dict[str, Any]:
    """On a server of its own in a full run; a quick or smoke run borrows the overhead's, to save a start."""
    own = shared is None or plan.mode == "full"
    easel = procs.start_easel(work, up.port, name="space") if own else shared
    assert easel is not None
    try:
        if own:
            easel.workspace_id = await workspace_of(easel)
        # Two chat turns first: litellm is imported in a thread after start, and until it is, that import
        # competes for the interpreter (the start-up benchmark covers those seconds).
        if plan.mode != "smoke":
            await overhead.sequential({"easel": overhead.easel_target(easel)}, 2)
        rows = await space.throughput(easel, work, plan.sizes_mb, plan.reps)
        seeded_s = await space.seed(easel, plan.list_files)
        listing = await space.list_latency(easel, plan.list_reps)
    finally:
        if own:
            easel.stop()
    return {"throughput": rows, "list": {"files": plan.list_files, "seed_s": round(seeded_s, 1), **listing}}


async def run_profiles(
    plan: Plan, work: Path, up: procs.Proc, easel: procs.Easel, proxy: procs.Proc | None
) -> dict[str, Any]:
    """py-spy on Easel (and on the proxy) under the concurrency-32 load, on Easel holding 500 streams and on
    Easel taking 20 MB uploads; and the objects 100 open streams add to Easel's heap."""
    spy = benchenv.py_spy()
    if spy is None:
        return {"skipped": "py-spy is not installed in .venv-bench"}
    out: dict[str, Any] = {}
    subjects: list[tuple[str, procs.Proc, overhead.OverHttp]] = [
        ("easel_c32", easel, overhead.easel_target(easel))]
    if proxy is not None:
        subjects.append(("proxy_c32", proxy, overhead.proxy_target(proxy)))
    lite = procs.start_easel(work, up.port, name="profile-litellm-lane", env={"EASEL_FAST_LANE": "0"})
    lite.workspace_id = await workspace_of(lite)
    subjects.insert(1, ("easel_c32_litellm_lane", lite, overhead.easel_target(lite)))
    for label, server, target in subjects:
        await overhead.sequential({label: target}, 10)  # warm: imports and pools are not what we sample
        folded = work / f"{label}.folded"
        sampler = prof.record(spy, server.pid, plan.profile_s, folded)
        deadline = time.monotonic() + plan.profile_s
        while time.monotonic() < deadline:
            await overhead.concurrent({label: target}, 1, 32, 1, {})
        sampler.wait(timeout=60)
        target.close()
        out[label] = prof.fold(folded) if folded.exists() else {"error": "py-spy wrote nothing"}
        if server is lite:
            lite.stop()
    out.update(await streams.profile_held(work, up, 500, plan.profile_s, spy))
    out["easel_uploads_20mb"] = await profile_uploads(work, up, plan.profile_s, spy)
    return out


async def profile_uploads(work: Path, up: procs.Proc, seconds: float, spy: Path) -> dict[str, Any]:
    easel = procs.start_easel(work, up.port, name="profile-space")
    try:
        easel.workspace_id = await workspace_of(easel)
        await overhead.sequential({"easel": overhead.easel_target(easel)}, 2)  # litellm imported first
        data = space.noise_png(20 * space.MB)
        folded = work / "uploads.folded"
        sampler = prof.record(spy, easel.pid, seconds, folded)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await space.transfer(easel, data, 1)
        sampler.wait(timeout=60)
        return prof.fold(folded) if folded.exists() else {"error": "py-spy wrote nothing"}
    finally:
        easel.stop()


def skipped(plan: Plan, name: str, only: set[str]) -> bool:
    return (name not in only or (name == "profile" and not plan.profile_s)
            or (name == "per_event" and plan.mode == "smoke")
            or (name == "streams_workers" and not plan.worker_sizes) or (name == "stores" and not plan.stores)
            or (name == "animator" and not plan.animator_reps)
            or (name == "startup" and not plan.start_reps) or (name == "streams" and not plan.stream_sizes))


async def sections(plan: Plan, only: set[str], work: Path, results: dict[str, Any]) -> None:
    """Every benchmark asked for, in order, against one fake upstream; servers stopped whatever happens."""
    up = procs.start_upstream(work)
    proxy = easel = None
    try:
        if plan.proxy and only & {"overhead", "profile"}:
            proxy = procs.start_proxy(work, up.port, [overhead.MODEL, overhead.PACED], wait=False)
        shared = {"overhead", "profile"} | ({"space"} if plan.mode != "full" else set())
        easel = procs.start_easel(work, up.port) if only & shared else None
        if easel is not None:
            easel.workspace_id = await workspace_of(easel)
        steps = {
            "overhead": lambda: run_overhead(plan, work, up, easel, proxy),  # type: ignore[arg-type]
            "per_event": lambda: per_event.run(work, up, n1=plan.pe_n1, turns=plan.pe_turns,
                                               memory=plan.pe_memory),
            "streams": lambda: streams.run(work, up, plan.stream_sizes, plan.steady_s),
            "streams_workers": lambda: streams.run(work, up, plan.worker_sizes, plan.steady_s, workers=2),
            "space": lambda: run_space(plan, work, up, easel),
            "animator": lambda: asyncio.to_thread(animator.measure, plan.animator_reps, 4),
            "stores": lambda: store_pages.run(work, plan.list_files, plan.list_reps, plan.limit_calls,
                                              plan.sizes_mb, plan.reps),
            "sqlite": lambda: sqlite_calls.measure(plan.sqlite_calls),
            "startup": lambda: startup.run(work, up, plan.start_reps, restarts=plan.restarts,
                                           first_turn=plan.first_turn),
            "profile": lambda: run_profiles(plan, work, up, easel, proxy),  # type: ignore[arg-type]
        }
        for name in QUICK_ORDER if plan.mode == "quick" else SECTIONS:
            if skipped(plan, name, only):
                continue
            if name in ("overhead", "profile") and proxy is not None:
                procs.proxy_ready(proxy)
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
            results.setdefault("load", {})[name] = list(os.getloadavg())
            started = time.perf_counter()
            try:
                results[name] = await steps[name]()
            except Exception as exc:  # one broken section must not lose the others
                traceback.print_exc()
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            results.setdefault("seconds", {})[name] = round(time.perf_counter() - started, 1)
    finally:
        for proc in (easel, up, proxy):
            if proc is not None:
                proc.stop()


async def main(plan: Plan, only: set[str]) -> dict[str, Any]:
    procs.raise_fd_limit()
    results: dict[str, Any] = {"mode": plan.mode, "plan": asdict(plan), "machine": machine.describe(),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    with tempfile.TemporaryDirectory(prefix="easel-bench-") as tmp:
        await sections(plan, only, Path(tmp), results)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    results["load_average_at_end"] = list(os.getloadavg())
    return results


def write(results: dict[str, Any], results_dir: Path, docs: Path | None) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{results['mode']}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    print(f"results: {path}")
    try:
        from bench import report

        print(report.summary(results))
        if docs is not None:
            docs.write_text(report.render(results, path))
            print(f"report:  {docs}")
    except Exception:  # the JSON is safe; `python bench/report.py RESULTS.json` renders it again
        traceback.print_exc()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small version of every benchmark (< 1 minute)")
    mode.add_argument("--smoke", action="store_true", help="a few seconds, no proxy: the harness starts")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of {', '.join(SECTIONS)}")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="where to write the report (default: docs/benchmarks.md for a full run only)",
    )
    args = parser.parse_args()
    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if unknown := only - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    docs = args.docs or (
        ROOT / "docs" / "benchmarks.md" if plan.mode == "full" and only == set(SECTIONS) else None
    )
    # .venv-bench holds litellm's proxy (overhead, profile) and py-spy (profile): built only when they run.
    if plan.proxy and only & {"overhead", "profile"} or "profile" in only and plan.profile_s:
        args.results_dir.mkdir(parents=True, exist_ok=True)
        benchenv.ensure(log=args.results_dir / "benchenv.log")
    try:
        import uvloop

        results = uvloop.run(main(plan, only))
    except ImportError:
        results = asyncio.run(main(plan, only))
    write(results, args.results_dir, docs)


if __name__ == "__main__":
    cli()
