"""Several-node backends beside the embedded ones: file bytes on S3 (moto's server on loopback) against the
local folder, and the cost per request of shared limits (the embedded SQLite file, Redis) against in-process
counting.

    python bench/backends.py            # prints a JSON document and a Markdown table
    python bench/backends.py --quick

Uploads and downloads go through a real `easel serve` with the same harness as bench/space.py. The limits'
cost is measured in-process on uvloop: one acquire and one release per request, the way the middleware calls
them, at the default limits (60 a minute, 5 at once) over enough keys that none is refused; in-process
counting is shown beside the shared backends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import procs, space  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


async def limits_cost(n: int) -> dict[str, Any]:
    from easel.spaces.limits import open_limiter

    out: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="easel-bench-limits-"))
    for backend in ("memory", "embedded", "redis"):
        prefix = f"easel-bench-{secrets.token_hex(4)}"
        limiter = open_limiter(backend, rpm=60, concurrent=5, data_dir=work, redis_url=REDIS_URL,  # type: ignore[arg-type]
                               redis_prefix=prefix)
        keys = [secrets.token_hex(16) for _ in range(n // 40 + 5)]
        took = []
        try:
            for i in range(n + 200):
                started = time.perf_counter()
                verdict = await limiter.acquire(keys[i % len(keys)])
                await limiter.release(keys[i % len(keys)], verdict.slot)
                took.append((time.perf_counter() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - a backend that is not there is reported, not fatal
            out[backend] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        finally:
            await limiter.close()
        took = took[200:]  # the first calls load scripts and warm caches
        out[backend] = {"median_ms": round(statistics.median(took), 4),
                        "p95_ms": round(sorted(took)[int(len(took) * .95)], 4)}
    return out


async def blob_transfer(sizes_mb: list[int], reps: dict[int, int]) -> dict[str, Any]:
    from tests.services import S3_ENV, MotoServer

    moto = MotoServer().start()
    work = Path(tempfile.mkdtemp(prefix="easel-bench-blobs-"))
    up = procs.start_upstream(work)
    out: dict[str, Any] = {}
    try:
        for name, env in (("file", {}), ("s3", {**S3_ENV, "EASEL_BLOB_URL": f"s3://{moto.bucket()}/bench",
                                               "EASEL_S3_ENDPOINT_URL": moto.endpoint})):
            easel = procs.start_easel(work, up.port, name=f"blobs-{name}", env=env)
            try:
                rows = []
                for size in sizes_mb:
                    data = space.noise_png(size * space.MB)
                    rows.append({"size_mb": round(len(data) / space.MB, 2),
                                 **await space.transfer(easel, data, reps[size])})
                out[name] = rows
            finally:
                easel.stop()
    finally:
        up.stop()
        moto.stop()
    return out


def table(results: dict[str, Any]) -> str:
    lines = ["| limits backend | acquire + release, median | p95 |", "|---|---|---|"]
    for name, row in results["limits"].items():
        lines.append(f"| {name} | {row.get('median_ms', row.get('error'))} ms | {row.get('p95_ms', '')} ms |")
    lines += ["", "| blobs | size | upload MB/s (median) | download MB/s (median) |", "|---|---|---|---|"]
    for name, rows in results["blobs"].items():
        for row in rows:
            lines.append(f"| {name} | {row['size_mb']} MB | {row['upload_mb_s']['median']} | "
                         f"{row['download_mb_s']['median']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps = {1: 5, 20: 2} if args.quick else {1: 20, 20: 5}
    import uvloop  # the server's own loop: the limits are measured on it

    results = {"limits": uvloop.run(limits_cost(1000 if args.quick else 5000)),
               "blobs": asyncio.run(blob_transfer([1, 20], reps))}
    print(json.dumps(results, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
