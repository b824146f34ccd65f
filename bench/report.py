"""docs/benchmarks.md from one run's results (and bench/results/before.json, the run recorded before the
request path was optimised).

    python bench/report.py bench/results/RUN.json [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import verdicts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "bench" / "results" / "before.json"
CHANGES = ROOT / "bench" / "changes.md"


def f(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(head: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(c if isinstance(c, str) else f(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def dist(s: dict[str, float], digits: int = 1) -> list[str]:
    return [f(s.get("median"), digits), f(s.get("p95"), digits), f(s.get("p99"), digits)]


def machine_section(r: dict[str, Any], path: Path) -> str:
    m = r["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    load = ", ".join(f"{x:.2f}" for x in m.get("load_average_at_start", []))
    return "\n".join(
        [
            f"Measured {r['started']} to {r['finished']}, mode `{r['mode']}`, by `make bench` "
            "(`bench/run.py`); "
            f"raw results: `{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}`.",
            "",
            table(
                ["", ""],
                [
                    ["CPU", f"{m['cpu']}, {m['cores']} cores"],
                    ["memory", f"{m['memory_gib']} GiB"],
                    ["kernel / Python", f"{m['kernel']} / {m['python']}"],
                    ["packages", versions],
                    [
                        "litellm's proxy",
                        f"litellm[proxy] {m['proxy_litellm'] or '–'} in `.venv-bench`, one worker",
                    ],
                    ["commit", f"{m['commit']} (+{m['uncommitted_files']} uncommitted files)"],
                    ["load average at start", load],
                    *([["load average at each section's start",
                        ", ".join(f"{k} {v[0]:.1f}" for k, v in r["load"].items())]] if r.get("load") else []),
                    *([["load average at the end", ", ".join(f"{x:.2f}" for x in r["load_average_at_end"])]]
                      if r.get("load_average_at_end") else []),
                ],
            ),
            *([""] + [f"**{section}** comes from an earlier run of the same `make bench`: `{src}` (its own "
                      f"ratios are within that run; it was not re-measured here)." for section, src in
                      r["kept_from"].items()] if r.get("kept_from") else []),
        ]
    )


LABELS = {"ttft_ms": "first text", "total_ms": "end of stream", "turns_per_s": "turns/s"}


def _system_rows(systems: dict[str, Any], busy: bool) -> list[list[Any]]:
    rows = []
    for name in ("direct", "direct, kept", "proxy", "easel"):
        if name not in systems:
            continue
        s = systems[name]
        row = [name, *dist(s["ttft_ms"]), *dist(s["total_ms"]), f"{s['errors']}/{s['n']}"]
        if busy:
            cpu = s.get("cpu", {})
            server = cpu.get(name, 0.0) if not name.startswith("direct") else 0.0
            row += [f(s.get("turns_per_s")), " / ".join(
                f(v, 2) for v in (server, cpu.get("client"), cpu.get("upstream"), cpu.get("others")))]
        rows.append(row)
    return rows


def _ratio_rows(ratios: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for pair, metrics in ratios.items():
        for metric, v in metrics.items():
            extra = (f"{f(v['diff_ms_median'], 2)} ms" if "diff_ms_median" in v
                     else f"{f(v['ratio_min'], 2)}–{f(v['ratio_max'], 2)} over {v['rounds']} rounds")
            rows.append([pair, LABELS[metric], f(v["ratio_median"], 2), extra])
    return rows


def overhead_section(o: dict[str, Any]) -> str:
    if "error" in o:
        return f"The overhead benchmark failed: {o['error']}"
    out = []
    for key, title in (("c1", "Concurrency 1"), (f"c{o['workers']}", f"Concurrency {o['workers']}")):
        if key not in o:
            continue
        busy = key != "c1"
        head = ["system", "first text median ms", "p95", "p99", "end of stream median ms", "p95", "p99",
                "errors"]
        head += ["turns/s", "CPU (cores): server / client / upstream / others"] if busy else []
        how = "rounds of 32 workers" if busy else "request by request, the three in turn"
        out += [f"**{title}** ({how})", "", table(head, _system_rows(o[key]["systems"], busy)), "",
                table(["ratio", "of", "median of pairs", "difference (median) / spread"],
                      _ratio_rows(o[key]["ratios"])), ""]
    paced = o.get("paced")
    if isinstance(paced, dict) and "c1" in paced:
        head = ["system", "first text median ms", "p95", "p99", "end of stream median ms", "p95", "p99", "errors"]
        out += ["**Paced upstream, concurrency 1** (the first chunk after 20 ms, then one every 5 ms: first text "
                "is each layer's cost per request, not whether it yields in a burst)", "",
                table(head, _system_rows(paced["c1"]["systems"], False)), "",
                table(["ratio", "of", "median of pairs", "difference (median) / spread"],
                      _ratio_rows(paced["c1"]["ratios"])), ""]
    elif isinstance(paced, dict) and "error" in paced:
        out += [f"The paced run failed: {paced['error']}", ""]
    per_chunk = o.get("per_chunk")
    if per_chunk:
        rows = [[name, v["cpu_us_per_chunk"], v["chunks_per_core_s"], round(v["chunks_per_core_s"] / 10)]
                for name, v in per_chunk.items()]
        out += ["**Per chunk, in one process** (`bench/chunks.py`: CPU to read each chunk of a 1,000-chunk "
                "reply; the last column is how many streams at one chunk per 100 ms one core could keep up "
                "with)", "",
                table(["reader", "CPU µs per chunk", "chunks per core-second", "streams per core"], rows), ""]
    return "\n".join(out)


def per_event_section(pe: dict[str, Any]) -> str:
    if "error" in pe:
        return f"The per-event benchmark failed: {pe['error']}"
    rows = []
    for name, v in pe.items():
        mem = v.get("held_100") or {}
        rows.append([name, *dist(v["ttft_ms"], 2), f"{v['ttft_diff_ms']:+.2f}", v["cpu_us_per_event"],
                     f(v["turns_per_s"], 2), f(v["server_cores"], 2), f"{v['errors'] + v['c1_errors']}",
                     f(mem.get("kb_per_stream")), f(_g(mem, "gap_ms", "p99"), 0)])
    head = ["variant", "first text median ms", "p95", "p99", "first text − fast lane (median of pairs) ms",
            "CPU µs per event (saturated)", "turns/s", "server cores", "errors",
            "KB per held stream (N=100)", "held gap p99 ms"]
    return table(head, rows)


def _g(d: Any, *keys: str) -> Any:
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def streams_section(rows: list[dict[str, Any]] | dict[str, Any]) -> str:
    if isinstance(rows, dict):
        return f"The held-streams benchmark failed: {rows.get('error')}"
    head = ["N", "server errors", "hung up by client", "open mid-window", "most open at once",
            "KB per open stream", "KB per stream asked for", "gap median ms", "gap p99 ms",
            "RSS base / open / after MB",
            "tasks before / after", "fds before / open / after", "threads", "server CPU", "settle s"]
    body = []
    for r in rows:
        body.append([r["n"], r["errors"], r["hung_up_by_client"], r.get("open_mid_window", "–"),
                     r["max_open_at_once"], r["kb_per_stream"],
                     round((r["rss_open_kb"] - r["rss_baseline_kb"]) / r["n"], 1), f(r["gap_ms"]["median"]),
                     f(r["gap_ms"]["p99"]),
                     f"{r['rss_baseline_kb'] / 1024:.0f} / {r['rss_open_kb'] / 1024:.0f} / "
                     f"{r['rss_after_kb'] / 1024:.0f}", f"{r['tasks']['before']} / {r['tasks']['after']}",
                     f"{r['fds']['before']} / {r['fds']['open']} / {r['fds']['after']}",
                     f"{r['threads']['before']} → {r['threads']['after']}", f(r["cpu"].get("easel"), 2),
                     f(r.get("settle_s"))])
    kinds = {k: v for r in rows for k, v in r.get("error_kinds", {}).items()}
    note = ("\n\nErrors seen: " + "; ".join(f"`{k}` ×{v}" for k, v in kinds.items())) if kinds else ""
    for r in rows:
        if r.get("server_log"):
            note += (f"\n\nThe server's log at N={r['n']}: "
                     + "; ".join(f"`{k.replace('`', chr(39))}` ×{v}" for k, v in r["server_log"].items()))
    return table(head, body) + note


def space_section(s: dict[str, Any]) -> str:
    if "error" in s:
        return f"The Space benchmark failed: {s['error']}"
    rows = [
        [
            f"{r['size_mb']:.0f} MB",
            r["reps"],
            *[f(r[k]["median"], 0) for k in ("upload_mb_s", "download_mb_s", "copy_fsync_mb_s", "copy_mb_s")],
            f"{r['upload_mb_s']['median'] / r['copy_fsync_mb_s']['median']:.2f} / "
            f"{r['upload_mb_s']['median'] / r['copy_mb_s']['median']:.2f}",
            f"{r['download_mb_s']['median'] / r['copy_mb_s']['median']:.2f}",
        ]
        for r in s["throughput"]
    ]
    lst = s["list"]
    list_rows = [[label, *dist(v, 2), v["max"]] for label, v in lst["pages"].items()]
    return "\n".join(
        [
            table(
                [
                    "file",
                    "reps",
                    "upload MB/s",
                    "download MB/s",
                    "copy + fsync MB/s",
                    "copy MB/s",
                    "upload ÷ copy+fsync / ÷ copy",
                    "download ÷ copy",
                ],
                rows,
            ),
            "",
            f"List latency with {lst['files']:,} files in the workspace (the whole request, on a kept-alive "
            f"connection; walking 50 pages of 100 took {lst['walk_50_pages_s'] * 1000:.0f} ms):",
            "",
            table(["page", "median ms", "p95 ms", "p99 ms", "max ms"], list_rows),
        ]
    )


def stores_section(s: dict[str, Any]) -> str:
    out = []
    lst = s.get("list", {})
    if "error" in lst:
        out.append(f"List pages failed: {lst['error']}")
    elif lst:
        pg, sq = lst["pages"]["postgresql"], lst["pages"]["sqlite"]
        rows = [[label, *dist(sq[label], 2), *dist(v, 2), f"{v['p95'] / sq[label]['p95']:.2f}"]
                for label, v in pg.items()]
        out += [f"List latency with {lst['files']:,} files in the workspace (seeded in "
                f"{lst['seed_s']['sqlite']} s on SQLite, {lst['seed_s']['postgresql']} s on PostgreSQL):", "",
                table(["page", "SQLite median ms", "p95", "p99", "PostgreSQL median ms", "p95", "p99",
                       "p95 PostgreSQL ÷ SQLite"], rows), ""]
    limits = s.get("limits", {})
    if limits:
        base = _g(limits, "memory", "median_ms")
        rows = [[name, f(v.get("median_ms"), 3), f(v.get("p95_ms"), 3),
                 f(v["median_ms"] - base, 3) if "median_ms" in v and base is not None else v.get("error", "")]
                for name, v in limits.items()]
        out += ["Limits, per request (acquire + release):", "",
                table(["backend", "median ms", "p95 ms", "added over in-process, median ms"], rows), ""]
    blobs = s.get("blobs", {})
    if "error" in blobs:
        out.append(f"Blobs failed: {blobs['error']}")
    elif blobs:
        rows = [[name, f"{r['size_mb']} MB", f(r["upload_mb_s"]["median"], 0), f(r["download_mb_s"]["median"], 0)]
                for name, rs in blobs.items() for r in rs]
        out += ["File bytes on the local folder and on S3:", "",
                table(["store", "file", "upload MB/s (median)", "download MB/s (median)"], rows)]
    return "\n".join(out)


def sqlite_section(s: dict[str, Any]) -> str:
    labels = {"read": ("one-row read", "aiosqlite", "on the loop"),
              "write": ("usage + spend write", "aiosqlite", "on the loop"),
              "statements": ("the same write on the loop", "statements built per call", "made once")}
    rows = []
    for key, (what, before, after) in labels.items():
        if key in s:
            b, a = s[key]["before"], s[key]["after"]
            rows.append([what, f"{before} → {after}", f(b["cpu_us"]), f(a["cpu_us"]), f(b["wall_us"]),
                         f(a["wall_us"]), f(s[key]["cpu_ratio"], 2)])
    return (f"{s['blocks']} blocks of {s['calls_per_block']} calls a side, alternating; medians of the blocks.\n\n"
            + table(["call", "change", "CPU µs before", "after", "wall µs before", "after", "CPU after ÷ before"],
                    rows))


def profile_compare_section(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Own time by package, an earlier run's profile beside this one's, for the loads both profiled."""
    out = [f"Before: `{before['label']}`; after: this report's profile. Shares of the samples (own time)."]
    for key in ("easel_c32", "easel_held_500"):
        b, a = before["data"].get(key), after.get(key)
        if not b or not a or "self_by_package" not in b or "self_by_package" not in a:
            continue
        shares_b = {r["name"]: r["share"] for r in b["self_by_package"]}
        shares_a = {r["name"]: r["share"] for r in a["self_by_package"]}
        names = sorted(set(shares_b) | set(shares_a), key=lambda n: -max(shares_b.get(n, 0), shares_a.get(n, 0)))
        rows = [[n, f"{shares_b.get(n, 0) * 100:.0f}%", f"{shares_a.get(n, 0) * 100:.0f}%"] for n in names[:10]]
        title = "concurrency 32, fast lane" if key == "easel_c32" else "holding 500 streams"
        out += ["", f"**Easel, {title}** ({b['samples']} samples before, {a['samples']} after):", "",
                table(["package", "before", "after"], rows)]
    return "\n".join(out)


