"""The list page with 10,000 files in the workspace, on SQLite and on PostgreSQL side by side, and the
several-node backends beside the embedded ones (bench/backends.py): the cost per request of shared limits and
file bytes on S3 (moto) against the local folder. `make bench`'s "stores" section.

`python bench/store_pages.py [--files 10000] [--reps 300] [--postgres postgresql://postgres@127.0.0.1/postgres]`

Both servers run at once, each on its own store (PostgreSQL: a database of its own, dropped at the end), and
are measured only once /readyz answers (litellm's import in a thread would otherwise compete with every
request). The pages are timed alternately, one request to SQLite's server and then one to PostgreSQL's, each
over a keep-alive connection of its own, so both see the same moments of a shared machine's load and the
ratio between them is fair even when the absolute figures are not. Rows are inserted 500 to a transaction
through the store's own table definitions (10,000 single-row transactions took 226 s on PostgreSQL here).
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

from bench.client import Conn  # noqa: E402
from bench.procs import Easel, free_port, start_easel  # noqa: E402
from bench.stats import summary  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


async def seed_rows(url: str, workspace_id: str, count: int) -> float:
    import sqlalchemy as sa  # noqa: F401

    from easel.spaces import ids
    from easel.spaces.db import Store
    from easel.spaces.records import now_iso
    from easel.spaces.tables import files

    started = time.perf_counter()
    store = Store(url)
    await store.open()
    try:
        for start in range(0, count, 500):
            rows = [dict(id=ids.file_id(), workspace_id=workspace_id, folder_id=None, name=f"seed-{i:05d}.png",
                         mime_type="image/png", size_bytes=300, sha256="0" * 64, width=10, height=10,
                         origin="upload", metadata="{}", created_at=now_iso())
                    for i in range(start, min(count, start + 500))]
            async with store._tx() as conn:
                await conn.execute(files.insert(), rows)
    finally:
        await store.close()
    return time.perf_counter() - started


async def _ready(easel: Easel, within_s: float = 180) -> None:
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient() as client:
        while (await client.get(f"http://127.0.0.1:{easel.port}/readyz")).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{easel.name} was not ready within {within_s:.0f} s")
            await asyncio.sleep(0.2)


async def pages(servers: dict[str, Easel], reps: int) -> dict[str, Any]:
    """Each page asked of every server in turn, `reps` times; per server, the distribution in ms."""
    conns = {name: await Conn.open("127.0.0.1", e.port) for name, e in servers.items()}

    async def timed(name: str, path: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        r = await conns[name].request("GET", path, headers={"x-api-key": servers[name].headers["x-api-key"]})
        if r.status != 200:
            raise RuntimeError(f"{name}: GET {path}: HTTP {r.status}")
        return (r.t_end - started) * 1000, json.loads(r.body)

    async def alternately(paths: dict[str, str]) -> dict[str, dict[str, float]]:
        took: dict[str, list[float]] = {name: [] for name in paths}
        for i in range(reps + 5):
            for name, path in paths.items():
                ms, _ = await timed(name, path)
                if i >= 5:  # the first five warm
                    took[name].append(ms)
        return {name: summary(values) for name, values in took.items()}

    try:
        out: dict[str, Any] = {name: {} for name in servers}
        for label, path in (("first page, 10 files", "/v1/storage/files?limit=10"),
                            ("first page, 100 files", "/v1/storage/files?limit=100")):
            for name, dist in (await alternately({name: path for name in servers})).items():
                out[name][label] = dist
        middle = {}
        for name in servers:  # each server's own cursor to the middle of its workspace, 100 files a page
            cursor = None
            for _ in range(50):
                _, page = await timed(name, "/v1/storage/files?limit=100" + (f"&cursor={cursor}" if cursor else ""))
                cursor = page["pagination"]["cursor"] or cursor
            middle[name] = f"/v1/storage/files?limit=100&cursor={cursor}"
        for name, dist in (await alternately(middle)).items():
            out[name]["page 51 (cursor), 100 files"] = dist
        return out
    finally:
        for conn in conns.values():
            conn.close()


async def list_pages(work: Path, files: int, reps: int, postgres: str = POSTGRES) -> dict[str, Any]:
    from easel.spaces.engine import create_database, default_url, drop_database

    url = await create_database(postgres, "easel_bench")
    servers: dict[str, Easel] = {}
    try:
        servers["sqlite"] = start_easel(work, free_port(), name="pages-sqlite")
        servers["postgresql"] = start_easel(work, free_port(), name="pages-postgresql",
                                            env={"EASEL_DATABASE_URL": url})
        seeded = {}
        for name, easel in servers.items():
            workspaces = (await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{easel.port}/v1/workspaces",
                                                  headers=easel.headers)).json()
            easel.workspace_id = workspaces["workspaces"][0]["id"]
            store_url = url if name == "postgresql" else default_url(easel.data_dir)
            seeded[name] = round(await seed_rows(store_url, easel.workspace_id, files), 1)
        for easel in servers.values():
            await _ready(easel)
        return {"files": files, "seed_s": seeded, "pages": await pages(servers, reps)}
    finally:
        for easel in servers.values():
            easel.stop()
        await drop_database(url)


async def run(work: Path, files: int, reps: int, limit_calls: int, sizes_mb: list[int],
              transfer_reps: dict[int, int]) -> dict[str, Any]:
    from bench import backends

    out: dict[str, Any] = {}
    for name, step in (("list", lambda: list_pages(work, files, reps)),
                       ("limits", lambda: backends.limits_cost(limit_calls)),
                       ("blobs", lambda: backends.blob_transfer(sizes_mb, transfer_reps))):
        try:
            out[name] = await step()
        except Exception as exc:  # noqa: BLE001 - a missing service is reported, the other parts still run
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="easel-store-bench-") as tmp:
        print(json.dumps(await list_pages(Path(tmp), args.files, args.reps, args.postgres), indent=1))


if __name__ == "__main__":
    asyncio.run(main())
