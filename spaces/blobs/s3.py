"""Blobs in an S3-compatible object store, through obstore (one async API over S3, GCS, Azure and local files;
chosen over aioboto3 by measurement, see docs/benchmarks.md).

An upload is spooled to a local temporary file (it is decoded from there before it is accepted), then sent in
one PUT, or a multipart upload beyond MULTIPART_BYTES; S3 makes an object visible only once it is whole, so
nothing half-written is ever readable. The row commits after the PUT returns.

Bytes whose row never committed are swept at start, but only once they are older than ORPHAN_GRACE_S: other
nodes share the bucket, and a young object without a row may be another node's upload between its PUT and its
row. The local spool is swept the way the local folder is: only by a process that finds itself alone on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import obstore
from obstore.store import S3Store

from easel.spaces.blobs.local import CHUNK, LocalWriter, Occupancy, clear_folder

MULTIPART_BYTES = 64 * 1024 * 1024
ORPHAN_GRACE_S = 3600.0
log = logging.getLogger("easel.blobs")


class S3Writer:
    def __init__(self, blobs: S3BlobStore, key: str) -> None:
        self._blobs, self._key = blobs, key
        self._spool = LocalWriter(None, blobs.spool, key)

    @property
    def size(self) -> int:
        return self._spool.size

    def write(self, data: bytes) -> None:
        self._spool.write(data)

    @property
    def sha256(self) -> str:
        return self._spool.sha256

    async def flushed(self) -> Path:
        return await self._spool.flushed()

    async def fsync(self) -> None:
        """Durability comes from the object store's PUT, not the local spool."""

    async def commit(self, content_type: str | None = None) -> None:
        path = await self._spool.flushed()
        self._spool.close()
        try:
            await self._blobs.put_file(self._key, path, self.size, content_type)
        finally:
            path.unlink(missing_ok=True)

    async def abort(self) -> None:
        await self._spool.abort()


class S3BlobStore:
    def __init__(self, *, bucket: str, prefix: str, spool_dir: Path, endpoint_url: str | None = None) -> None:
        self.bucket, self.prefix = bucket, prefix
        config: dict[str, Any] = {}
        if endpoint_url:
            config["endpoint"] = endpoint_url
            config["allow_http"] = endpoint_url.startswith("http://")
        if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
            config["region"] = "us-east-1"  # what S3-compatible stores accept when none is named
        self.store = S3Store(bucket, prefix=prefix or None, **config)
        self.spool = spool_dir
        self.spool.mkdir(parents=True, exist_ok=True)
        self._occupancy = Occupancy(spool_dir.with_name(spool_dir.name + ".lock"))

    def writer(self, key: str) -> S3Writer:
        return S3Writer(self, key)

    async def put_file(self, key: str, path: Path, size: int, content_type: str | None) -> None:
        attributes = {"Content-Type": content_type} if content_type else None
        await obstore.put_async(self.store, key, path, attributes=attributes,  # type: ignore[arg-type]
                                use_multipart=size > MULTIPART_BYTES)

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        import hashlib

        attributes = {"Content-Type": content_type} if content_type else None
        await obstore.put_async(self.store, key, data, attributes=attributes,  # type: ignore[arg-type]
                                use_multipart=len(data) > MULTIPART_BYTES)
        return hashlib.sha256(data).hexdigest()

    async def read(self, key: str) -> bytes:
        result = await obstore.get_async(self.store, key)
        return bytes(await result.bytes_async())

    async def stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        options: dict[str, Any] = {}
        if end is not None:
            options["range"] = (start, end)
        elif start:
            options["range"] = {"offset": start}
        result = await obstore.get_async(self.store, key, options=options or None)  # type: ignore[arg-type]
        async for chunk in result.stream(min_chunk_size=CHUNK):
            yield bytes(chunk)

    def local_path(self, key: str) -> Path | None:
        return None

    async def presign(self, key: str, ttl_s: int) -> str | None:
        return await obstore.sign_async(self.store, "GET", key, timedelta(seconds=ttl_s))

    async def delete(self, key: str) -> None:
        await obstore.delete_async(self.store, key)

    async def keys(self, older_than_s: float = 0.0) -> list[str]:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        found: list[str] = []
        async for batch in obstore.list(self.store, chunk_size=1000):
            found += [m["path"] for m in batch if m["last_modified"] <= cutoff]
        return found

    async def sweep(self, known: Callable[[list[str]], Awaitable[Collection[str]]]) -> tuple[int, int]:
        spooled = await self._occupancy.enter(lambda: asyncio.to_thread(clear_folder, self.spool)) or 0
        try:
            old = await self.keys(older_than_s=ORPHAN_GRACE_S)
        except Exception as exc:  # the first call to the store: say which store could not be reached, and why
            raise RuntimeError(f"Cannot list the object store s3://{self.bucket}/{self.prefix}: "
                               f"{type(exc).__name__}: {exc}") from None
        rows = set(await known(old))
        orphans = [k for k in old if k not in rows]
        for key in orphans:
            await self.delete(key)
        return spooled, len(orphans)

    async def close(self) -> None:
        self._occupancy.close()