def startup_section(s: dict[str, Any]) -> str:
    if "error" in s:
        return f"The start-up benchmark failed: {s['error']}"
    # Runs recorded before /readyz was measured lack its figures: their cells read "–".
    def pair(v: dict[str, Any], key: str) -> list[str]:
        return [f(v.get(key, {}).get("median"), 0), f(v.get(key, {}).get("p95"), 0)]

    rows = [[label, f(v["healthz_s"].get("n"), 0), *pair(v, "healthz_s"), *pair(v, "readyz_s"),
             *pair(v, "turn_after_healthz_s"), *pair(v, "turn_after_readyz_s"), *pair(v, "first_turn_s"),
             f(v.get("healthz_cpu_s", {}).get("median"), 0), f(v.get("readyz_cpu_s", {}).get("median"), 0)]
            for label, v in s.items()]
    return table(
        ["start", "starts", "/healthz median ms", "p95", "/readyz median ms", "p95",
         "turn sent at /healthz: served after it, median ms", "p95",
         "turn sent at /readyz: served after it, median ms", "p95",
         "spawn to the turn sent at /healthz served, median ms", "p95",
         "server CPU to /healthz, median ms", "server CPU to /readyz, median ms"], rows
    )


def animator_section(a: dict[str, Any]) -> str:
    if "error" in a:
        return f"The animator benchmark failed: {a['error']}"
    m = a.get("machine", {})
    rows = [[name, f(v["median_s"], 2), f(v["best_s"], 2), f(v["cpu_s"], 2), f(v["x_encode"], 2),
             f(v["peak_added_mb"], 0)] for name, v in a.items() if name != "machine"]
    clips = [v for name, v in a.items() if name != "machine"]
    met_time = sum(v["median_s"] <= 3.0 for v in clips)
    met_mem = sum(v["peak_added_mb"] <= 300 for v in clips)
    head = (f"{m.get('reps', '?')} runs a clip; load average {m.get('load_avg_1m_start', '?')} at the start and "
            f"{m.get('load_avg_1m_end', '?')} at the end on {m.get('cores', '?')} cores. Median <= 3 s: {met_time} "
            f"of {len(clips)} clips; peak <= 300 MB: {met_mem} of {len(clips)}.")
    return head + "\n\n" + table(["clip", "median s", "best s", "CPU s", "x encode", "peak added MB"], rows)


