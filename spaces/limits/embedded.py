"""Limits shared by every process on this machine, in a small SQLite file beside the store (no Redis needed).

Each acquire is one short write transaction (`BEGIN IMMEDIATE`): expire, count, insert. It runs on the event
loop, not in a thread: uncontended it takes tens of microseconds, less than a trip to a worker thread. When
another process holds the write lock the transaction is retried after a short async sleep, so the loop never
blocks on SQLite's busy handler. Durability is not wanted here (a lost count after a power cut is harmless),
so the file is written with `synchronous=OFF`.

Slots are leases: each process renews its own every lease/3 seconds; a killed process's slots expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from easel.spaces.limits import WINDOW_S, Verdict, allowed, too_many_at_once, too_many_per_minute

log = logging.getLogger("easel.limits")

SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (bucket TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_bucket_at ON hits (bucket, at);
CREATE TABLE IF NOT EXISTS slots (id TEXT PRIMARY KEY, bucket TEXT NOT NULL, owner TEXT NOT NULL,
                                  expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS slots_bucket ON slots (bucket, expires);
CREATE INDEX IF NOT EXISTS slots_owner ON slots (owner);
"""


class Busy(Exception):
    pass


class EmbeddedLimiter:
    def __init__(self, path: Path, *, rpm: int, concurrent: int, lease_s: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.rpm, self.concurrent, self.lease_s, self.clock = rpm, concurrent, lease_s, clock
        self.owner = secrets.token_hex(8)
        path.parent.mkdir(parents=True, exist_ok=True)
        # busy_timeout=0: a locked database raises at once and we retry with an async sleep (see above).
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        self._retry(self._setup)
        self._renewer: asyncio.Task[None] | None = None

    def _setup(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(SCHEMA)

    @staticmethod
    def _retry(fn: Any) -> None:
        """At start-up only: several processes may create the file at the same moment."""
        for attempt in range(200):
            try:
                fn()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.005 * (1 + attempt % 10))
        fn()

    def _transaction(self, bucket: str, now: float) -> Verdict:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise Busy from exc
        try:
            used, oldest = 0, None
            if self.rpm:
                db.execute("DELETE FROM hits WHERE bucket=? AND at<=?", (bucket, now - WINDOW_S))
                used, first = db.execute("SELECT COUNT(*), MIN(at) FROM hits WHERE bucket=?", (bucket,)).fetchone()
                oldest = (now - first) if first is not None else None
                if used >= self.rpm:
                    return too_many_per_minute(self.rpm, WINDOW_S - (oldest or 0.0))
            slot = None
            if self.concurrent:
                db.execute("DELETE FROM slots WHERE bucket=? AND expires<=?", (bucket, now))
                (held,) = db.execute("SELECT COUNT(*) FROM slots WHERE bucket=?", (bucket,)).fetchone()
                if held >= self.concurrent:
                    reset = (WINDOW_S - oldest) if oldest is not None else 0.0
                    return too_many_at_once(self.rpm, self.concurrent, max(self.rpm - used, 0), reset)
                slot = secrets.token_hex(8)
                db.execute("INSERT INTO slots VALUES (?,?,?,?)", (slot, bucket, self.owner, now + self.lease_s))
            if self.rpm:
                db.execute("INSERT INTO hits VALUES (?,?)", (bucket, now))
                used += 1
                oldest = oldest if oldest is not None else 0.0
            return allowed(self.rpm, used, oldest, slot)
        finally:
            db.execute("COMMIT")

    async def acquire(self, bucket: str) -> Verdict:
        if not (self.rpm or self.concurrent):
            return Verdict(True, 0, 0, 0.0)
        self._ensure_renewer()
        delay = 0.0005
        while True:
            try:
                return self._transaction(bucket, self.clock())
            except Busy:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.02)

    async def release(self, bucket: str, slot: str | None) -> None:
        if slot is None:
            return
        delay = 0.0005
        while True:
            try:
                self._db.execute("DELETE FROM slots WHERE id=?", (slot,))
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.02)

    def _ensure_renewer(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew_forever())

    async def _renew_forever(self) -> None:
        """Extends this process's leases, and drops every key's expired hits and slots, so nothing outlives
        its window in the file either."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            for attempt in range(20):
                try:
                    self.renew_and_purge()
                    break
                except sqlite3.OperationalError as exc:  # locked at this instant: try again shortly
                    log.debug("limits renewal retried: %s", exc)
                    await asyncio.sleep(0.005 * (attempt + 1))

    def renew_and_purge(self) -> None:
        now = self.clock()
        self._db.execute("UPDATE slots SET expires=? WHERE owner=?", (now + self.lease_s, self.owner))
        self._db.execute("DELETE FROM hits WHERE at<=?", (now - WINDOW_S,))
        self._db.execute("DELETE FROM slots WHERE expires<=?", (now,))

    def rows(self) -> int:
        """Rows in the file (for tests: nothing may outlive its window)."""
        hits = self._db.execute("SELECT COUNT(*) FROM hits").fetchone()[0]
        return int(hits + self._db.execute("SELECT COUNT(*) FROM slots").fetchone()[0])

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("DELETE FROM slots WHERE owner=?", (self.owner,))
        self._db.close()
