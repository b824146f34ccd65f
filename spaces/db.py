"""All SQL lives here: one set of queries (SQLAlchemy Core, async) for SQLite and PostgreSQL.

The dialect comes from the URL (spaces.engine); the tables from spaces.tables; the schema is brought up to
date by spaces.migrate when the store opens. Reads run without a transaction on PostgreSQL (autocommit: one
round trip) and in a deferred one on SQLite; every write is one transaction (IMMEDIATE on SQLite).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from easel.spaces.db_conversations import ConversationQueries, last_file, thread_length, title_from
from easel.spaces.db_idempotency import IdempotencyQueries
from easel.spaces.db_videos import VideoJobQueries
from easel.spaces.engine import BEGIN, make_engine, make_sync_sqlite_engine
from easel.spaces.migrate import current, migrate
from easel.spaces.records import Account, ApiKey, FileRecord, Folder, UsageRecord, Workspace, now_iso
from easel.spaces.tables import (
    accounts,
    api_keys,
    files,
    folders,
    meta,
    usage,
    workspaces,
)

BOOTSTRAP_CLAIM = "bootstrap"
log = logging.getLogger("easel.store")
# How long a call on the event loop may wait on SQLite's lock before it goes to a worker thread instead, which
# may wait. In WAL mode a read takes no lock a writer holds (this is for the rare ones that do, a WAL being
# recovered); a write waits only on another process's writer, this process's queue on _write_lock first.
LOOP_BUSY_MS = 20
# The loop's writes leave the WAL to grow; every this many of them, a worker thread copies it back into the
# database (a PASSIVE checkpoint: readers and writers go on meanwhile), as SQLite's autocheckpoint would have
# done on the loop, at 1,000 pages, with an fsync.
CHECKPOINT_EVERY = 200
T = TypeVar("T")
__all__ = ["Store", "last_file", "now_iso", "thread_length", "title_from"]


def _file(row: sa.Row[Any]) -> FileRecord:
    m = row._mapping
    return FileRecord(
        id=m["id"], workspace_id=m["workspace_id"], folder_id=m["folder_id"], name=m["name"],
        mime_type=m["mime_type"], size_bytes=m["size_bytes"], sha256=m["sha256"], width=m["width"],
        height=m["height"], origin=m["origin"], metadata=json.loads(m["metadata"]), created_at=m["created_at"],
        seq=m["seq"])


def _workspace(row: sa.Row[Any]) -> Workspace:
    m = row._mapping
    return Workspace(id=m["id"], account_id=m["account_id"], name=m["name"], created_at=m["created_at"])


def _key(row: sa.Row[Any]) -> ApiKey:
    m = row._mapping
    return ApiKey(id=m["id"], account_id=m["account_id"], prefix=m["prefix"], name=m["name"],
                  created_at=m["created_at"], default_workspace_id=m["default_workspace_id"],
                  revoked_at=m["revoked_at"])


def _account(row: sa.Row[Any]) -> Account:
    m = row._mapping
    return Account(id=m["id"], name=m["name"], created_at=m["created_at"], budget_usd=m["budget_usd"],
                   spent_usd=m["spent_usd"])


def _usage(row: sa.Row[Any]) -> UsageRecord:
    fields = dict(row._mapping)
    fields.pop("seq")
    fields["file_ids"] = json.loads(fields["file_ids"])
    return UsageRecord(**fields)


def _folder(row: sa.Row[Any]) -> Folder:
    m = row._mapping
    return Folder(id=m["id"], workspace_id=m["workspace_id"], name=m["name"], created_at=m["created_at"])


def _lock_taken(error: sa.exc.OperationalError) -> bool:
    """SQLite's "database is locked" / "busy": the call may be made again where it can wait."""
    return "locked" in str(error.orig) or "busy" in str(error.orig)


_INSERT_USAGE = usage.insert()
_ADD_SPEND = (accounts.update().where(accounts.c.id == sa.bindparam("account"))
              .values(spent_usd=accounts.c.spent_usd + sa.bindparam("cost", type_=accounts.c.spent_usd.type)))


