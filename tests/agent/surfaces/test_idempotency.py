"""`Idempotency-Key` over real HTTP on both backend sets: a retry is answered with the first response, byte for
byte, without painting or charging again; another request under the same key is 422; a request still running
holds its key (409); failures let the key go; streams refuse a key; a day later the key is new again."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from easel.spaces.engine import make_engine
from easel.spaces.tables import idempotency_keys
from tests.backends import Backend, ServicePool
from tests.conftest import Running, Tenant, png_bytes, start_with_litellm_painter, start_with_two_tenants
from tests.fakes.images_upstream import FakeImagesUpstream
from tests.serverproc import EaselServer, parse_fields, run_cli

GENERATIONS = "/v1/images/generations"


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeImagesUpstream]:
    with FakeImagesUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def paid(upstream: FakeImagesUpstream, tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
         backend_name: str) -> Iterator[Running]:
    """A server whose painter is priced (openai/gpt-image-1 on the fake upstream): every paint costs money."""
    running = start_with_litellm_painter(tmp_path_factory.mktemp("idem"), upstream.base_url,
                                         backend=service_pool.backend(backend_name))
    running.server.wait_warm()
    yield running
    running.server.stop()


@pytest.fixture
def tenant(paid: Running) -> Tenant:
    """An account of its own per test: its listing, ledger and keys start empty."""
    fields = parse_fields(run_cli(paid.server.data_dir, "accounts", "create", f"idem-{uuid.uuid4().hex[:6]}"))
    return Tenant(fields["api key"], fields["workspace"], fields["account"])


def new_key() -> str:
    return f"idem-{uuid.uuid4()}"


def post(running: Running, tenant: Tenant, path: str, key: str | None, **kw: Any) -> httpx.Response:
    headers = {**tenant.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return httpx.post(running.url + path, headers=headers, timeout=120, **kw)


def file_ids(running: Running, tenant: Tenant) -> list[str]:
    r = httpx.get(running.url + "/v1/storage/files", headers=tenant.headers, params={"limit": 100})
    assert r.status_code == 200, r.text
    return [f["fileId"] for f in r.json()["files"]]


def ledger(running: Running, tenant: Tenant) -> tuple[int, float, int]:
    """(generations, dollars spent, records in the generation history)."""
    balance = httpx.get(running.url + "/v1/balance", headers=tenant.headers).json()["data"]
    history = httpx.get(running.url + "/v1/generations", headers=tenant.headers).json()["data"]
    return balance["total_generations"], float(balance["total_spent"]), history["pagination"]["total"]


def age_key(running: Running, key: str, seconds: float) -> int:
    """Moves a key's clock: its row in whichever store the server uses is made `seconds` older."""
    async def run() -> int:
        engine = make_engine(running.backend.store_url(running.server.data_dir))
        try:
            async with engine.begin() as conn:
                t = idempotency_keys.c
                done = await conn.execute(idempotency_keys.update().where(t.idem_key == key).values(
                    expires_at=t.expires_at - seconds, lease_until=t.lease_until - seconds))
                return int(done.rowcount)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def key_rows(running: Running, key: str) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        engine = make_engine(running.backend.store_url(running.server.data_dir))
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(sa.select(idempotency_keys).where(idempotency_keys.c.idem_key == key))
                return [dict(r._mapping) for r in rows]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_a_retried_generation_is_the_first_response_without_a_second_paint_or_charge(
        paid: Running, upstream: FakeImagesUpstream, tenant: Tenant) -> None:
    key, body = new_key(), {"prompt": "A lighthouse at dawn", "size": "1024x1024", "n": 2}
    painted = len(upstream.image_requests)
    first = post(paid, tenant, GENERATIONS, key, json=body)
    assert first.status_code == 200, first.text
    assert "idempotent-replayed" not in first.headers
    made = [d["file_id"] for d in first.json()["data"]]
    assert len(made) == 2 and sorted(file_ids(paid, tenant)) == sorted(made)
    charged = ledger(paid, tenant)
    assert charged[0] == 1 and charged[1] > 0 and charged[2] == 1

    again = post(paid, tenant, GENERATIONS, key, json=body)
    assert (again.status_code, again.content) == (200, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert len(upstream.image_requests) == painted + 1  # the upstream painted once
    assert sorted(file_ids(paid, tenant)) == sorted(made)  # no second pair of files
    assert ledger(paid, tenant) == charged  # no second charge, no second history record

    without = post(paid, tenant, GENERATIONS, None, json=body)  # without the key: a new request, a new paint
    assert without.status_code == 200 and without.content != first.content
    assert len(upstream.image_requests) == painted + 2


def test_the_same_key_with_another_body_is_422_and_runs_nothing(
        paid: Running, upstream: FakeImagesUpstream, tenant: Tenant) -> None:
    key = new_key()
    first = post(paid, tenant, GENERATIONS, key, json={"prompt": "A red barn", "size": "1024x1024"})
    assert first.status_code == 200, first.text
    painted, files, charged = len(upstream.image_requests), file_ids(paid, tenant), ledger(paid, tenant)
    for other in ({"prompt": "A blue barn", "size": "1024x1024"}, {"prompt": "A red barn", "size": "1024x1536"}):
        r = post(paid, tenant, GENERATIONS, key, json=other)
        assert r.status_code == 422, r.text
        assert r.json() == {"error": {"message": "This Idempotency-Key was already used with a different request "
                                                 "in the last 24 hours; use a new key for a new request",
                                      "type": "invalid_request_error", "param": "Idempotency-Key",
                                      "code": "idempotency_key_reused"}}
    query = post(paid, tenant, GENERATIONS + "?workspace_id=" + tenant.workspace_id, key,
                 json={"prompt": "A red barn", "size": "1024x1024"})
    assert query.status_code == 422  # the query string is part of the request
    assert (len(upstream.image_requests), file_ids(paid, tenant), ledger(paid, tenant)) == (painted, files, charged)
    assert post(paid, tenant, GENERATIONS, key, json={"prompt": "A red barn", "size": "1024x1024"}).content \
        == first.content


def test_a_key_is_the_accounts_own_and_the_routes_own(
        paid: Running, upstream: FakeImagesUpstream, tenant: Tenant) -> None:
    key, body = new_key(), {"prompt": "A paper crane", "size": "1024x1024"}
    mine = post(paid, tenant, GENERATIONS, key, json=body)
    theirs = post(paid, paid.bob, GENERATIONS, key, json=body)  # another account, the same key: its own request
    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["data"][0]["file_id"] != theirs.json()["data"][0]["file_id"]
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["data"][0]["file_id"] not in file_ids(paid, tenant)
    other_route = post(paid, tenant, "/v1/storage/folders", key, json={"name": "cranes"})
    assert other_route.status_code == 201 and "idempotent-replayed" not in other_route.headers


def test_a_retried_upload_is_one_file_even_when_the_form_is_encoded_anew(paid: Running, tenant: Tenant) -> None:
    key, data = new_key(), png_bytes((40, 30), (10, 200, 90))
    # httpx draws a new multipart boundary for each request, as any client re-encoding its form would.
    first = post(paid, tenant, "/v1/storage/files", key, files={"file": ("a.png", data, "image/png")})
    again = post(paid, tenant, "/v1/storage/files", key, files={"file": ("a.png", data, "image/png")})
    assert first.status_code == again.status_code == 200, first.text
    assert first.request.headers["content-type"] != again.request.headers["content-type"]  # other boundaries
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert file_ids(paid, tenant) == [first.json()["fileId"]]

    other = post(paid, tenant, "/v1/storage/files", key, files={"file": ("b.png", data, "image/png")})
    assert other.status_code == 422
    assert other.json() == {"error": "This Idempotency-Key was already used with a different request in the last "
                                     "24 hours; use a new key for a new request", "code": "idempotency_key_reused"}
    assert file_ids(paid, tenant) == [first.json()["fileId"]]


def test_a_request_still_running_holds_its_key_then_is_replayed(
        paid: Running, upstream: FakeImagesUpstream, tenant: Tenant) -> None:
    key, body = new_key(), {"prompt": "A slow sunset", "size": "1024x1024"}
    arrived, release = upstream.hold_next()
    results: list[httpx.Response] = []
    first = threading.Thread(target=lambda: results.append(post(paid, tenant, GENERATIONS, key, json=body)))
    first.start()
    try:
        assert arrived.wait(120), "the first request never reached the painter"
        busy = post(paid, tenant, GENERATIONS, key, json=body)
        assert busy.status_code == 409, busy.text
        assert busy.json()["error"]["code"] == "idempotency_key_in_use" and busy.headers["retry-after"] == "1"
        assert [r["state"] for r in key_rows(paid, key)] == ["running"]
    finally:
        release.set()
        first.join(120)
    assert results[0].status_code == 200, results[0].text
    again = post(paid, tenant, GENERATIONS, key, json=body)
    assert again.content == results[0].content and again.headers["idempotent-replayed"] == "true"
    assert ledger(paid, tenant)[0] == 1 and len(file_ids(paid, tenant)) == 1


def test_a_server_error_lets_the_key_go_and_a_retry_paints(
        paid: Running, upstream: FakeImagesUpstream, tenant: Tenant) -> None:
    key, body = new_key(), {"prompt": "A stormy sea", "size": "1024x1024"}
    upstream.fail_always(500)
    try:
        failed = post(paid, tenant, GENERATIONS, key, json=body)
    finally:
        upstream.clear_failures()
    assert failed.status_code >= 500, failed.text
    assert key_rows(paid, key) == []  # released, not saved
    retried = post(paid, tenant, GENERATIONS, key, json=body)
    assert retried.status_code == 200 and "idempotent-replayed" not in retried.headers
    assert post(paid, tenant, GENERATIONS, key, json=body).content == retried.content
    history = httpx.get(paid.url + "/v1/generations", headers=tenant.headers).json()["data"]["generations"]
    assert [g["status"] for g in history] == ["completed", "failed"]  # the failure, then one paint


def test_a_refused_request_is_saved_like_any_answer(paid: Running, upstream: FakeImagesUpstream,
                                                    tenant: Tenant) -> None:
    key, bad = new_key(), {"prompt": "A cat", "size": "3x3"}
    first = post(paid, tenant, GENERATIONS, key, json=bad)
    assert first.status_code == 400 and first.json()["error"]["param"] == "size"
    again = post(paid, tenant, GENERATIONS, key, json=bad)
    assert (again.status_code, again.content, again.headers["idempotent-replayed"]) == (400, first.content, "true")
    fixed = post(paid, tenant, GENERATIONS, key, json={"prompt": "A cat", "size": "1024x1024"})
    assert fixed.status_code == 422  # a new request needs a new key
    assert ledger(paid, tenant)[0] == 0


def test_a_key_is_bounded_and_printable(paid: Running, tenant: Tenant) -> None:
    body = {"prompt": "A tiny boat", "size": "1024x1024"}
    for bad in ("k" * 256, "caf\u00e9"):
        r = httpx.post(paid.url + GENERATIONS, json=body, timeout=60,
                       headers={**tenant.headers, "Idempotency-Key": bad.encode("utf-8")})  # type: ignore[dict-item]
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == "Idempotency-Key"
        assert r.json()["error"]["message"] == "Idempotency-Key must be 1 to 255 printable ASCII characters"
    longest = "k" * 255
    assert post(paid, tenant, GENERATIONS, longest, json=body).status_code == 200
    assert post(paid, tenant, GENERATIONS, longest, json=body).headers["idempotent-replayed"] == "true"
    assert ledger(paid, tenant)[0] == 1


def test_streams_refuse_a_key_and_a_whole_chat_is_replayed(paid: Running, upstream: FakeImagesUpstream,
                                                            tenant: Tenant) -> None:
    key = new_key()
    ask = {"messages": [{"role": "user", "content": "Create an image of a fox in the snow"}],
           "workspace_id": tenant.workspace_id}
    streamed = post(paid, tenant, "/v1/chat", key, json={**ask, "stream": True})
    assert streamed.status_code == 400
    assert streamed.json() == {"error": "Idempotency-Key cannot be used with stream: true (a stream is not "
                                        "replayed); send the request without the key, or without streaming",
                               "code": "idempotency_unsupported"}
    assert file_ids(paid, tenant) == [] and key_rows(paid, key) == []  # nothing ran; the key stays free
    painted = len(upstream.image_requests)
    for path, body in (("/v1/chat/completions", {"model": "easel", "stream": True, "messages": ask["messages"]}),
                       ("/v1/responses", {"model": "easel", "stream": True, "input": "a fox"}),
                       (GENERATIONS, {"prompt": "a fox", "stream": True, "partial_images": 1}),
                       ("/v1/images/edits", {"prompt": "a fox", "stream": True, "file_ids": ["file-x"]})):
        r = post(paid, tenant, path, new_key(), json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "idempotency_unsupported"), (path, r.text)
    assert len(upstream.image_requests) == painted and file_ids(paid, tenant) == []

    whole = post(paid, tenant, "/v1/chat", key, json=ask)
    assert whole.status_code == 200, whole.text
    assert len(whole.json()["media"]) == 1
    def threads() -> list[tuple[str, int, str]]:
        found = httpx.get(paid.url + "/v1/conversations", headers=tenant.headers).json()["conversations"]
        return [(c["id"], c["message_count"], c["updated_at"]) for c in found]

    before = threads()
    assert [c[0] for c in before] == [whole.json()["conversation_id"]]
    again = post(paid, tenant, "/v1/chat", key, json=ask)
    assert again.content == whole.content and again.headers["idempotent-replayed"] == "true"
    assert file_ids(paid, tenant) == [whole.json()["media"][0]["file_id"]]
    assert ledger(paid, tenant)[0] == 1
    # The conversation was not told the same thing twice.
    assert threads() == before


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"model": "easel", "messages": [{"role": "user", "content": "Draw a kite"}]}),
    ("/v1/responses", {"model": "easel", "input": "Draw a kite", "tools": [{"type": "image_generation"}]}),
    ("/v1/generate", {"prompt": "A kite over a beach", "size": "1024x1024"}),
    ("/api/generate", {"video_description": "A kite over a beach"}),
    ("/v1/ai/generate-image", {"prompt": "A kite over a beach", "image_size": "square_hd"}),
    ("/api/v1/llm/images/generations", {"prompt": "A kite over a beach", "size": "1024x1024"}),
])
def test_every_painting_surface_replays_instead_of_painting_again(
        paid: Running, upstream: FakeImagesUpstream, tenant: Tenant, path: str, body: dict[str, Any]) -> None:
    key = new_key()
    first = post(paid, tenant, path, key, json=body)
    assert first.status_code == 200, first.text
    painted, files, charged = len(upstream.image_requests), file_ids(paid, tenant), ledger(paid, tenant)
    assert len(files) == charged[0] == 1
    again = post(paid, tenant, path, key, json=body)
    assert (again.status_code, again.content, again.headers["idempotent-replayed"]) == (200, first.content, "true")
    assert (len(upstream.image_requests), file_ids(paid, tenant), ledger(paid, tenant)) == (painted, files, charged)


