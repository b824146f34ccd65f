"""`GET /metrics` on a real server: who may read it, and that each number moves with what was done.

The chat model and the painter sit behind fake OpenAI-compatible upstreams, so upstream failures can be
scripted; every count is asserted exactly, after a known sequence of requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.agent.surfaces.test_zarkai import parse_stream
from tests.conftest import Running, Tenant, start_with_two_tenants
from tests.fakes.images_upstream import FakeImagesUpstream
from tests.fakes.upstream import ErrorReply, FakeChatUpstream, FakeToolCall, TextReply, ToolCallReply
from tests.serverproc import EaselServer

TOKEN = "metrics-token-4f1c"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, FakeChatUpstream,
                                                                         FakeImagesUpstream]]:
    with FakeChatUpstream() as chat, FakeImagesUpstream() as images:
        running = start_with_two_tenants(tmp_path_factory.mktemp("metrics"), env={
            "EASEL_METRICS_TOKEN": TOKEN, "EASEL_RATE_LIMIT_RPM": "20",
            "EASEL_CHAT_MODEL": "openai/fake-model", "EASEL_CHAT_API_BASE": chat.base_url,
            "EASEL_CHAT_API_KEY": "sk-chat-secret", "EASEL_IMAGE_MODEL": "openai/gpt-image-1",
            "EASEL_IMAGE_API_BASE": images.base_url, "EASEL_IMAGE_API_KEY": "sk-image-secret"})
        try:
            yield running, chat, images
        finally:
            running.server.stop()


def scrape(running: Running) -> Samples:
    r = httpx.get(running.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_absent_without_a_token(easel: Running) -> None:
    r = httpx.get(easel.url + "/metrics", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 404 and r.json() == {"error": "No such endpoint", "code": "not_found"}


def test_only_the_metrics_token_opens_them(served: tuple[Running, FakeChatUpstream, FakeImagesUpstream]) -> None:
    running = served[0]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {running.alice.key}"},
                    {"x-api-key": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
        r = httpx.get(running.url + "/metrics", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", headers
        assert TOKEN not in r.text


def test_each_number_follows_what_was_done(served: tuple[Running, FakeChatUpstream, FakeImagesUpstream]) -> None:
    running, chat, images = served
    before = scrape(running)
    alice, bob = running.alice, running.bob
    for _ in range(3):
        assert httpx.get(running.url + "/v1/workspaces", headers=alice.headers).status_code == 200

    # A streamed turn that paints once.
    chat.queue(ToolCallReply(calls=(FakeToolCall("image_gen", json.dumps({"prompt": "a red fox"})),)),
               TextReply("Here is the fox."))
    with httpx.stream("POST", running.url + "/v1/chat", headers=alice.headers, timeout=60, json={
            "messages": [{"role": "user", "content": "paint a red fox"}], "workspace_id": alice.workspace_id,
            "stream": True}) as r:
        events = parse_stream(r.read())
    assert [e["type"] for e in events if e["type"] != "ai_chunk"] == [
        "tool_status", "tool_status", "media_item", "tool_status", "ai_complete"]

    # The painter refuses once (not retried), the chat model's provider fails once (not retried either).
    images.fail_next(400, message="Your prompt was refused")
    r = httpx.post(running.url + "/v1/images/generations", headers=alice.headers, json={"prompt": "a cat"},
                   timeout=60)
    assert r.status_code == 422 and r.json()["error"]["code"] == "generation_failed"
    chat.queue(ErrorReply(status=401, message="bad key"))
    r = httpx.post(running.url + "/v1/chat", headers=alice.headers, timeout=60, json={
        "messages": [{"role": "user", "content": "hello"}], "workspace_id": alice.workspace_id})
    assert r.status_code == 502 and r.json()["code"] == "upstream_error"

    # Bob goes over 20 requests a minute once.
    statuses = [httpx.get(running.url + "/v1/workspaces", headers=bob.headers).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]

    after = scrape(running)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("easel_http_requests_total", route="/v1/workspaces", method="GET", status="200") == 23
    assert moved("easel_http_requests_total", route="/v1/workspaces", method="GET", status="429") == 1
    assert moved("easel_http_requests_total", route="/v1/chat", method="POST", status="200") == 1
    assert moved("easel_http_requests_total", route="/v1/chat", method="POST", status="502") == 1
    assert moved("easel_http_requests_total", route="/v1/images/generations", method="POST", status="422") == 1
    assert moved("easel_http_request_duration_seconds_count", route="/v1/workspaces", method="GET") == 24
    assert moved("easel_stream_first_event_seconds_count", route="/v1/chat") == 1
    assert value(after, "easel_open_streams", route="/v1/chat") == 0
    assert moved("easel_tool_calls_total", tool="image_gen", engine="openai/gpt-image-1", outcome="completed") == 1
    assert moved("easel_image_seconds_count", engine="openai/gpt-image-1", operation="generate",
                 outcome="completed") == 1
    assert moved("easel_image_seconds_count", engine="openai/gpt-image-1", operation="generate",
                 outcome="failed") == 1
    assert moved("easel_upstream_errors_total", upstream="image", kind="refused") == 1
    assert moved("easel_upstream_errors_total", upstream="chat", kind="fatal") == 1
    assert moved("easel_limit_rejections_total", limit="rate") == 1


def test_an_open_stream_is_counted_while_it_is_open(
        served: tuple[Running, FakeChatUpstream, FakeImagesUpstream]) -> None:
    running, chat, _ = served
    chat.queue(TextReply("one two three four", chunks=4, chunk_delay_s=0.5))
    with httpx.stream("POST", running.url + "/v1/chat", headers=running.alice.headers, timeout=60, json={
            "messages": [{"role": "user", "content": "count"}], "workspace_id": running.alice.workspace_id,
            "stream": True}) as r:
        chunks = r.iter_raw()
        first = next(chunks)  # the stream has begun and is not over
        assert first.startswith(b"data: ") and b"ai_complete" not in first
        assert value(scrape(running), "easel_open_streams", route="/v1/chat") == 1
        assert b"ai_complete" in b"".join(chunks)
    assert value(scrape(running), "easel_open_streams", route="/v1/chat") == 0


def test_with_several_workers_a_scrape_counts_every_worker(tmp_path_factory: pytest.TempPathFactory) -> None:
    key = "esk_metrics_workers_key_000000000000"
    server = EaselServer(tmp_path_factory.mktemp("workers"), key=key, env={
        "EASEL_METRICS_TOKEN": TOKEN, "EASEL_WORKERS": "2", "EASEL_RATE_LIMIT_RPM": "0"})
    running = Running(server.launch().wait_ready(timeout=120), Tenant(key, ""), Tenant(key, ""))
    try:
        before = scrape(running)
        for _ in range(40):  # new connections each, which the kernel spreads over both workers
            assert httpx.get(running.url + "/v1/workspaces", headers={"x-api-key": key}).status_code == 200
        after = scrape(running)
        files = list((server.data_dir / "metrics").glob("*/counter_*.db"))
    finally:
        server.stop()
    assert len({f.name for f in files}) == 2  # both workers counted something
    counted = [value(s, "easel_http_requests_total", route="/v1/workspaces", method="GET", status="200")
               for s in (before, after)]
    assert counted[1] - counted[0] == 40
