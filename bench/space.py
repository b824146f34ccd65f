"""The Space: upload and download throughput of 1 MB and 20 MB images against copying the same bytes on the
same disk, and the latency of a list page with 10,000 files in the workspace.

Uploads are PNGs of random pixels (they do not compress, so the file is the size it says), sent as
multipart the way curl -F sends them; an upload is done when Easel has answered, i.e. after it has written
the bytes, fsynced them, decoded the image to check it and committed the row. Downloads fetch
`/content` to memory. The disk baseline is `shutil.copyfile` of the same file within the same directory
tree, with and without an fsync of the copy.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.client import Conn
from bench.procs import Easel
from bench.stats import summary

MB = 1024 * 1024
BOUNDARY = "----easelbench7d3f"


def noise_png(size_bytes: int) -> bytes:
    from PIL import Image

    side = int((size_bytes / 3) ** 0.5)
    pixels = np.random.default_rng(7).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def multipart(data: bytes, name: str) -> bytes:
    head = (
        f'--{BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="{name}"\r\n'
        "content-type: image/png\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def copy_rate(src: Path, reps: int, fsync: bool) -> list[float]:
    """MB/s of copying `src` next to itself, `reps` times."""
    rates = []
    for i in range(reps):
        dst = src.with_name(f"{src.name}.copy{i}")
        started = time.perf_counter()
        shutil.copyfile(src, dst)
        if fsync:
            fd = os.open(dst, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        rates.append(src.stat().st_size / MB / (time.perf_counter() - started))
        dst.unlink()
    return rates


async def transfer(easel: Easel, data: bytes, reps: int) -> dict[str, Any]:
    body = multipart(data, "noise.png")
    headers = {
        "x-api-key": easel.headers["x-api-key"],
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    conn = await Conn.open("127.0.0.1", easel.port)
    up, down, ids = [], [], []
    try:
        for _ in range(reps):
            started = time.perf_counter()
            r = await conn.request("POST", "/v1/storage/files", body=body, headers=headers)
            if r.status != 200:
                raise RuntimeError(f"upload failed: HTTP {r.status} {r.body[:200]!r}")
            up.append(len(data) / MB / (r.t_end - started))
            ids.append(json.loads(r.body)["fileId"])
        for file_id in ids:
            started = time.perf_counter()
            r = await conn.request(
                "GET", f"/v1/storage/files/{file_id}/content", headers=headers, keep_body=False
            )
            if r.status != 200 or r.size != len(data):
                raise RuntimeError(f"download failed: HTTP {r.status}, {r.size} bytes")
            down.append(len(data) / MB / (r.t_end - started))
    finally:
        conn.close()
    return {"upload_mb_s": summary(up), "download_mb_s": summary(down)}


async def throughput(
    easel: Easel, work: Path, sizes_mb: list[int], reps: dict[int, int]
) -> list[dict[str, Any]]:
    rows = []
    for size in sizes_mb:
        data = noise_png(size * MB)
        src = easel.data_dir / f"bench-{size}mb.png"  # beside Easel's blobs: the same disk
        src.write_bytes(data)
        n = reps[size]
        measured = await transfer(easel, data, n)
        rows.append(
            {
                "size_mb": round(len(data) / MB, 2),
                "reps": n,
                **measured,
                "copy_mb_s": summary(copy_rate(src, n, fsync=False)),
                "copy_fsync_mb_s": summary(copy_rate(src, n, fsync=True)),
            }
        )
        src.unlink()
    return rows


async def seed(easel: Easel, count: int) -> float:
    """`count` small image files in the workspace, through the store's own insert (one transaction each),
    with their blobs written beside; much faster than uploading them, and the rows are the same."""
    from easel.spaces import ids
    from easel.spaces.blobs import LocalBlobStore
    from easel.spaces.db import Store, now_iso
    from easel.spaces.engine import default_url
    from easel.spaces.records import FileRecord

    started = time.perf_counter()
    store = Store(default_url(easel.data_dir))
    blobs = LocalBlobStore(easel.data_dir / "blobs")
    tiny = noise_png(300)
    await store.open()
    try:
        for i in range(count):
            file_id = ids.file_id()
            path = blobs.local_path(file_id)
            assert path is not None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tiny)
            await store.insert_file(
                FileRecord(
                    id=file_id,
                    workspace_id=easel.workspace_id,
                    folder_id=None,
                    name=f"seed-{i:05d}.png",
                    mime_type="image/png",
                    size_bytes=len(tiny),
                    sha256="0" * 64,
                    width=10,
                    height=10,
                    origin="upload",
                    metadata={},
                    created_at=now_iso(),
                )
            )
    finally:
        await store.close()
    return time.perf_counter() - started


async def list_latency(easel: Easel, reps: int) -> dict[str, Any]:
    headers = {"x-api-key": easel.headers["x-api-key"]}
    conn = await Conn.open("127.0.0.1", easel.port)

    async def timed(path: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        r = await conn.request("GET", path, headers=headers)
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status}")
        return (r.t_end - started) * 1000, json.loads(r.body)

    try:
        cursor, walked = None, 0
        walk_started = time.perf_counter()
        for _ in range(50):  # to the middle of the workspace, 100 at a time
            _, page = await timed("/v1/storage/files?limit=100" + (f"&cursor={cursor}" if cursor else ""))
            walked += len(page["files"])
            if not page["pagination"]["cursor"]:
                break
            cursor = page["pagination"]["cursor"]
        walk_s = time.perf_counter() - walk_started
        cases = {
            "first page, 10 files": "/v1/storage/files?limit=10",
            "first page, 100 files": "/v1/storage/files?limit=100",
        }
        if cursor:
            cases[f"page {walked // 100 + 1} (cursor), 100 files"] = (
                f"/v1/storage/files?limit=100&cursor={cursor}"
            )
        out: dict[str, Any] = {}
        for label, path in cases.items():
            for _ in range(5):
                await timed(path)  # warm
            out[label] = summary([(await timed(path))[0] for _ in range(reps)])
    finally:
        conn.close()
    return {"pages": out, "walk_50_pages_s": round(walk_s, 3), "walked": walked}
