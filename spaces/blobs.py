"""All blob I/O lives here: file bytes on local disk, written atomically.

A blob is first written to `tmp/`, fsynced, then renamed into place, and the directory fsynced; only then
may the metadata row commit. So after any crash a row always has its bytes, and bytes without a row
(the rename happened, the commit did not) are swept away by `sweep()` when the store starts again.
An S3-compatible store would implement the same `BlobStore` protocol.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Protocol

CHUNK = 256 * 1024


class BlobWriter(Protocol):
    size: int

    def write(self, data: bytes) -> None: ...
    @property
    def sha256(self) -> str: ...
    async def flushed(self) -> Path: ...
    async def fsync(self) -> None: ...
    async def commit(self) -> None: ...
    async def abort(self) -> None: ...


class BlobStore(Protocol):
    def writer(self, key: str) -> BlobWriter: ...
    async def put(self, key: str, data: bytes) -> str: ...
    async def read(self, key: str) -> bytes: ...
    def stream(self, key: str) -> AsyncIterator[bytes]: ...
    def local_path(self, key: str) -> Path | None: ...
    async def delete(self, key: str) -> None: ...
    def keys(self) -> list[str]: ...
    def clear_tmp(self) -> int: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalWriter:
    """Streams one blob into a temporary file. Writes go to the page cache (fast enough to do on the event
    loop); the fsync and rename, which do wait on the disk, run in a thread. An upload fsyncs while it is
    being decoded (`fsync`), so `commit` has only the rename left."""

    def __init__(self, final: Path, tmp_dir: Path) -> None:
        self._final = final
        self._tmp = tmp_dir / f"{final.name}.{secrets.token_hex(4)}.tmp"
        self._fh: IO[bytes] = open(self._tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        self._hash = hashlib.sha256()
        self.size = 0
        self._synced = False

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._hash.update(data)
        self.size += len(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    async def flushed(self) -> Path:
        """The temporary file with every byte written so far: for decoding an upload before accepting it."""
        self._fh.flush()
        return self._tmp

    def _fsync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._synced = True

    async def fsync(self) -> None:
        """Make the bytes durable now (while the upload is being decoded); commit() then skips it."""
        await asyncio.to_thread(self._fsync)

    def _commit(self) -> None:
        if not self._synced:
            self._fsync()
        self._fh.close()
        self._final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, self._final)
        _fsync_dir(self._final.parent)

    async def commit(self) -> None:
        await asyncio.to_thread(self._commit)

    async def abort(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        digest = hashlib.sha1(key.encode()).hexdigest()  # spreads keys over 256 folders
        return self.root / digest[:2] / key

    def writer(self, key: str) -> LocalWriter:
        return LocalWriter(self._path(key), self.tmp)

    async def put(self, key: str, data: bytes) -> str:
        w = self.writer(key)
        try:
            w.write(data)
            await w.commit()
        except BaseException:
            await w.abort()
            raise
        return w.sha256

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        with open(self._path(key), "rb") as fh:  # noqa: ASYNC230 - chunks are read in a thread below
            while chunk := await asyncio.to_thread(fh.read, CHUNK):
                yield chunk

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    def keys(self) -> list[str]:
        return [p.name for p in self.root.glob("??/*") if p.is_file()]

    def clear_tmp(self) -> int:
        removed = 0
        for p in self.tmp.iterdir():
            p.unlink(missing_ok=True)
            removed += 1
        return removed
