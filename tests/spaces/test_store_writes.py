"""SQLite takes one writer at a time: writers queued behind an open write transaction must not take the
connection pool with them, so reads (every request's key check) keep being answered meanwhile."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from easel.spaces import ids
from easel.spaces.db import Store
from easel.spaces.engine import default_url
from easel.spaces.records import FileRecord, now_iso

pytestmark = pytest.mark.anyio


def _file(workspace_id: str, i: int) -> FileRecord:
    return FileRecord(id=ids.file_id(), workspace_id=workspace_id, folder_id=None, name=f"f{i}.png",
                      mime_type="image/png", size_bytes=1, sha256="0" * 64, width=1, height=1, origin="upload",
                      metadata={}, created_at=now_iso())


async def test_queued_writers_leave_connections_for_reads(tmp_path: Path) -> None:
    store = Store(default_url(tmp_path))
    await store.open()
    try:
        account = await store.create_account("acct_w", "w")
        workspace = await store.create_workspace("wks_w", account.id, "w")
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold_the_write_lock() -> None:
            async with store._tx():
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold_the_write_lock())
        await holding.wait()
        writers = [asyncio.create_task(store.insert_file(_file(workspace.id, i))) for i in range(40)]  # > the pool
        await asyncio.sleep(0)  # every writer has started and is queued
        # With the first write transaction still open, a read is answered (it would wait on the pool, then
        # fail after the pool's 30 s, if the 40 queued writers each held a connection).
        got = await asyncio.wait_for(store.get_workspace(workspace.id), timeout=60)
        assert got is not None and got.id == workspace.id
        assert not any(w.done() for w in writers)  # and the writers were indeed still waiting
        release.set()
        await holder
        made = await asyncio.wait_for(asyncio.gather(*writers), timeout=120)
        listed = await store.list_files(workspace.id, limit=100, before_seq=None)
        assert sorted(f.id for f in listed) == sorted(f.id for f in made) and len(made) == 40
    finally:
        await store.close()
