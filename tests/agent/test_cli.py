"""`easel serve` bootstraps once; the CLI makes accounts, workspaces and keys that work over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.serverproc import EaselServer, parse_fields, run_cli


def test_first_start_prints_key_once_and_it_works(tmp_path: Path) -> None:
    first = EaselServer(tmp_path).start()
    try:
        key = None
        for _ in range(50):  # the banner is printed before the server answers; read what it wrote
            first_output = first.proc.stdout.readline() if first.proc and first.proc.stdout else ""
            if m := re.search(r"api key:\s+(\S+)", first_output):
                key = m[1]
                break
        assert key and key.startswith("esk_")
        r = httpx.get(first.base_url + "/v1/workspaces", headers={"x-api-key": key})
        assert r.status_code == 200 and r.json()["workspaces"][0]["default"] is True
    finally:
        first.stop()
    second = EaselServer(tmp_path).start()
    output = second.stop()
    assert "api key" not in output and "esk_" not in output
    stored = (tmp_path / "easel.db").read_bytes()
    assert key.encode() not in stored  # only its hash is kept


def test_cli_accounts_workspaces_and_keys(tmp_path: Path) -> None:
    acct = parse_fields(run_cli(tmp_path, "accounts", "create", "carol"))
    ws = run_cli(tmp_path, "workspaces", "create", "posters", "--account", acct["account"]).strip()
    key = parse_fields(run_cli(tmp_path, "keys", "create", "--workspace", ws))
    assert ws.startswith("wks-") and key["api key"].startswith("esk_")
    with EaselServer(tmp_path) as server:
        r = httpx.get(server.base_url + "/v1/workspaces", headers={"Authorization": f"Bearer {key['api key']}"})
        assert [w["id"] for w in r.json()["workspaces"]][0] == ws  # the key's own default comes first
        run_cli(tmp_path, "keys", "revoke", key["key id"])
        r = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": key["api key"]})
        assert (r.status_code, r.json()["code"]) == (401, "invalid_api_key")
    assert key["api key"] not in run_cli(tmp_path, "keys", "list")


def test_bad_configuration_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "EASEL_PORT": "not-a-port", "EASEL_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "easel.agent.cli", "serve"], env=env, capture_output=True, text=True,
                         timeout=30, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode != 0 and "EASEL_PORT" in out.stderr
