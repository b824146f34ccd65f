"""SIGKILL in the middle of uploads: after a restart no listed file lacks its bytes, and no bytes lack a file."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import png_bytes
from tests.serverproc import EaselServer

KEY = "esk_crash_test_key_000000000000000000"
NO_LIMITS = {"EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0"}


def _uploader(base_url: str, stop: threading.Event, payload: bytes, done: list[str]) -> None:
    with httpx.Client(base_url=base_url, headers={"x-api-key": KEY}, timeout=10) as c:
        i = 0
        while not stop.is_set():
            try:
                r = c.post("/v1/storage/files", files={"file": (f"f{i}.png", payload, "image/png")})
                if r.status_code == 200:
                    done.append(r.json()["fileId"])
            except httpx.HTTPError:
                return  # the server died under us: exactly what this test is about
            i += 1


def test_sigkill_mid_upload_leaves_a_consistent_store(tmp_path: Path) -> None:
    import io
    import os

    from PIL import Image

    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buf = io.BytesIO()
    noise.save(buf, format="PNG", compress_level=0)
    payload = buf.getvalue()  # ~1.5 MB: large enough that a kill lands mid-write

    server = EaselServer(tmp_path, key=KEY, env=NO_LIMITS).start()
    stop, done = threading.Event(), []
    threads = [threading.Thread(target=_uploader, args=(server.base_url, stop, payload, done)) for _ in range(4)]
    for t in threads:
        t.start()
    # Kill once uploads are acknowledged and more are in flight (four uploaders never pause).
    deadline = time.monotonic() + 120
    while len(done) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert done, "no upload finished before the kill; the test proved nothing"

    server = EaselServer(tmp_path, key=KEY, env=NO_LIMITS).start()
    try:
        with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}, timeout=30) as c:
            listed, cursor = [], None
            while True:
                params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                page = c.get("/v1/storage/files", params=params).json()
                listed += page["files"]
                if not page["pagination"]["hasMore"]:
                    break
                cursor = page["pagination"]["cursor"]
            assert set(done) <= {f["fileId"] for f in listed}  # every acknowledged upload survived
            for f in listed:
                body = c.get(f"/v1/storage/files/{f['fileId']}/content")
                assert body.status_code == 200 and body.content == payload
                assert body.headers["etag"] == f'"{hashlib.sha256(payload).hexdigest()}"'
            with easy_db(tmp_path) as db:
                rows = {r[0] for r in db.execute("SELECT id FROM files")}
            on_disk = {p.name for p in (tmp_path / "blobs").glob("??/*")}
            assert on_disk == rows
            assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
            # and the store still takes uploads
            assert c.post("/v1/storage/files", files={"file": ("ok.png", png_bytes(), "image/png")}).status_code == 200
    finally:
        server.stop()


def easy_db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "easel.db")