class Store(ConversationQueries, VideoJobQueries, IdempotencyQueries):
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None
        self._write_lock: asyncio.Lock | None = None
        self._loop_reader: sa.Engine | None = None
        self._loop_writer: sa.Engine | None = None
        self._sync_writer: sa.Engine | None = None
        self._checkpointer: sa.Engine | None = None
        self._loop_writes = 0

    # -- plumbing -------------------------------------------------------------------------------------
    async def open(self) -> None:
        engine = make_engine(self.url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        self.dialect = engine.dialect.name
        self._reader = engine if self.dialect == "sqlite" else engine.execution_options(isolation_level="AUTOCOMMIT")
        self._writer = engine.execution_options(**{BEGIN: "IMMEDIATE"}) if self.dialect == "sqlite" else engine
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            # SQLite is a library, not a server: a read from the page cache, or a short write to the WAL
            # (synchronous=NORMAL: no fsync at commit), takes less CPU than aiosqlite's trips to its thread, and
            # a worker thread under load waits for the GIL while the loop runs (1,000 streams ending at once
            # queued their writes behind it for over 20 s). So they run on the loop (make_sync_sqlite_engine).
            sync_engine = make_sync_sqlite_engine(self.url, LOOP_BUSY_MS, autocheckpoint=False)
            self._loop_reader = sync_engine.execution_options(**{BEGIN: None})
            self._loop_writer = sync_engine.execution_options(**{BEGIN: "IMMEDIATE"})
            thread_engine = make_sync_sqlite_engine(self.url)
            self._sync_writer = thread_engine.execution_options(**{BEGIN: "IMMEDIATE"})
            self._checkpointer = thread_engine.execution_options(**{BEGIN: None})

    async def close(self) -> None:
        for sync_engine in (self._loop_reader, self._sync_writer):
            if sync_engine is not None:
                sync_engine.dispose()
        self._loop_reader = self._loop_writer = self._sync_writer = self._checkpointer = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def schema_revision(self) -> str | None:
        """The migration revision the store is at (head once open)."""
        async with self._reader.connect() as conn:
            return await conn.run_sync(current)

    def _read_on_loop(self, stmt: sa.Executable) -> sa.Result[Any] | None:
        """`stmt` run on SQLite from the event loop, its rows buffered; None where it must wait on a lock (the
        caller then reads through the worker thread, which may wait)."""
        assert self._loop_reader is not None
        try:
            with self._loop_reader.connect() as conn:
                return conn.execute(stmt).freeze()()
        except sa.exc.OperationalError as e:
            if _lock_taken(e):
                return None
            raise

    async def _rows(self, stmt: sa.Executable) -> Sequence[sa.Row[Any]]:
        if self._loop_reader is not None and (result := self._read_on_loop(stmt)) is not None:
            return result.all()
        async with self._reader.connect() as conn:
            return (await conn.execute(stmt)).all()

    async def _scalar(self, stmt: sa.Executable) -> Any:
        if self._loop_reader is not None and (result := self._read_on_loop(stmt)) is not None:
            return result.scalar()
        async with self._reader.connect() as conn:
            return (await conn.execute(stmt)).scalar()

    async def _write(self, body: Callable[[sa.Connection], T]) -> T:
        """`body` in one write transaction: on PostgreSQL through the async engine; on SQLite on the loop, or in
        a worker thread where another process holds the write lock. Writers of this process queue first, as in
        _tx. `body` runs again, from the start, if the loop's attempt found the lock taken (it wrote nothing)."""
        if self._loop_writer is None:
            async with self._writer.begin() as conn:
                return await conn.run_sync(body)
        assert self._write_lock is not None
        async with self._write_lock:
            try:
                with self._loop_writer.begin() as conn:
                    result = body(conn)
            except sa.exc.OperationalError as e:
                if not _lock_taken(e):
                    raise
                return await asyncio.to_thread(self._write_sync, body)
            self._loop_writes += 1
            if self._loop_writes % CHECKPOINT_EVERY == 0:
                await asyncio.to_thread(self._checkpoint)
            return result

    def _write_sync(self, body: Callable[[sa.Connection], T]) -> T:
        assert self._sync_writer is not None
        with self._sync_writer.begin() as conn:
            return body(conn)

    def _checkpoint(self) -> None:
        """A PASSIVE checkpoint: copies what it can without waiting; one that cannot now is retried later."""
        assert self._checkpointer is not None
        try:
            with self._checkpointer.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except sa.exc.OperationalError as e:
            log.warning("WAL checkpoint skipped: %s", e.orig)

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self._writer.begin() as conn:
                yield conn
            return
        # SQLite takes one writer at a time. Writers of this process queue here, holding no connection, rather
        # than each taking one from the pool and waiting on the file lock in SQLite's busy handler: with 1,000
        # held streams, 16 such waiters held the whole pool and every read behind them (the key check of each
        # new request) failed after the pool's 30 s. Other processes still queue on busy_timeout.
        async with self._write_lock, self._writer.begin() as conn:
            yield conn

    def _insert(self, table: sa.Table) -> Any:
        """INSERT with ON CONFLICT support, in the store's dialect (both speak the same clause)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # -- meta -----------------------------------------------------------------------------------------
    async def set_meta_if_absent(self, key: str, value: str) -> str:
        async with self._tx() as conn:
            await conn.execute(self._insert(meta).values(key=key, value=value).on_conflict_do_nothing())
            return str((await conn.execute(sa.select(meta.c.value).where(meta.c.key == key))).scalar_one())

    # -- accounts, workspaces, keys -------------------------------------------------------------------
    async def count_accounts(self) -> int:
        return int(await self._scalar(sa.select(sa.func.count()).select_from(accounts)))

    async def create_account(self, account_id: str, name: str) -> Account:
        created = now_iso()
        async with self._tx() as conn:
            await conn.execute(accounts.insert().values(id=account_id, name=name, created_at=created))
        return Account(id=account_id, name=name, created_at=created)

    async def get_account(self, account_id: str) -> Account | None:
        rows = await self._rows(sa.select(accounts).where(accounts.c.id == account_id))
        return _account(rows[0]) if rows else None

    async def first_account(self) -> Account | None:
        rows = await self._rows(sa.select(accounts).order_by(accounts.c.created_at, accounts.c.id).limit(1))
        return _account(rows[0]) if rows else None

    async def set_budget(self, account_id: str, budget_usd: float | None) -> None:
        async with self._tx() as conn:
            await conn.execute(accounts.update().where(accounts.c.id == account_id).values(budget_usd=budget_usd))

    async def create_workspace(self, workspace_id: str, account_id: str, name: str) -> Workspace:
        created = now_iso()
        async with self._tx() as conn:
            await conn.execute(workspaces.insert().values(id=workspace_id, account_id=account_id, name=name,
                                                          created_at=created))
        return Workspace(id=workspace_id, account_id=account_id, name=name, created_at=created)

    async def get_workspace(self, workspace_id: str) -> Workspace | None:
        rows = await self._rows(sa.select(workspaces).where(workspaces.c.id == workspace_id))
        return _workspace(rows[0]) if rows else None

    async def list_workspaces(self, account_id: str) -> list[Workspace]:
        rows = await self._rows(sa.select(workspaces).where(workspaces.c.account_id == account_id)
                                .order_by(workspaces.c.seq))
        return [_workspace(r) for r in rows]

    async def link_secret(self, workspace_id: str, fresh: str) -> str | None:
        """The workspace's link secret, set to `fresh` if it has none yet; None for no such workspace."""
        w = workspaces.c
        async with self._tx() as conn:  # set only where still unset: of two racing processes, the first wins
            await conn.execute(workspaces.update().where(w.id == workspace_id, w.link_secret.is_(None))
                               .values(link_secret=fresh))
            value = (await conn.execute(sa.select(w.link_secret).where(w.id == workspace_id))).scalar()
        return None if value is None else str(value)

    async def rotate_link_secret(self, workspace_id: str, fresh: str) -> bool:
        async with self._tx() as conn:
            result = await conn.execute(workspaces.update().where(workspaces.c.id == workspace_id)
                                        .values(link_secret=fresh))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def _key_values(key: ApiKey, key_hash: str) -> dict[str, Any]:
        return {"id": key.id, "account_id": key.account_id, "key_hash": key_hash, "prefix": key.prefix,
                "name": key.name, "created_at": key.created_at, "default_workspace_id": key.default_workspace_id}

    async def create_key(self, key: ApiKey, key_hash: str) -> None:
        async with self._tx() as conn:
            await conn.execute(api_keys.insert().values(**self._key_values(key, key_hash)))

    async def key_by_hash(self, key_hash: str) -> ApiKey | None:
        rows = await self._rows(sa.select(api_keys).where(api_keys.c.key_hash == key_hash))
        return _key(rows[0]) if rows else None

    async def list_keys(self, account_id: str | None = None) -> list[ApiKey]:
        stmt = sa.select(api_keys).order_by(api_keys.c.created_at)
        if account_id is not None:
            stmt = stmt.where(api_keys.c.account_id == account_id)
        return [_key(r) for r in await self._rows(stmt)]

    async def revoke_key(self, key_id_or_prefix: str) -> int:
        async with self._tx() as conn:
            result = await conn.execute(
                api_keys.update()
                .where(sa.or_(api_keys.c.id == key_id_or_prefix, api_keys.c.prefix == key_id_or_prefix),
                       api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now_iso()))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def bootstrap(self, account: Account, workspace: Workspace, key: ApiKey, key_hash: str) -> bool:
        """The first start's account, workspace and key, made by exactly one of any number of processes.

        One transaction claims a singleton row in `meta` and writes all three: a process that loses the claim
        (it waits on the winner's row lock, then sees the row) writes nothing. A store that already has an
        account (an upgraded one, or one the CLI filled first) claims and makes nothing.
        """
        async with self._tx() as conn:
            claimed = await conn.execute(
                self._insert(meta).values(key=BOOTSTRAP_CLAIM, value=account.id)
                .on_conflict_do_nothing().returning(meta.c.key))
            if claimed.first() is None:
                return False
            if (await conn.execute(sa.select(sa.func.count()).select_from(accounts))).scalar_one():
                return False
            await conn.execute(accounts.insert().values(id=account.id, name=account.name,
                                                        created_at=account.created_at))
            await conn.execute(workspaces.insert().values(id=workspace.id, account_id=account.id,
                                                          name=workspace.name, created_at=workspace.created_at))
            await conn.execute(api_keys.insert().values(**self._key_values(key, key_hash)))
            return True

    # -- folders --------------------------------------------------------------------------------------
    async def create_folder(self, folder: Folder) -> None:
        async with self._tx() as conn:
            await conn.execute(folders.insert().values(id=folder.id, workspace_id=folder.workspace_id,
                                                       name=folder.name, created_at=folder.created_at))

    async def get_folder(self, folder_id: str) -> Folder | None:
        rows = await self._rows(sa.select(folders).where(folders.c.id == folder_id))
        return _folder(rows[0]) if rows else None

    async def list_folders(self, workspace_id: str) -> list[Folder]:
        rows = await self._rows(sa.select(folders).where(folders.c.workspace_id == workspace_id)
                                .order_by(folders.c.created_at, folders.c.id))
        return [_folder(r) for r in rows]

    async def delete_folder(self, folder_id: str) -> list[str]:
        """Deletes the folder and the rows of its files; returns the file ids whose bytes must go."""
        async with self._tx() as conn:
            removed = await conn.execute(files.delete().where(files.c.folder_id == folder_id).returning(files.c.id))
            ids = [r[0] for r in removed.all()]
            await conn.execute(folders.delete().where(folders.c.id == folder_id))
        return ids

    # -- files ----------------------------------------------------------------------------------------
    async def insert_file(self, f: FileRecord) -> FileRecord:
        async with self._tx() as conn:
            seq = (await conn.execute(files.insert().values(
                id=f.id, workspace_id=f.workspace_id, folder_id=f.folder_id, name=f.name, mime_type=f.mime_type,
                size_bytes=f.size_bytes, sha256=f.sha256, width=f.width, height=f.height, origin=f.origin,
                metadata=json.dumps(f.metadata), created_at=f.created_at).returning(files.c.seq))).scalar_one()
        return FileRecord(**{**f.__dict__, "seq": seq})

    async def get_file(self, file_id: str) -> FileRecord | None:
        rows = await self._rows(sa.select(files).where(files.c.id == file_id))
        return _file(rows[0]) if rows else None

    async def get_files(self, file_ids: list[str]) -> list[FileRecord]:
        if not file_ids:
            return []
        return [_file(r) for r in await self._rows(sa.select(files).where(files.c.id.in_(file_ids)))]

    async def list_files(self, workspace_id: str, *, limit: int, before_seq: int | None,
                         folder_id: str | None = None) -> list[FileRecord]:
        stmt = sa.select(files).where(files.c.workspace_id == workspace_id)
        if folder_id is not None:
            stmt = stmt.where(files.c.folder_id == folder_id)
        if before_seq is not None:
            stmt = stmt.where(files.c.seq < before_seq)
        rows = await self._rows(stmt.order_by(files.c.seq.desc()).limit(limit))
        return [_file(r) for r in rows]

    async def file_by_sha256(self, workspace_id: str, sha256: str) -> FileRecord | None:
        rows = await self._rows(sa.select(files).where(files.c.workspace_id == workspace_id, files.c.sha256 == sha256)
                                .order_by(files.c.seq).limit(1))
        return _file(rows[0]) if rows else None

    async def delete_file(self, file_id: str) -> None:
        async with self._tx() as conn:
            await conn.execute(files.delete().where(files.c.id == file_id))

    async def existing_file_ids(self, file_ids: list[str]) -> set[str]:
        if not file_ids:
            return set()
        found: set[str] = set()
        for i in range(0, len(file_ids), 500):  # bounded IN lists
            rows = await self._rows(sa.select(files.c.id).where(files.c.id.in_(file_ids[i:i + 500])))
            found.update(r[0] for r in rows)
        return found

    # -- usage ----------------------------------------------------------------------------------------
    async def record_usage(self, u: UsageRecord) -> None:
        """The record and the account's spend move together, in one transaction."""
        values = {**u.__dict__, "file_ids": json.dumps(u.file_ids)}

        def write(conn: sa.Connection) -> None:
            # Statements made once, values passed as parameters: `.values(**row)` built and keyed 18 bound
            # literals on every call, most of a write's CPU (bench/sqlite_calls.py).
            conn.execute(_INSERT_USAGE, values)
            conn.execute(_ADD_SPEND, {"account": u.account_id, "cost": u.cost_usd})

        await self._write(write)

    async def list_usage(self, account_id: str, *, kind: str, limit: int, offset: int) -> tuple[list[UsageRecord], int]:
        where = sa.and_(usage.c.account_id == account_id, usage.c.kind == kind)
        async with self._reader.connect() as conn:
            rows = (await conn.execute(sa.select(usage).where(where).order_by(usage.c.seq.desc())
                                       .limit(limit).offset(offset))).all()
            total = (await conn.execute(sa.select(sa.func.count()).select_from(usage).where(where))).scalar_one()
        return [_usage(r) for r in rows], int(total)

    async def generation_number(self, account_id: str, usage_id: str) -> int:
        """Where a generation stands among its account's generations, counting from 1 (Zekron's ids)."""
        own = sa.select(usage.c.seq).where(usage.c.id == usage_id).scalar_subquery()
        query = sa.select(sa.func.count()).select_from(usage).where(
            usage.c.account_id == account_id, usage.c.kind == "generation", usage.c.seq <= own)
        return int(await self._scalar(query) or 0)

    async def usage_by_id(self, usage_id: str) -> UsageRecord | None:
        rows = await self._rows(sa.select(usage).where(usage.c.id == usage_id))
        return _usage(rows[0]) if rows else None
