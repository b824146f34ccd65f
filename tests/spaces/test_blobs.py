"""The blob stores behind one interface: a local folder and an S3 object store (moto on loopback)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Collection
from pathlib import Path

import httpx
import pytest

from easel.spaces.blobs import BlobStore, BlobUrlError, LocalBlobStore, check_url, open_blobs
from easel.spaces.blobs import s3 as s3_module
from tests.services import S3_ENV, S3Target

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["file", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[BlobStore, S3Target | None]]:
    if request.param == "file":
        blobs = open_blobs(f"file://{tmp_path / 'blobs'}", data_dir=tmp_path)
        yield blobs, None
    else:
        for k, v in S3_ENV.items():
            monkeypatch.setenv(k, v)
        target: S3Target = request.getfixturevalue("s3")
        blobs = open_blobs(target.url, data_dir=tmp_path, endpoint_url=target.server.endpoint)
        yield blobs, target
    await blobs.close()


async def _visible(blobs: BlobStore, target: S3Target | None, key: str) -> bytes | None:
    """The bytes under `key` as the backing store itself shows them, bypassing Easel."""
    if target is not None:
        return target.objects().get(key)
    path = blobs.local_path(key)
    assert path is not None
    return path.read_bytes() if path.exists() else None


async def _collect(it: AsyncIterator[bytes]) -> bytes:
    out = bytearray()
    async for chunk in it:
        out += chunk
    return bytes(out)


async def test_put_read_stream_ranges_and_delete(store: tuple[BlobStore, S3Target | None]) -> None:
    blobs, target = store
    data = os.urandom(700_000)
    assert await blobs.put("file-a", data, "image/png") == hashlib.sha256(data).hexdigest()
    assert await blobs.read("file-a") == data
    assert await _visible(blobs, target, "file-a") == data
    assert await _collect(blobs.stream("file-a")) == data
    assert await _collect(blobs.stream("file-a", 10, 20)) == data[10:20]
    assert await _collect(blobs.stream("file-a", 699_990)) == data[699_990:]
    assert await _collect(blobs.stream("file-a", 300_000, 700_000)) == data[300_000:]
    await blobs.delete("file-a")
    assert await _visible(blobs, target, "file-a") is None
    await blobs.delete("file-a")  # deleting what is gone is not an error


async def test_a_writer_shows_nothing_until_commit_and_abort_leaves_nothing(
        store: tuple[BlobStore, S3Target | None], tmp_path: Path) -> None:
    blobs, target = store
    data = os.urandom(300_000)
    w = blobs.writer("file-w")
    w.write(data[:100_000])
    w.write(data[100_000:])
    assert (await w.flushed()).read_bytes() == data  # an upload is decoded from here before it is accepted
    assert await _visible(blobs, target, "file-w") is None
    await w.fsync()
    await w.commit("image/png")
    assert (w.size, w.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert await _visible(blobs, target, "file-w") == data
    spool = tmp_path / ("spool" if target else "blobs/tmp")
    assert [p.name for p in spool.iterdir()] == []

    gone = blobs.writer("file-x")
    gone.write(b"half")
    await gone.abort()
    assert await _visible(blobs, target, "file-x") is None
    assert [p.name for p in spool.iterdir()] == []


async def test_sweep_removes_temporaries_and_bytes_without_a_row(
        store: tuple[BlobStore, S3Target | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blobs, target = store
    monkeypatch.setattr(s3_module, "ORPHAN_GRACE_S", 0.0)
    await blobs.put("file-kept", b"kept")
    await blobs.put("file-orphan", b"orphan")
    half = blobs.writer("file-half")
    half.write(b"half-written")
    await half.flushed()

    async def known(keys: list[str]) -> Collection[str]:
        return {k for k in keys if k == "file-kept"}

    # Another process still has the folder open: it must leave everything alone.
    twin = open_blobs(f"file://{tmp_path / 'blobs'}" if target is None else target.url, data_dir=tmp_path,
                      endpoint_url=target.server.endpoint if target else None)
    removed = await twin.sweep(known)
    await twin.close()
    # The local folder is swept only by a process alone on it; the bucket's old orphans by any node (their
    # age shows they are nobody's upload in flight), but the local spool still only by a process alone.
    assert removed == ((0, 0) if target is None else (0, 1))
    await blobs.close()  # now the first process is gone, with its half-written upload left behind
    alone = open_blobs(f"file://{tmp_path / 'blobs'}" if target is None else target.url, data_dir=tmp_path,
                       endpoint_url=target.server.endpoint if target else None)
    assert await alone.sweep(known) == ((1, 1) if target is None else (1, 0))
    assert await _visible(alone, target, "file-kept") == b"kept"
    assert await _visible(alone, target, "file-orphan") is None
    await alone.close()


async def test_young_objects_without_a_row_are_left_for_the_node_that_is_writing_them(
        s3: S3Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in S3_ENV.items():
        monkeypatch.setenv(k, v)
    blobs = open_blobs(s3.url, data_dir=tmp_path, endpoint_url=s3.server.endpoint)
    await blobs.put("file-in-flight", b"another node has not committed its row yet")

    async def none(keys: list[str]) -> Collection[str]:
        return set()

    assert await blobs.sweep(none) == (0, 0)
    assert s3.objects() == {"file-in-flight": b"another node has not committed its row yet"}
    await blobs.close()


async def test_presigned_urls_serve_the_bytes_with_no_credentials(s3: S3Target, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in S3_ENV.items():
        monkeypatch.setenv(k, v)
    blobs = open_blobs(s3.url, data_dir=tmp_path, endpoint_url=s3.server.endpoint)
    await blobs.put("file-p", b"\x89PNG presigned", "image/png")
    url = await blobs.presign("file-p", 60)
    assert url is not None and url.startswith(s3.server.endpoint) and "X-Amz-Signature=" in url
    assert "X-Amz-Expires=60&" in url and S3_ENV["AWS_SECRET_ACCESS_KEY"] + "&" not in url
    async with httpx.AsyncClient() as client:
        r = await client.get(url)
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, b"\x89PNG presigned", "image/png")
    await blobs.close()
    local = LocalBlobStore(tmp_path / "blobs")
    assert await local.presign("file-p", 60) is None
    await local.close()


def test_blob_urls_are_checked() -> None:
    assert check_url("file:///var/lib/easel") == "file:///var/lib/easel"
    assert check_url("s3://bucket/prefix") == "s3://bucket/prefix"
    for bad, says in [("ftp://x", "must start with"), ("s3:///nobucket", "needs a bucket"),
                      ("file://host/path", "absolute path")]:
        with pytest.raises(BlobUrlError, match=says):
            check_url(bad)
