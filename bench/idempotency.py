"""What an `Idempotency-Key` costs per request, on SQLite and on PostgreSQL: `POST /v1/storage/folders` (a small
create, so the key's own work is what shows) without a key, with a new key each time (a claim, then the saved
response), and a replay (the saved response, nothing run). Figures go in the report of whoever runs it.

`python bench/idempotency.py [--reps 300] [--postgres postgresql://postgres@127.0.0.1/postgres]`

The three kinds are timed in turn, one of each per round, over one keep-alive connection, so they see the same
moments of a shared machine's load; limits are off, so only the request's own path is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from easel.spaces.engine import create_database, drop_database  # noqa: E402
from tests.serverproc import EaselServer  # noqa: E402

KEY = "esk_bench_idempotency_0000000000000000"


def measure(server: EaselServer, reps: int) -> dict[str, float]:
    took: dict[str, list[float]] = {"no key": [], "new key": [], "replay": []}
    replayed = str(uuid.uuid4())
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}, timeout=60) as c:
        assert c.post("/v1/storage/folders", json={"name": "f"}, headers={"Idempotency-Key": replayed}).is_success
        for _ in range(reps):
            for kind, headers in (("no key", {}), ("new key", {"Idempotency-Key": str(uuid.uuid4())}),
                                  ("replay", {"Idempotency-Key": replayed})):
                started = time.perf_counter()
                r = c.post("/v1/storage/folders", json={"name": "f"}, headers=headers)
                took[kind].append((time.perf_counter() - started) * 1000)
                assert r.status_code == 201 and (kind == "replay") == ("idempotent-replayed" in r.headers)
    return {kind: statistics.median(values) for kind, values in took.items()} | {
        f"{kind} p90": statistics.quantiles(values, n=10)[-1] for kind, values in took.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    env = {"EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0"}
    with tempfile.TemporaryDirectory() as work:
        database = asyncio.run(create_database(args.postgres, "easel_bench"))
        try:
            for name, extra in (("sqlite", {}), ("postgresql", {"EASEL_DATABASE_URL": database})):
                server = EaselServer(Path(work) / name, key=KEY, env={**env, **extra}).start()
                try:
                    server.wait_warm(120)
                    figures = measure(server, args.reps)
                finally:
                    server.stop()
                print(name, " ".join(f"{k}={v:.2f}ms" for k, v in figures.items()), flush=True)
        finally:
            asyncio.run(drop_database(database))


if __name__ == "__main__":
    main()