def test_a_video_job_is_created_once(paid: Running, tenant: Tenant) -> None:
    key, body = new_key(), {"model": "sora-2", "prompt": "Waves at sunset", "seconds": "4", "size": "1280x720"}
    first = post(paid, tenant, "/v1/videos", key, json=body)
    assert first.status_code == 200, first.text
    again = post(paid, tenant, "/v1/videos", key, json=body)
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    jobs = httpx.get(paid.url + "/v1/videos", headers=tenant.headers).json()["data"]
    assert [j["id"] for j in jobs] == [first.json()["id"]]


def test_a_day_later_the_key_is_new_again(paid: Running, upstream: FakeImagesUpstream, tenant: Tenant) -> None:
    key, body = new_key(), {"prompt": "An old mill", "size": "1024x1024"}
    first = post(paid, tenant, GENERATIONS, key, json=body)
    assert age_key(paid, key, 23.9 * 3600) == 1
    assert post(paid, tenant, GENERATIONS, key, json=body).headers["idempotent-replayed"] == "true"
    assert age_key(paid, key, 0.2 * 3600) == 1  # now past 24 h
    later = post(paid, tenant, GENERATIONS, key, json=body)
    assert later.status_code == 200 and "idempotent-replayed" not in later.headers
    assert later.json()["data"][0]["file_id"] != first.json()["data"][0]["file_id"]
    assert len(key_rows(paid, key)) == 1 and ledger(paid, tenant)[0] == 2