# Frames every sample passes through (the interpreter, the server's loop, routing): not where time goes.
GENERIC = ("<module>", "runpy", "Runner.run", "asyncio_run", "Server.run", "run (uvicorn", "(cli.py)",
           "(probe.py)", "Thread.", "_worker", "_WorkItem", "click/", "proxy_cli", "starlette/routing",
           "starlette/_exception_handler", "starlette/middleware", "run_asgi", "__call__ (middleware.py)",
           "(starlette/applications.py)", "ProxyHeadersMiddleware", "uvicorn/middleware")


def profile_section(p: dict[str, Any]) -> str:
    if "skipped" in p or "error" in p:
        return f"No profiles: {p.get('skipped') or p.get('error')}"
    out = []
    titles = {"easel_c32": "Easel, concurrency 32 (the overhead load), fast lane",
              "easel_c32_litellm_lane": "Easel, concurrency 32, litellm's lane (EASEL_FAST_LANE=0): the profile "
                                        "before the fast lane",
              "proxy_c32": "litellm's proxy, concurrency 32",
              "easel_uploads_20mb": "Easel taking 20 MB uploads and serving them back, one at a time"}
    for key, found in p.items():
        if key == "memory" or "samples" not in found:
            continue
        title = titles.get(key, key.replace("easel_held_", "Easel holding ") + " streams")
        pkg = ", ".join(f"{r['name']} {r['share'] * 100:.0f}%" for r in found["self_by_package"][:8])
        own = ", ".join(f"{r['name']} {r['share'] * 100:.0f}%" for r in found["self_by_function"][:5])
        rows = [[r["name"].replace("|", "/"), f"{r['share'] * 100:.1f}%"]
                for r in found["inclusive_by_function"] if not any(g in r["name"] for g in GENERIC)][:12]
        out += [f"**{title}**: {found['samples']} samples. Own time by package: {pkg}. Busiest functions "
                f"(own time): {own}.", "",
                table(["function (share of samples with it on the stack)", "share"], rows), ""]
    mem = p.get("memory")
    if mem and mem.get("growth_by_type"):
        rows = [
            [g["type"], g["count"], g["kb"], f"{g['kb'] / mem['streams']:.1f}"]
            for g in mem["growth_by_type"][:12]
        ]
        out += [
            f"**Objects that {mem['streams']} open streams added** ({mem['growth_kb']:.0f} KB of container "
            f"objects, shallow sizes, so strings and bytes are not in it):",
            "",
            table(["type", "objects", "KB", "KB per stream"], rows),
            "",
        ]
    return "\n".join(out)


