"""Six `easel serve` processes started at the same moment on one empty store: the schema is made once, and
exactly one account, workspace and key are created, the key printed by exactly one of them. On SQLite (one
data dir) and on PostgreSQL (one database)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from easel.spaces.migrate import head
from easel.spaces.space import Space
from tests.backends import Backend
from tests.serverproc import EaselServer

pytestmark = pytest.mark.slow
PROCESSES = 6


async def _contents(data_dir: Path, url: str | None) -> tuple[int, int, int, object]:
    space = await Space.open(data_dir=data_dir, database_url=url)
    try:
        keys = await space.store.list_keys()
        accounts = await space.store.count_accounts()
        workspaces = await space.store.list_workspaces(keys[0].account_id) if keys else []
        return accounts, len(workspaces), len(keys), await space.store.schema_revision()
    finally:
        await space.close()


def test_six_processes_starting_at_once_bootstrap_exactly_once(tmp_path: Path, backend: Backend) -> None:
    servers = [EaselServer(tmp_path, env=backend.env) for _ in range(PROCESSES)]
    for server in servers:
        server.launch()
    try:
        for server in servers:
            server.wait_ready(timeout=180)
        printed = []
        for server in servers:
            out = server.stop()
            assert "Traceback" not in out and "database is locked" not in out, out
            printed += re.findall(r"api key:\s+(\S+)", out)
    finally:
        for server in servers:
            server.kill()
    assert len(printed) == 1, printed
    assert asyncio.run(_contents(tmp_path, backend.database_url)) == (1, 1, 1, head())
    with EaselServer(tmp_path, env=backend.env) as again:
        r = httpx.get(again.base_url + "/v1/workspaces", headers={"x-api-key": printed[0]})
        assert r.status_code == 200 and len(r.json()["workspaces"]) == 1
    assert "api key" not in again.output
