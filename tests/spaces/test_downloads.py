"""Downloads over HTTP from both blob stores: whole files, Range requests, HEAD, and (object store only) the
redirect to a presigned URL."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Running, start_with_two_tenants
from tests.services import S3Target


def _payload() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3)).save(buf, format="PNG", compress_level=0)
    return buf.getvalue()


@pytest.fixture(params=["file", "s3"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Running, S3Target | None]]:
    target: S3Target | None = request.getfixturevalue("s3") if request.param == "s3" else None
    running = start_with_two_tenants(tmp_path, env=target.env if target else {})
    yield running, target
    running.server.stop()


def test_whole_and_partial_downloads_are_byte_exact(server: tuple[Running, S3Target | None]) -> None:
    running, target = server
    data = _payload()
    with running.client(running.alice) as c:
        made = c.post("/v1/storage/files", files={"file": ("noise.png", data, "image/png")}).json()
        if target is not None:  # the bytes really are in the bucket, under the file's id
            assert target.objects() == {made["fileId"]: data}
        whole = c.get(f"/v1/storage/files/{made['fileId']}/content")
        assert (whole.status_code, whole.content) == (200, data)
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
        signed = httpx.get(made["url"])  # the signed link, with no key
        assert (signed.status_code, signed.content) == (200, data)
        size = len(data)
        for header, want, span in [("bytes=0-99", data[:100], f"0-99/{size}"),
                                   ("bytes=1000-", data[1000:], f"1000-{size - 1}/{size}"),
                                   ("bytes=-500", data[-500:], f"{size - 500}-{size - 1}/{size}"),
                                   (f"bytes=10-{size + 50}", data[10:], f"10-{size - 1}/{size}")]:
            part = c.get(f"/v1/storage/files/{made['fileId']}/content", headers={"range": header})
            assert (part.status_code, part.content) == (206, want), header
            assert part.headers["content-range"] == f"bytes {span}"
            assert part.headers["content-length"] == str(len(want))
        head = c.head(f"/v1/storage/files/{made['fileId']}/content", headers={"range": "bytes=5-9"})
        assert (head.status_code, head.headers["content-length"], head.content) == (206, "5", b"")
        stale = c.get(f"/v1/storage/files/{made['fileId']}/content",
                      headers={"range": "bytes=0-9", "if-range": '"another-version"'})
        assert (stale.status_code, stale.content) == (200, data)  # the file changed: the whole of it
        for bad in ["bytes=5-1", "bytes=abc", "items=0-1", "bytes=-"]:
            r = c.get(f"/v1/storage/files/{made['fileId']}/content", headers={"range": bad})
            assert (r.status_code, r.json()["code"]) == (400, "invalid_request"), bad
        for outside in [f"bytes={size}-", "bytes=-0"]:
            r = c.get(f"/v1/storage/files/{made['fileId']}/content", headers={"range": outside})
            assert (r.status_code, r.json()["code"]) == (416, "range_not_satisfiable"), outside
            assert r.headers["content-range"] == f"bytes */{size}"


def test_redirect_to_a_presigned_url_serves_the_same_bytes(s3: S3Target, tmp_path: Path) -> None:
    running = start_with_two_tenants(tmp_path, env={**s3.env, "EASEL_BLOB_REDIRECT": "1"})
    try:
        data = _payload()
        with running.client(running.alice) as c:
            made = c.post("/v1/storage/files", files={"file": ("noise.png", data, "image/png")}).json()
            moved = c.get(f"/v1/storage/files/{made['fileId']}/content")
            assert moved.status_code == 302 and moved.headers["cache-control"] == "no-store"
            target = moved.headers["location"]
            assert target.startswith(s3.server.endpoint) and "X-Amz-Signature=" in target
            assert "X-Amz-Expires=300&" in target
            fetched = httpx.get(target)  # straight from the object store: no Easel key, no Easel bytes
            assert (fetched.status_code, fetched.content, fetched.headers["content-type"]) == (200, data, "image/png")
            ranged = httpx.get(target, headers={"range": "bytes=0-15"})
            assert (ranged.status_code, ranged.content) == (206, data[:16])
            signed = httpx.get(made["url"], follow_redirects=True)  # Easel's signed link redirects too
            assert (signed.status_code, signed.content) == (200, data)
            # Another account's key is refused before any redirect is made.
            other = httpx.get(f"{running.url}/v1/storage/files/{made['fileId']}/content", headers=running.bob.headers)
            assert (other.status_code, other.json()["code"]) == (404, "not_found")
    finally:
        running.server.stop()