def before_after_section(r: dict[str, Any]) -> str:
    if not BEFORE.exists():
        return "No recorded run from before the changes (bench/results/before.json)."
    before = json.loads(BEFORE.read_text())
    rows = [[label, f(b, 2), f(a, 2)] for label, b, a in verdicts.key_figures(before, r)]
    changes = CHANGES.read_text() if CHANGES.exists() else ""
    return "\n".join(
        [
            f"`bench/results/before.json` was recorded by the same `make bench` on this machine on "
            f"{before['started']}, before any of the changes below; the right column is this run.",
            "",
            table(["figure", "before", "after (this run)"], rows),
            "",
            changes,
        ]
    )


def render(r: dict[str, Any], path: Path) -> str:
    parts = ["# Benchmarks", "", verdicts.headline(r), "", "## Machine", "", machine_section(r, path)]
    if "overhead" in r:
        parts += [
            "",
            "## Overhead: direct litellm, litellm's proxy, Easel",
            "",
            verdicts.OVERHEAD_TEXT,
            "",
            overhead_section(r["overhead"]),
        ]
    if "per_event" in r:
        parts += ["", "## CPU per event and the SSE response, side by side", "", verdicts.PER_EVENT_TEXT, "",
                  per_event_section(r["per_event"])]
    if "streams" in r:
        parts += ["", "## Held streams", "", verdicts.STREAMS_TEXT, "", "**One worker**", "",
                  streams_section(r["streams"])]
    if "streams_workers" in r:
        parts += ["", "**Two workers** (`easel serve --workers 2`; RSS, CPU, descriptors and threads summed over "
                  "the processes, CPU in cores of the 2; asyncio tasks not counted)", "",
                  streams_section(r["streams_workers"])]
    if "space" in r:
        parts += ["", "## The Space", "", verdicts.SPACE_TEXT, "", space_section(r["space"])]
    if "stores" in r:
        parts += ["", "## Stores for several nodes: PostgreSQL, Redis, S3", "", verdicts.STORES_TEXT, "",
                  stores_section(r["stores"])]
    if "sqlite" in r:
        parts += ["", "## SQLite calls: aiosqlite against the loop", "", verdicts.SQLITE_TEXT, "",
                  sqlite_section(r["sqlite"])]
    if "startup" in r:
        parts += ["", "## Start-up", "", verdicts.STARTUP_TEXT, "", startup_section(r["startup"])]
    if "profile" in r:
        parts += [
            "",
            "## Where the time and memory go",
            "",
            verdicts.PROFILE_TEXT,
            "",
            profile_section(r["profile"]),
        ]
        if "profile_before" in r:
            parts += ["", "### The profile before and after", "", profile_compare_section(r["profile_before"],
                                                                                        r["profile"])]
    if "animator" in r:
        parts += ["", "## The offline animator", "", verdicts.ANIMATOR_TEXT, "", animator_section(r["animator"])]
    parts += ["", "## Before and after", "", before_after_section(r)]
    parts += ["", "## Closing note", "", verdicts.closing(r)]
    return "\n".join(parts).rstrip() + "\n"