def test_a_claim_whose_process_died_is_free_after_its_lease(paid: Running, upstream: FakeImagesUpstream,
                                                            tenant: Tenant, tmp_path: Path) -> None:
    key, body = new_key(), {"prompt": "A ghost ship", "size": "1024x1024"}
    arrived, release = upstream.hold_next()
    results: list[httpx.Response] = []
    first = threading.Thread(target=lambda: results.append(post(paid, tenant, GENERATIONS, key, json=body)))
    first.start()
    try:
        assert arrived.wait(120)
        assert post(paid, tenant, GENERATIONS, key, json=body).status_code == 409
        age_key(paid, key, 61)  # as if its holder had stopped renewing the lease a minute ago
        taken = post(paid, tenant, GENERATIONS, key, json=body)
        assert taken.status_code == 200 and "idempotent-replayed" not in taken.headers
    finally:
        release.set()
        first.join(120)
    # The first holder lost its claim: its late answer is not saved over the one that now holds the key.
    assert post(paid, tenant, GENERATIONS, key, json=body).content == taken.content


@pytest.mark.slow
def test_two_processes_sharing_a_store_paint_once(tmp_path: Path, backend: Backend,
                                                  upstream: FakeImagesUpstream) -> None:
    """Two `easel serve` processes on one store (one SQLite file and blob folder; or PostgreSQL, S3 and Redis as
    two nodes have them) get the same keyed request at the same moment: one paints, the other says 409 while
    it paints, then replays it."""
    shared = tmp_path / "shared"
    stores = backend.env or {"EASEL_DATABASE_URL": f"sqlite:///{shared / 'easel.db'}",
                             "EASEL_BLOB_URL": (shared / "blobs").as_uri()}
    env = {**stores, "EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0",
           "EASEL_IMAGE_MODEL": "openai/gpt-image-1", "EASEL_IMAGE_API_BASE": upstream.base_url,
           "EASEL_IMAGE_API_KEY": "sk-image-secret"}
    nodes = [EaselServer(tmp_path / name, key="esk_idem_two_nodes_000000000000000", env=env) for name in "ab"]
    for node in nodes:
        node.launch()
    try:
        for node in nodes:
            node.wait_ready(timeout=120).wait_warm(timeout=120)
        key, body = new_key(), {"prompt": "A harbour at night", "size": "1024x1024"}
        headers = {"x-api-key": "esk_idem_two_nodes_000000000000000", "Idempotency-Key": key}
        painted = len(upstream.image_requests)
        arrived, release = upstream.hold_next()
        together, answered = threading.Barrier(2), threading.Semaphore(0)
        results: dict[int, httpx.Response] = {}

        def send(i: int) -> None:
            together.wait(60)
            results[i] = httpx.post(nodes[i].base_url + GENERATIONS, headers=headers, json=body, timeout=120)
            answered.release()

        threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        try:
            assert arrived.wait(120), "neither process reached the painter"
            assert answered.acquire(timeout=120)  # the first answer comes while the paint is still held
            (loser, refused), = results.items()
            assert refused.status_code == 409 and refused.json()["error"]["code"] == "idempotency_key_in_use"
        finally:
            release.set()
            for t in threads:
                t.join(120)
        winner = results[1 - loser]
        assert winner.status_code == 200, winner.text
        replay = httpx.post(nodes[loser].base_url + GENERATIONS, headers=headers, json=body, timeout=120)
        assert (replay.content, replay.headers["idempotent-replayed"]) == (winner.content, "true")
        assert len(upstream.image_requests) == painted + 1
        balance = httpx.get(nodes[loser].base_url + "/v1/balance", headers=headers).json()["data"]
        assert balance["total_generations"] == 1
        listed = httpx.get(nodes[loser].base_url + "/v1/storage/files", headers=headers).json()["files"]
        assert [f["fileId"] for f in listed] == [winner.json()["data"][0]["file_id"]]
    finally:
        for node in nodes:
            node.stop()


def test_a_response_over_the_bound_is_not_kept_and_a_retry_is_410_not_a_second_paint(
        tmp_path: Path, backend: Backend) -> None:
    running = start_with_two_tenants(tmp_path, backend=backend, env={
        "EASEL_IDEMPOTENCY_MAX_RESPONSE_MB": str(4096 / 1024 / 1024), "EASEL_IMAGE_MODEL": "fake/solid:0"})
    try:
        alice, key = running.alice, new_key()
        body = {"prompt": "A wide field", "size": "1024x1024", "response_format": "b64_json"}
        big = post(running, alice, GENERATIONS, key, json=body)
        assert big.status_code == 200 and len(big.content) > 4096
        again = post(running, alice, GENERATIONS, key, json=body)
        assert again.status_code == 410, again.text
        assert again.json()["error"]["code"] == "idempotency_response_not_kept"
        assert file_ids(running, alice) == [big.json()["data"][0]["file_id"]]  # painted once
        small = post(running, alice, "/v1/storage/folders", key, json={"name": "small"})  # another route: kept
        assert small.status_code == 201 and len(small.content) < 4096
        assert post(running, alice, "/v1/storage/folders", key, json={"name": "small"}).content == small.content
    finally:
        running.server.stop()
