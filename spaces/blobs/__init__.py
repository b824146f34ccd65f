"""All blob I/O lives here: file bytes in a local folder or an S3-compatible object store, behind one interface.

The guarantees are the same for both: a blob's bytes are complete and durable before `commit` returns, and only
then may the metadata row commit; nothing half-written is ever visible under a blob's key; and bytes whose row
never committed (a crash between the two) are swept by `sweep()` when a process starts.

The store is chosen once, at start-up, from a URL (`EASEL_BLOB_URL`): `file:///path` (the default: `blobs/`
under the data dir) or `s3://bucket/prefix`, with the standard AWS variables and `EASEL_S3_ENDPOINT_URL` for
S3-compatible stores (MinIO, R2, Garage, Ceph).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from easel.spaces.blobs.local import LocalBlobStore, LocalWriter

__all__ = ["BlobStore", "BlobWriter", "BlobUrlError", "Known", "LocalBlobStore", "LocalWriter", "check_url",
           "open_blobs"]

# Given the keys found in the blob store, which of them have a row.
Known = Callable[[list[str]], Awaitable[Collection[str]]]


class BlobWriter(Protocol):
    """One blob being received. Bytes go to a local temporary file (an upload is decoded from it before it is
    accepted); `commit` makes them the blob, whole, under its key."""

    size: int

    def write(self, data: bytes) -> None: ...
    @property
    def sha256(self) -> str: ...
    async def flushed(self) -> Path: ...
    async def fsync(self) -> None: ...
    async def commit(self, content_type: str | None = None) -> None: ...
    async def abort(self) -> None: ...


class BlobStore(Protocol):
    def writer(self, key: str) -> BlobWriter: ...
    async def put(self, key: str, data: bytes, content_type: str | None = None) -> str: ...
    async def read(self, key: str) -> bytes: ...
    def stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]: ...
    def local_path(self, key: str) -> Path | None: ...
    async def presign(self, key: str, ttl_s: int) -> str | None: ...
    async def delete(self, key: str) -> None: ...
    async def sweep(self, known: Known) -> tuple[int, int]: ...
    async def close(self) -> None: ...


class BlobUrlError(ValueError):
    pass


def check_url(url: str) -> str:
    """The URL if Easel can open it; a BlobUrlError naming what is wrong otherwise (never a credential)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if not parsed.path or parsed.netloc not in ("", "localhost"):
            raise BlobUrlError("EASEL_BLOB_URL: a file URL needs an absolute path, e.g. file:///var/lib/easel/blobs")
        return url
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise BlobUrlError("EASEL_BLOB_URL: an s3 URL needs a bucket, e.g. s3://my-bucket/easel")
        return url
    raise BlobUrlError("EASEL_BLOB_URL must start with file:// or s3://")


def open_blobs(url: str | None, *, data_dir: Path, endpoint_url: str | None = None) -> BlobStore:
    """The blob store at `url` (default: `blobs/` under the data dir). An object store spools uploads under the
    data dir while they are received and decoded."""
    if not url:
        return LocalBlobStore(data_dir / "blobs")
    check_url(url)
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore(Path(unquote(parsed.path)))
    from easel.spaces.blobs.s3 import S3BlobStore

    return S3BlobStore(bucket=parsed.netloc, prefix=parsed.path.strip("/"), endpoint_url=endpoint_url,
                       spool_dir=data_dir / "spool")