SECTION_KEYS = ("overhead", "per_event", "streams", "streams_workers", "space", "stores", "sqlite", "startup",
                "profile", "animator")


def merged(results: dict[str, Any], earlier: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """This run's sections, and for each one it lacks (or lost to an error) the first earlier run's that has it."""
    out = dict(results)
    kept: dict[str, str] = dict(out.get("kept_from", {}))
    for section in SECTION_KEYS:
        mine = out.get(section)
        if mine is not None and not (isinstance(mine, dict) and "error" in mine):
            continue
        for path, old in earlier:
            theirs = old.get(section)
            if theirs is not None and not (isinstance(theirs, dict) and "error" in theirs):
                out[section] = theirs
                # a section that run itself kept from an earlier one keeps its first label
                kept[section] = old.get("kept_from", {}).get(section) or f"{path.name}, measured {old['started']}"
                break
    out["kept_from"] = kept
    return out


def summary(r: dict[str, Any]) -> str:
    """A few lines for the terminal (quick and smoke runs write no report)."""
    return verdicts.headline(r)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep-from", type=Path, action="append", default=[],
                        help="earlier results whose sections fill those this run lacks or lost to an error "
                             "(each labelled as such in the report); the merged results are written beside")
    parser.add_argument("--profile-before", type=Path, default=None,
                        help="an earlier run whose profiles are shown beside this one's")
    args = parser.parse_args()
    results, path = json.loads(args.results.read_text()), args.results.resolve()
    if args.profile_before:
        old = json.loads(args.profile_before.read_text())
        results["profile_before"] = {"label": f"{args.profile_before.name}, measured {old['started']}",
                                     "data": old["profile"]}
    if args.keep_from or args.profile_before:
        results = merged(results, [(p, json.loads(p.read_text())) for p in args.keep_from])
        path = path.with_name(path.stem + "-merged.json")
        path.write_text(json.dumps(results, indent=1, default=str))
    args.out.write_text(render(results, path))
    print(args.out)
