"""What the OpenAI-shaped surfaces and MCP say when things go wrong beyond the request: the brain's provider
failing (before or during a stream) and the per-key rate limit, each in the surface's own error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import Running, start_with_two_tenants
from tests.fakes.upstream import BrokenStream, ErrorReply, FakeChatUpstream, TextReply


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeChatUpstream]:
    with FakeChatUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def served(upstream: FakeChatUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("failures"), env={
        "EASEL_CHAT_MODEL": "openai/fake-model", "EASEL_CHAT_API_BASE": upstream.base_url,
        "EASEL_CHAT_API_KEY": "sk-fake-upstream-secret", "EASEL_IMAGE_MODEL": "fake/solid"})
    yield running
    running.server.stop()


@pytest.fixture
def client(served: Running, upstream: FakeChatUpstream) -> Iterator[openai.OpenAI]:
    upstream.reset()
    with openai.OpenAI(base_url=served.url + "/v1", api_key=served.alice.key, max_retries=0) as c:
        yield c


def test_a_stream_broken_upstream_ends_with_an_openai_error_and_no_done(served: Running, upstream: FakeChatUpstream,
                                                                        client: openai.OpenAI) -> None:
    upstream.queue(BrokenStream(text="This answer will never", chunks_before=2))
    raw = b""
    with httpx.stream("POST", served.url + "/v1/chat/completions", headers=served.alice.headers, timeout=60,
                      json={"model": "easel", "stream": True, "messages": [{"role": "user", "content": "hi"}]}) as r:
        for part in r.iter_raw():
            raw += part
    blocks = [b.removeprefix("data: ") for b in raw.decode().split("\n\n") if b]
    error = json.loads(blocks[-1])["error"]
    assert error["code"] == "upstream_error" and error["type"] == "server_error"
    assert "[DONE]" not in blocks and "sk-fake-upstream-secret" not in raw.decode()
    assert [json.loads(b)["choices"][0]["delta"] for b in blocks[:2]][0] == {"role": "assistant", "content": ""}
    upstream.queue(BrokenStream(text="This answer will never", chunks_before=2))
    with pytest.raises(openai.APIError):  # the SDK raises on the error event
        list(client.chat.completions.create(model="easel", stream=True, messages=[{"role": "user", "content": "hi"}]))
    upstream.queue(TextReply("Back again."))
    reply = client.chat.completions.create(model="easel", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "Back again."


def test_upstream_down_is_a_502_in_openais_shape(served: Running, upstream: FakeChatUpstream,
                                                 client: openai.OpenAI) -> None:
    upstream.queue(*[ErrorReply(503, retry_after=0)] * 5)
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(model="easel", messages=[{"role": "user", "content": "hi"}])
    assert err.value.status_code == 502 and isinstance(err.value.body, dict)
    assert err.value.body["code"] == "upstream_error"


def test_a_response_stream_that_fails_ends_with_response_failed(served: Running, upstream: FakeChatUpstream,
                                                               client: openai.OpenAI) -> None:
    upstream.queue(BrokenStream(text="This answer will never", chunks_before=2))
    with client.responses.stream(model="easel", input="hi") as s:
        events = list(s)
    assert [e.type for e in events][:2] == ["response.created", "response.in_progress"]
    assert events[-1].type == "response.failed"
    assert events[-1].response.error is not None and events[-1].response.error.code == "upstream_error"
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_rate_limits_apply_to_every_new_surface(tmp_path_factory: pytest.TempPathFactory) -> None:
    running = start_with_two_tenants(tmp_path_factory.mktemp("limited"), env={"EASEL_RATE_LIMIT_RPM": "3"})
    try:
        headers = running.bob.headers  # the fixture's own calls were Alice's
        for _ in range(3):
            assert httpx.get(running.url + "/v1/models", headers=headers).status_code == 200
        refused = [httpx.post(running.url + path, headers=headers, json={"model": "easel", "input": "hi"})
                   for path in ("/v1/chat/completions", "/v1/responses", "/mcp")]
        assert [r.status_code for r in refused] == [429, 429, 429]
        assert [r.json()["error"]["code"] for r in refused[:2]] == ["rate_limited", "rate_limited"]
        assert refused[2].json()["code"] == "rate_limited" and refused[0].headers["retry-after"]
    finally:
        running.server.stop()
