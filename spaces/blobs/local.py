"""Blobs in a local folder, written atomically.

A blob is first written to `tmp/`, fsynced, then renamed into place, and the directory fsynced; only then
may the metadata row commit. So after any crash a row always has its bytes, and bytes without a row
(the rename happened, the commit did not) are swept away by `sweep()` when a process starts.

Several processes (`--workers`, the CLI) may share the folder. Each holds a shared lock on it while it runs;
only a process that finds itself alone (its exclusive lock succeeds) sweeps, so a starting process never
removes another one's upload in flight.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from pathlib import Path
from typing import IO, TypeVar

CHUNK = 256 * 1024
T = TypeVar("T")
log = logging.getLogger("easel.blobs")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Occupancy:
    """A lock file that every process using a folder holds shared from the moment it opens the folder.
    `enter` runs `sweep` only when this process is alone (its upgrade to an exclusive lock succeeds)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_SH)  # waits only while a starting process sweeps

    async def enter(self, sweep: Callable[[], Awaitable[T]]) -> T | None:
        assert self._fd is not None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # others hold it: their temporaries are theirs (the failed upgrade let go)
            await asyncio.to_thread(fcntl.flock, self._fd, fcntl.LOCK_SH)
            return None
        try:
            return await sweep()
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_SH)  # a downgrade never waits: nobody else holds it

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None


class LocalWriter:
    """Streams one blob into a temporary file. Writes go to the page cache (fast enough to do on the event
    loop); the fsync and rename, which do wait on the disk, run in a thread. An upload fsyncs while it is
    being decoded (`fsync`), so `commit` has only the rename left."""

    def __init__(self, final: Path | None, tmp_dir: Path, name: str) -> None:
        self._final = final
        self._tmp = tmp_dir / f"{name}.{secrets.token_hex(4)}.tmp"
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

    @property
    def path(self) -> Path:
        return self._tmp

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
        assert self._final is not None
        if not self._synced:
            self._fsync()
        self._fh.close()
        self._final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, self._final)
        _fsync_dir(self._final.parent)

    async def commit(self, content_type: str | None = None) -> None:
        await asyncio.to_thread(self._commit)

    def close(self) -> None:
        self._fh.close()

    async def abort(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


def clear_folder(folder: Path) -> int:
    removed = 0
    for p in folder.iterdir():
        p.unlink(missing_ok=True)
        removed += 1
    return removed


async def read_range(path: Path, start: int, end: int | None) -> AsyncIterator[bytes]:
    """The bytes [start, end) of a file, in chunks read in a thread."""
    with open(path, "rb") as fh:  # noqa: ASYNC230 - chunks are read in a thread below
        fh.seek(start)
        left = None if end is None else end - start
        while left is None or left > 0:
            want = CHUNK if left is None else min(CHUNK, left)
            chunk = await asyncio.to_thread(fh.read, want)
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._occupancy = Occupancy(root / ".lock")

    def _path(self, key: str) -> Path:
        digest = hashlib.sha1(key.encode()).hexdigest()  # spreads keys over 256 folders
        return self.root / digest[:2] / key

    def writer(self, key: str) -> LocalWriter:
        return LocalWriter(self._path(key), self.tmp, key)

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
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

    def stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        return read_range(self._path(key), start, end)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def presign(self, key: str, ttl_s: int) -> str | None:
        return None  # a local folder has no URL of its own; Easel serves the bytes

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    def keys(self) -> list[str]:
        return [p.name for p in self.root.glob("??/*") if p.is_file()]

    async def sweep(self, known: Callable[[list[str]], Awaitable[Collection[str]]]) -> tuple[int, int]:
        """Temporaries and bytes without a row, removed when no other process uses the folder."""

        async def run() -> tuple[int, int]:
            tmp = await asyncio.to_thread(clear_folder, self.tmp)
            on_disk = await asyncio.to_thread(self.keys)
            rows = set(await known(on_disk))
            orphans = [k for k in on_disk if k not in rows]
            for key in orphans:
                await self.delete(key)
            return tmp, len(orphans)

        return await self._occupancy.enter(run) or (0, 0)

    async def close(self) -> None:
        self._occupancy.close()
