"""Versioned migrations: a store written by release 0.1 upgrades in place, every record reads back, and the
schema the migrations make is the one spaces/tables.py describes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from easel.spaces.engine import make_engine
from easel.spaces.errors import EaselError
from easel.spaces.ledger import Ledger
from easel.spaces.migrate import head, migrate
from easel.spaces.space import Space
from easel.spaces.tables import metadata
from tests.backends import Backend

pytestmark = pytest.mark.anyio
FIXTURE = Path(__file__).parent / "fixtures" / "store_0_1"


async def _schema_drift(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
    finally:
        await engine.dispose()


async def test_a_release_0_1_store_upgrades_in_place_and_every_record_reads_back(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "data", ignore=shutil.ignore_patterns("*.py", "*.json"))
    made = json.loads((FIXTURE / "expected.json").read_text())
    space = await Space.open(data_dir=tmp_path / "data")
    try:
        url = space.store.url
        assert await space.bootstrap(None) is None  # it has accounts: no second default account
        alice = await space.authenticate("esk_legacy_alice_000000000000000000")
        bob = await space.authenticate("esk_legacy_bob_00000000000000000000")
        with pytest.raises(EaselError):
            await space.authenticate("esk_legacy_revoked_0000000000000000")
        assert alice.default_workspace_id == made["alice_ws"] and bob.default_workspace_id == made["bob_ws"]
        assert [(w.id, w.name) for w in await space.list_workspaces(alice)] == [
            (made["alice_ws"], "default"), (made["posters"], "posters")]
        keys = await space.store.list_keys()
        assert sorted((k.name, k.revoked_at is not None) for k in keys) == [
            ("default", False), ("old", True), ("owner", False)]

        alice_ws = await space.workspace(alice, None)
        page = await space.list_files(alice_ws, limit=10)
        red, beach, bobs = made["files"]
        assert [f.id for f in page.files] == [beach, red]  # newest first, by the sequence 0.1 kept
        assert [(f.name, f.width, f.height, f.origin) for f in page.files] == [
            ("beach.png", 32, 32, "generated"), ("red.png", 64, 48, "upload")]
        assert page.files[0].metadata == {"prompt": "a beach", "seed": 3}
        assert [await space.read(f) for f in page.files] == [b"\x89PNG-beach", b"\x89PNG-red"]
        folder = await space.folder(alice_ws, made["folder"])
        assert folder.name == "Holiday"
        assert [f.id for f in (await space.list_files(alice_ws, limit=10, folder_id=folder.id)).files] == [beach]
        bob_file = await space.file(await space.workspace(bob, None), bobs)
        assert (await space.read(bob_file), bob_file.mime_type, bob_file.metadata) == (
            b"RIFFbob", "image/webp", {"model": "builtin/painter-1"})

        assert await space.store.conversation_workspace("conv-legacy1") == made["alice_ws"]
        assert await space.store.conversation_messages("conv-legacy1", limit=10) == [
            {"role": "user", "content": "paint a red square"},
            {"role": "assistant", "content": "Here it is.", "file_ids": [red]},
            {"role": "user", "content": "now a beach"}]

        ledger = Ledger(space.store)
        assert await ledger.balance(bob) == {"balance": 2.45, "budget": 2.5, "total_spent": 0.05,
                                             "total_generations": 1}
        records, total = await space.store.list_usage(alice.account_id, kind="generation", limit=10, offset=0)
        assert total == 1 and (records[0].prompt, records[0].file_ids, records[0].on_behalf_of) == (
            "red", [red], "user-7")
        chats, _ = await space.store.list_usage(bob.account_id, kind="chat", limit=10, offset=0)
        assert [(c.prompt_tokens, c.completion_tokens, c.cost_usd) for c in chats] == [(12, 30, 0.01)]

        # and it takes new writes
        new = await space.save_bytes(alice_ws.id, name="new.png", data=b"new", mime_type="image/png")
        assert new.seq > max(f.seq for f in page.files)
    finally:
        await space.close()
    # The one difference SQLite reports: 0.1 declared its primary keys without NOT NULL (INTEGER PRIMARY KEY is
    # the rowid, never null; Easel never writes a null id). Rebuilding nine tables to say so is not worth it.
    drift = await _schema_drift(url)
    assert sorted((d[0][0], d[0][2], d[0][3]) for d in drift) == sorted(("modify_nullable", t, c) for t, c in [
        ("accounts", "id"), ("api_keys", "id"), ("conversations", "id"), ("folders", "id"), ("meta", "key"),
        ("files", "seq"), ("workspaces", "seq"), ("conversation_messages", "seq"), ("usage", "seq")])
    engine = make_engine(url)
    try:
        assert await migrate(engine) == (head(), head())  # a second start has nothing to do
    finally:
        await engine.dispose()


async def test_a_new_store_matches_the_tables_on_each_backend(tmp_path: Path, backend: Backend) -> None:
    space = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    url = space.store.url
    await space.close()
    assert await _schema_drift(url) == []
