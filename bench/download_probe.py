"""1 MB downloads from the Space against `shutil.copyfile` of the same file, A/B between servers in one run.

Each server is a real `easel serve` (bench/procs.py), optionally on another source tree (`--tree name=PATH`, a
directory holding an `easel` package, put first on PYTHONPATH): so the code before and after a change is
measured in the same minutes of a shared machine, by the same client. One 1 MB random-pixel PNG is uploaded
to each; then, in rounds that alternate between the servers, N downloads each on one kept-alive connection
(bench/client.py, bodies counted, not kept): by API key (`/content` with `x-api-key`: key and file row looked
up) and by signed URL (the file row only). Server CPU per download is /proc's user + system over the round,
divided by N. The baseline is `shutil.copyfile` of the same file within the data dir, timed the same number
of times, between the rounds.

    .venv/bin/python bench/download_probe.py --tree base=/tmp/base-tree --rounds 5 -n 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.client import Conn, workspace_of  # noqa: E402
from bench.procs import Easel, answers, free_port, start_easel  # noqa: E402
from bench.space import BOUNDARY, MB, copy_rate, multipart, noise_png  # noqa: E402
from bench.stats import summary  # noqa: E402


def wait_ready(easel: Easel) -> None:
    """Until /readyz answers: litellm is imported in a thread after start, and not while measuring."""
    deadline = time.monotonic() + 180
    while not answers(easel.port, "/readyz"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{easel.name} never became ready:\n{easel.tail()}")
        time.sleep(0.05)


async def upload(easel: Easel, data: bytes) -> dict[str, Any]:
    conn = await Conn.open("127.0.0.1", easel.port)
    try:
        r = await conn.request("POST", "/v1/storage/files", body=multipart(data, "noise.png"), headers={
            "x-api-key": easel.headers["x-api-key"], "content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    finally:
        conn.close()
    if r.status != 200:
        raise RuntimeError(f"upload failed: HTTP {r.status} {r.body[:200]!r}")
    found: dict[str, Any] = json.loads(r.body)
    return found


async def downloads(easel: Easel, path: str, headers: dict[str, str], n: int, size: int) -> dict[str, float]:
    conn = await Conn.open("127.0.0.1", easel.port)
    try:
        for _ in range(5):  # warm: the connection, the page cache, the first-call paths
            await conn.request("GET", path, headers=headers, keep_body=False)
        times = []
        cpu0, wall0 = easel.cpu_s(), time.perf_counter()
        for _ in range(n):
            started = time.perf_counter()
            r = await conn.request("GET", path, headers=headers, keep_body=False)
            if r.status != 200 or r.size != size:
                raise RuntimeError(f"download failed: HTTP {r.status}, {r.size} bytes")
            times.append(r.t_end - started)
        wall, cpu = time.perf_counter() - wall0, easel.cpu_s() - cpu0
    finally:
        conn.close()
    times.sort()
    ms = times[len(times) // 2] * 1000
    return {"ms": ms, "mb_s": size / MB / (ms / 1000), "mean_mb_s": size * n / MB / wall,
            "cpu_ms": cpu / n * 1000}


def copies(src: Path, n: int) -> dict[str, float]:
    """bench/space.py's baseline: each copy to a new name beside the source, removed after it is timed."""
    rates = sorted(copy_rate(src, n, fsync=False))
    mb_s = rates[len(rates) // 2]
    return {"ms": src.stat().st_size / MB / mb_s * 1000, "mb_s": mb_s}


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="name=PATH: a server on the easel under PATH")
    ap.add_argument("-n", type=int, default=200, help="downloads per round and way")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size-mb", type=float, default=1.0)
    ap.add_argument("--no-head", action="store_true", help="leave out the server on this tree")
    args = ap.parse_args()
    trees = ([] if args.no_head else [("head", None)]) + [tuple(t.split("=", 1)) for t in args.tree]
    work = Path(tempfile.mkdtemp(prefix="easel-dl-"))
    data = noise_png(int(args.size_mb * MB))
    servers: dict[str, Easel] = {}
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    copy_rows: list[dict[str, float]] = []
    try:
        for name, tree in trees:
            env = {"PYTHONPATH": tree} if tree else {}
            servers[name] = start_easel(work, free_port(), name=name, env=env)
        for easel in servers.values():
            wait_ready(easel)
        ways: dict[str, tuple[Easel, str, dict[str, str]]] = {}
        for name, easel in servers.items():
            easel.workspace_id = await workspace_of(easel)
            f = await upload(easel, data)
            signed = f["url"].split(str(easel.port), 1)[1]
            ways[f"{name} key"] = (easel, f"/v1/storage/files/{f['fileId']}/content",
                                   {"x-api-key": easel.headers["x-api-key"]})
            ways[f"{name} signed"] = (easel, signed, {})
        src = next(iter(servers.values())).data_dir / "copy-src.png"  # beside the blobs: the same disk
        src.write_bytes(data)
        for r in range(args.rounds):
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for way in order:
                easel, path, headers = ways[way]
                results.setdefault(way, {}).setdefault("rows", []).append(
                    await downloads(easel, path, headers, args.n, len(data)))
            copy_rows.append(copies(src, args.n))
    finally:
        for easel in servers.values():
            easel.stop()
        shutil.rmtree(work, ignore_errors=True)
    copy_mb_s = summary(c["mb_s"] for c in copy_rows)["median"]
    print(f"{len(data) / MB:.2f} MB file, {args.rounds} rounds x {args.n}; copyfile median of rounds "
          f"{copy_mb_s:,.0f} MB/s ({summary(c['ms'] for c in copy_rows)['median']:.3f} ms)")
    print(f"{'way':<16} {'ms/download':>12} {'MB/s':>8} {'÷ copy':>7} {'server CPU ms':>14}  per round MB/s")
    for way, got in results.items():
        rows = got["rows"]
        mb_s = summary(x["mb_s"] for x in rows)["median"]
        print(f"{way:<16} {summary(x['ms'] for x in rows)['median']:>12.3f} {mb_s:>8,.0f} "
              f"{mb_s / copy_mb_s:>7.2f} {summary(x['cpu_ms'] for x in rows)['median']:>14.3f}  "
              + " ".join(f"{x['mb_s']:.0f}" for x in rows))


if __name__ == "__main__":
    asyncio.run(main())
