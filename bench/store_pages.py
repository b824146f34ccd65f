"""The list page with 10,000 files in the workspace, on SQLite and on PostgreSQL side by side.

`python bench/store_pages.py [--files 10000] [--reps 300] [--postgres postgresql://postgres@127.0.0.1/postgres]`
Each run makes a PostgreSQL database of its own and drops it. Rows are inserted through the store's own
insert (one transaction each), as uploads would commit them; the pages are timed over one keep-alive
connection by bench/space.py's list_latency, so the figures compare with `make bench`'s SQLite ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procs import Easel, free_port, start_easel  # noqa: E402
from bench.space import list_latency  # noqa: E402


async def seed_rows(url: str, workspace_id: str, count: int) -> float:
    from easel.spaces import ids
    from easel.spaces.db import Store
    from easel.spaces.records import FileRecord, now_iso

    started = time.perf_counter()
    store = Store(url)
    await store.open()
    try:
        for i in range(count):
            await store.insert_file(FileRecord(
                id=ids.file_id(), workspace_id=workspace_id, folder_id=None, name=f"seed-{i:05d}.png",
                mime_type="image/png", size_bytes=300, sha256="0" * 64, width=10, height=10, origin="upload",
                metadata={}, created_at=now_iso()))
    finally:
        await store.close()
    return time.perf_counter() - started


async def measure(work: Path, name: str, url: str | None, files: int, reps: int) -> dict[str, Any]:
    from easel.spaces.engine import default_url

    easel: Easel = start_easel(work, free_port(), name=name, env={"EASEL_DATABASE_URL": url} if url else None)
    try:
        base = f"http://127.0.0.1:{easel.port}"
        workspaces = (await asyncio.to_thread(httpx.get, base + "/v1/workspaces", headers=easel.headers)).json()
        easel.workspace_id = workspaces["workspaces"][0]["id"]
        seeded_s = await seed_rows(url or default_url(easel.data_dir), easel.workspace_id, files)
        return {"store": name, "files": files, "seed_s": round(seeded_s, 1), **await list_latency(easel, reps)}
    finally:
        easel.stop()


async def main() -> None:
    from easel.spaces.engine import create_database, drop_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="easel-store-bench-") as tmp:
        results.append(await measure(Path(tmp), "sqlite", None, args.files, args.reps))
        url = await create_database(args.postgres, "easel_bench")
        try:
            results.append(await measure(Path(tmp), "postgresql", url, args.files, args.reps))
        finally:
            await drop_database(url)
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    asyncio.run(main())
