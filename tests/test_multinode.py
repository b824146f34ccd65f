"""Several nodes: each a real `easel serve` on its own port and data dir, sharing PostgreSQL, an S3 object store
(moto on loopback) and Redis, as behind a load balancer."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import threading
from pathlib import Path

import httpx
import pytest

from easel.spaces.migrate import head
from tests.backends import SERVICES, Backend, ServicePool
from tests.serverproc import EaselServer, parse_fields, run_cli
from tests.spaces.test_concurrent_start import _contents

pytestmark = pytest.mark.slow
KEY = "esk_multinode_test_key_0000000000000000"


def _noise(side: int = 300) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buf, format="PNG", compress_level=0)
    return buf.getvalue()


@pytest.fixture
def services(service_pool: ServicePool) -> Backend:
    return service_pool.backend(SERVICES)


def _nodes(tmp_path: Path, backend: Backend, **env: str) -> tuple[EaselServer, EaselServer]:
    a = EaselServer(tmp_path / "a", key=KEY, env={**backend.env, **env})
    b = EaselServer(tmp_path / "b", key=KEY, env={**backend.env, **env})
    a.launch()
    b.launch()
    return a.wait_ready(timeout=120), b.wait_ready(timeout=120)


def test_a_file_uploaded_on_a_is_listed_and_served_by_b(tmp_path: Path, services: Backend) -> None:
    a, b = _nodes(tmp_path, services, EASEL_RATE_LIMIT_RPM="0", EASEL_MAX_CONCURRENT="0")
    try:
        data = _noise()
        made = httpx.post(a.base_url + "/v1/storage/files", headers={"x-api-key": KEY},
                          files={"file": ("noise.png", data, "image/png")}, timeout=60).json()
        listed = httpx.get(b.base_url + "/v1/storage/files", headers={"x-api-key": KEY}).json()["files"]
        assert [f["fileId"] for f in listed] == [made["fileId"]]
        got = httpx.get(f"{b.base_url}/v1/storage/files/{made['fileId']}/content", headers={"x-api-key": KEY})
        assert (got.status_code, got.content) == (200, data)
        signed = httpx.get(made["url"].replace(a.base_url, b.base_url))  # A's signed link, answered by B
        assert (signed.status_code, signed.content) == (200, data)
        assert services.s3 is not None and services.s3.objects() == {made["fileId"]: data}
    finally:
        a.stop()
        b.stop()


def test_a_conversation_started_on_a_continues_on_b_editing_the_image_a_made(
        tmp_path: Path, services: Backend) -> None:
    a, b = _nodes(tmp_path, services, EASEL_RATE_LIMIT_RPM="0", EASEL_MAX_CONCURRENT="0")
    try:
        with httpx.Client(headers={"x-api-key": KEY}, timeout=120) as c:
            workspace = c.get(a.base_url + "/v1/workspaces").json()["workspaces"][0]["id"]

            def chat(node: EaselServer, text: str, **extra: str) -> dict[str, object]:
                r = c.post(node.base_url + "/v1/chat", json={"messages": [{"role": "user", "content": text}],
                                                             "workspace_id": workspace, **extra})
                assert r.status_code == 200, r.text
                return r.json()  # type: ignore[no-any-return]

            first = chat(a, "Create an image of a lighthouse at dawn")
            made_on_a = first["media"][0]  # type: ignore[index]
            second = chat(b, "Make it snowy", conversation_id=first["conversation_id"])  # type: ignore[arg-type]
            assert second["conversation_id"] == first["conversation_id"]
            edited = second["media"][0]  # type: ignore[index]
            # B's turn saw A's turn and edited the image A made: B's picture names A's as its source.
            assert edited["metadata"]["source_file_ids"] == [made_on_a["file_id"]]
            assert edited["file_id"] != made_on_a["file_id"]
            original = c.get(f"{b.base_url}/v1/storage/files/{made_on_a['file_id']}/content").content
            snowy = c.get(f"{a.base_url}/v1/storage/files/{edited['file_id']}/content").content
            assert original.startswith(b"\x89PNG") and snowy.startswith(b"\x89PNG") and original != snowy
            assert services.s3 is not None
            assert services.s3.objects() == {made_on_a["file_id"]: original, edited["file_id"]: snowy}
            # The thread reads the same through either node: both turns, in order, with their images.
            for node in (a, b):
                got = c.get(f"{node.base_url}/v1/conversations/{first['conversation_id']}",
                            params={"workspace_id": workspace}).json()
                assert [(m["role"], m["content"]) for m in got["messages"]] == [
                    ("user", "Create an image of a lighthouse at dawn"), ("assistant", first["response"]),
                    ("user", "Make it snowy"), ("assistant", second["response"])]
                assert [[x["file_id"] for x in m["media"]] for m in got["messages"][1::2]] == [
                    [made_on_a["file_id"]], [edited["file_id"]]]
                assert got["last_image"]["file_id"] == edited["file_id"]
    finally:
        a.stop()
        b.stop()


def test_a_key_revoked_through_a_is_refused_by_b(tmp_path: Path, services: Backend) -> None:
    a, b = _nodes(tmp_path, services, EASEL_RATE_LIMIT_RPM="0", EASEL_MAX_CONCURRENT="0")
    try:
        made = parse_fields(run_cli(a.data_dir, "keys", "create", "--name", "doomed", env=services.env))
        key = made["api key"]
        assert httpx.get(b.base_url + "/v1/workspaces", headers={"x-api-key": key}).status_code == 200
        run_cli(a.data_dir, "keys", "revoke", made["key id"], env=services.env)
        refused = httpx.get(b.base_url + "/v1/workspaces", headers={"x-api-key": key})
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_api_key")
    finally:
        a.stop()
        b.stop()


def test_the_rate_limit_holds_across_nodes(tmp_path: Path, services: Backend) -> None:
    a, b = _nodes(tmp_path, services, EASEL_RATE_LIMIT_RPM="10", EASEL_MAX_CONCURRENT="0")
    try:
        for i in range(10):
            node = (a, b)[i % 2]
            r = httpx.get(node.base_url + "/v1/workspaces", headers={"x-api-key": KEY})
            assert r.status_code == 200 and r.headers["x-ratelimit-remaining-requests"] == str(9 - i)
        for node in (a, b):
            refused = httpx.get(node.base_url + "/v1/workspaces", headers={"x-api-key": KEY})
            assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
            assert 1 <= int(refused.headers["retry-after"]) <= 60
    finally:
        a.stop()
        b.stop()


def test_concurrent_streams_are_counted_across_nodes_and_a_killed_nodes_slots_expire(
        tmp_path: Path, services: Backend) -> None:
    a, b = _nodes(tmp_path, services, EASEL_RATE_LIMIT_RPM="0", EASEL_MAX_CONCURRENT="5",
                  EASEL_IMAGE_MODEL="fake/solid:20", EASEL_SLOT_LEASE_S="8")
    try:
        workspace = httpx.get(a.base_url + "/v1/workspaces", headers={"x-api-key": KEY}).json()["workspaces"][0]
        body = {"messages": [{"role": "user", "content": "Create an image of a cat"}],
                "workspace_id": workspace["id"], "stream": True}
        painting = threading.Barrier(6)
        statuses: list[int] = []
        seen: list[str] = []

        def hold(node: EaselServer) -> None:
            try:
                with httpx.stream("POST", node.base_url + "/v1/chat", json=body, headers={"x-api-key": KEY},
                                  timeout=120) as r:
                    statuses.append(r.status_code)
                    lines = r.iter_lines()
                    for line in lines:
                        if '"generating"' in line:
                            break
                    painting.wait(timeout=120)
                    for line in lines:
                        seen.append(line)
            except httpx.HTTPError:
                pass  # node A is killed under three of these streams

        threads = [threading.Thread(target=hold, args=((a, b)[i % 2],)) for i in range(5)]
        for t in threads:
            t.start()
        painting.wait(timeout=120)  # five streams are painting: three on A, two on B
        for node in (a, b):
            sixth = httpx.get(node.base_url + "/v1/workspaces", headers={"x-api-key": KEY})
            assert (sixth.status_code, sixth.json().get("code")) == (429, "rate_limited"), (sixth.text, seen)
            assert sixth.headers["retry-after"] == "1"
        a.kill()  # mid-stream: its three slots are held by a process that will never give them back
        ok = httpx.get(b.base_url + "/v1/storage/files", headers={"x-api-key": KEY}, timeout=60)
        while ok.status_code == 429:  # B still serves: the dead node's slots expire with their lease
            ok = httpx.get(b.base_url + "/v1/storage/files", headers={"x-api-key": KEY}, timeout=60)
        assert ok.status_code == 200
        for t in threads:
            t.join(timeout=120)
        assert statuses == [200] * 5
    finally:
        a.kill()
        b.stop()


def test_after_sigkill_mid_upload_every_acknowledged_file_is_whole(tmp_path: Path, services: Backend) -> None:
    a, b = _nodes(tmp_path, services, EASEL_RATE_LIMIT_RPM="0", EASEL_MAX_CONCURRENT="0")
    payload = _noise(700)
    done: list[str] = []
    stop = threading.Event()

    def upload(node: EaselServer) -> None:
        with httpx.Client(base_url=node.base_url, headers={"x-api-key": KEY}, timeout=30) as c:
            while not stop.is_set():
                try:
                    r = c.post("/v1/storage/files", files={"file": ("f.png", payload, "image/png")})
                except httpx.HTTPError:
                    return  # the node died under us: what this test is about
                if r.status_code == 200:
                    done.append(r.json()["fileId"])

    threads = [threading.Thread(target=upload, args=(a,)) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        while len(done) < 3:  # some uploads acknowledged, more in flight
            threading.Event().wait(0.05)
        a.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        a = EaselServer(tmp_path / "a", key=KEY, env=a.extra_env).launch().wait_ready(timeout=120)
        with httpx.Client(headers={"x-api-key": KEY}, timeout=60) as c:
            for node in (a, b):
                listed = c.get(node.base_url + "/v1/storage/files", params={"limit": 100}).json()["files"]
                assert set(done) <= {f["fileId"] for f in listed}
                for f in listed:
                    got = c.get(f"{node.base_url}/v1/storage/files/{f['fileId']}/content")
                    assert got.content == payload
                    assert got.headers["etag"] == f'"{hashlib.sha256(payload).hexdigest()}"'
    finally:
        stop.set()
        a.kill()
        b.stop()


def test_two_nodes_starting_at_once_on_an_empty_database_bootstrap_once(tmp_path: Path, services: Backend) -> None:
    """Each node has its own data dir (no shared file to lock): only the database can make them agree."""
    a = EaselServer(tmp_path / "a", env=services.env)
    b = EaselServer(tmp_path / "b", env=services.env)
    a.launch()
    b.launch()
    try:
        a.wait_ready(timeout=180)
        b.wait_ready(timeout=180)
        outputs = [a.stop(), b.stop()]
    finally:
        a.kill()
        b.kill()
    for out in outputs:
        assert "Traceback" not in out, out
    printed = [k for out in outputs for k in re.findall(r"api key:\s+(\S+)", out)]
    assert len(printed) == 1, outputs
    with EaselServer(tmp_path / "b", env=services.env) as again:
        r = httpx.get(again.base_url + "/v1/workspaces", headers={"x-api-key": printed[0]})
        assert r.status_code == 200 and len(r.json()["workspaces"]) == 1
    assert "api key" not in again.output
    assert asyncio.run(_contents(tmp_path / "a", services.database_url)) == (1, 1, 1, head())
