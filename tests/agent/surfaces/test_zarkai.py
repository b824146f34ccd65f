"""`/v1/chat` over real HTTP, against a fake OpenAI-compatible upstream that the test starts on loopback.

Asserts on what the client received (whole event sequences) and on what the upstream was sent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.backends import ServicePool
from tests.conftest import Running, png_bytes, start_with_two_tenants
from tests.fakes.upstream import BrokenStream, ErrorReply, FakeChatUpstream, FakeToolCall, TextReply, ToolCallReply
from tests.serverproc import run_cli


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeChatUpstream]:
    with FakeChatUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def served(upstream: FakeChatUpstream, tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
           backend_name: str) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("chat"), backend=service_pool.backend(backend_name), env={
        "EASEL_CHAT_MODEL": "openai/fake-model", "EASEL_CHAT_API_BASE": upstream.base_url,
        "EASEL_CHAT_API_KEY": "sk-fake-upstream-secret", "EASEL_IMAGE_MODEL": "fake/solid:1.5",
        "EASEL_ALLOWED_MODELS": "openai/other-model"})
    yield running
    running.server.stop()


@pytest.fixture(autouse=True)
def _fresh(upstream: FakeChatUpstream) -> None:
    upstream.reset()


def stream_events(served: Running, body: dict[str, Any]) -> tuple[list[dict[str, Any]], bytes]:
    raw = b""
    with httpx.stream("POST", served.url + "/v1/chat", json={"stream": True, **body},
                      headers=served.alice.headers, timeout=60) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        for chunk in r.iter_raw():
            raw += chunk
    return parse_stream(raw), raw


def parse_stream(raw: bytes) -> list[dict[str, Any]]:
    assert raw.endswith(b"\n\n") and b"\r" not in raw
    events = []
    for block in raw.decode().split("\n\n")[:-1]:
        assert block.startswith("data: ") and "\n" not in block, block  # one data line per event, nothing else
        events.append(json.loads(block.removeprefix("data: ")))
    return events


def ask(text: str, served: Running, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], "workspace_id": served.alice.workspace_id,
            "tools": ["image_gen"], **extra}


def test_text_then_split_tool_call_then_result_sent_back(served: Running, upstream: FakeChatUpstream) -> None:
    args = json.dumps({"prompt": "a neon city at night", "aspect_ratio": "16:9", "seed": 7})
    upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", args),), text="Painting it now.", arg_chunks=5),
                   TextReply("Here is your neon city.", chunks=4))
    events, _ = stream_events(served, ask("paint a neon city", served))
    types = [e["type"] for e in events]
    first_tool = types.index("tool_status")
    assert set(types[:first_tool]) == {"ai_chunk"}
    statuses = [(e["type"], e.get("status")) for e in events if e["type"] in ("tool_status", "media_item")]
    assert statuses == [("tool_status", "in_progress"), ("tool_status", "generating"), ("media_item", None),
                        ("tool_status", "completed")]
    assert events[first_tool]["arguments"] == json.loads(args)
    assert types[-1] == "ai_complete" and types.count("ai_complete") == 1
    media = next(e for e in events if e["type"] == "media_item")
    assert (media["width"], media["height"]) == (1024, 576) and media["mime_type"] == "image/png"
    done = events[-1]
    assert done["response"] == "".join(e["content"] for e in events if e["type"] == "ai_chunk")
    assert done["response"].startswith("Painting it now.") and done["response"].endswith("Here is your neon city.")
    assert [m["file_id"] for m in done["media"]] == [media["file_id"]]
    assert done["tool_calls"][0]["file_ids"] == [media["file_id"]]
    assert done["conversation_id"].startswith("conv-")
    # what the upstream received
    first, second = upstream.requests
    assert first["stream"] is True and first["tools"][0]["function"]["name"] == "image_gen"
    assert first["stream_options"] == {"include_usage": True}
    tool_msgs = [m for m in second["messages"] if m["role"] == "tool"]
    assert len(tool_msgs) == 1 and media["file_id"] in tool_msgs[0]["content"]
    assistant = [m for m in second["messages"] if m["role"] == "assistant"][0]
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == json.loads(args)
    image = httpx.get(media["url"])  # signed URL works without a key
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_two_parallel_tool_calls_give_two_media_items(served: Running, upstream: FakeChatUpstream) -> None:
    calls = (FakeToolCall("image_gen", json.dumps({"prompt": "a cat", "seed": 1})),
             FakeToolCall("image_gen", json.dumps({"prompt": "a dog", "seed": 2})))
    upstream.queue(ToolCallReply(calls=calls, interleave=True), TextReply("Both done."))
    started = time.monotonic()
    events, _ = stream_events(served, ask("a cat and a dog", served))
    elapsed = time.monotonic() - started
    media = [e for e in events if e["type"] == "media_item"]
    assert len(media) == 2 and len({m["file_id"] for m in media}) == 2
    assert elapsed < 2 * 1.5  # each painting takes 1.5 s: they ran at the same time
    tool_msgs = [m for m in upstream.requests[1]["messages"] if m["role"] == "tool"]
    assert len(tool_msgs) == 2 and {m["tool_call_id"] for m in tool_msgs} == {
        c["call_id"] for c in events[-1]["tool_calls"]}


def test_upstream_failing_mid_stream_ends_with_error_then_recovers(served: Running,
                                                                   upstream: FakeChatUpstream) -> None:
    upstream.queue(BrokenStream(text="This answer will never", chunks_before=2))
    events, _ = stream_events(served, ask("hello", served))
    assert events[-1]["type"] == "error" and events[-1]["code"] == "upstream_error"
    assert sum(e["type"] in ("error", "ai_complete") for e in events) == 1
    assert "sk-fake-upstream-secret" not in json.dumps(events)
    upstream.queue(TextReply("Back again."))
    events, _ = stream_events(served, ask("hello again", served))
    assert events[-1] == {**events[-1], "type": "ai_complete", "response": "Back again."}


def test_upstream_down_before_first_token_is_an_error_after_retries(served: Running,
                                                                   upstream: FakeChatUpstream) -> None:
    upstream.queue(*[ErrorReply(503, retry_after=0)] * 5)
    events, _ = stream_events(served, ask("hello", served))
    assert [e["type"] for e in events] == ["error"] and events[0]["code"] == "upstream_error"
    r = httpx.post(served.url + "/v1/chat", json=ask("hello", served), headers=served.alice.headers, timeout=60)
    assert r.status_code in (502, 200)  # the queue may have run dry: either way a clean answer


def test_non_streaming_reply_has_the_contract_shape(served: Running, upstream: FakeChatUpstream) -> None:
    upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", json.dumps({"prompt": "a lighthouse"})),)),
                   TextReply("A lighthouse for you."))
    r = httpx.post(served.url + "/v1/chat", json=ask("a lighthouse", served), headers=served.alice.headers,
                   timeout=60)
    body = r.json()
    assert set(body) == {"id", "conversation_id", "model", "response", "media", "tool_calls", "usage", "created_at"}
    assert body["response"] == "A lighthouse for you." and body["model"] == "openai/fake-model"
    assert body["tool_calls"][0]["status"] == "completed" and len(body["media"]) == 1
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"] > 0
    # litellm has no price for fake-model and EASEL_PRICES names none: the cost is unknown, not free.
    assert body["usage"]["cost_usd"] is None


def test_an_unpriced_chat_model_is_refused_to_an_account_with_a_budget(served: Running,
                                                                       upstream: FakeChatUpstream) -> None:
    run_cli(served.server.data_dir, "accounts", "budget", served.bob.account_id, "5")
    try:
        upstream.queue(TextReply("never sent"))
        r = httpx.post(served.url + "/v1/chat", json={**ask("hi", served), "workspace_id": served.bob.workspace_id},
                       headers=served.bob.headers, timeout=60)
        assert r.status_code == 402, r.text
        assert r.json()["code"] == "unpriced_model"
        assert "openai/fake-model has no price" in r.json()["error"]
        assert upstream.requests == []  # refused before the model was asked anything
    finally:
        run_cli(served.server.data_dir, "accounts", "budget", served.bob.account_id, "none")


def test_client_that_leaves_mid_generation_still_gets_its_image_saved(served: Running,
                                                                       upstream: FakeChatUpstream) -> None:
    with served.client(served.alice) as c:
        before = {f["fileId"] for f in c.get("/v1/storage/files", params={"limit": 100}).json()["files"]}
    upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", json.dumps({"prompt": "slow owl"})),)),
                   TextReply("never read"))
    with httpx.stream("POST", served.url + "/v1/chat", json={"stream": True, **ask("an owl", served)},
                      headers=served.alice.headers, timeout=60) as r:
        for line in r.iter_lines():
            if '"generating"' in line:
                break  # leave while the image is being painted
    after = wait_for_new_files(served, before)  # the painting (1.5 s) finishes and is saved
    assert [f["name"] for f in after] == ["slow-owl.png"]
    assert len(upstream.requests) == 1  # the model was not asked to go on for a client that left
    # ...nor later: the reply queued for it is still there, and goes to the next turn instead.
    r = httpx.post(served.url + "/v1/chat", json=ask("hello", served), headers=served.alice.headers, timeout=60)
    assert r.json()["response"] == "never read" and len(upstream.requests) == 2


def wait_for_new_files(served: Running, before: set[str]) -> list[dict[str, Any]]:
    """Until a file not in `before` is listed (the event the test waits on), at most a minute."""
    deadline = time.monotonic() + 60
    with served.client(served.alice) as c:
        while time.monotonic() < deadline:
            files = c.get("/v1/storage/files", params={"limit": 100}).json()["files"]
            if new := [f for f in files if f["fileId"] not in before]:
                return new
            time.sleep(0.05)
    raise AssertionError("no new file was saved within a minute")


def _count(served: Running) -> int:
    with served.client(served.alice) as c:
        return len(c.get("/v1/storage/files", params={"limit": 100}).json()["files"])


def test_bad_input_is_refused_before_anything_runs(served: Running, upstream: FakeChatUpstream) -> None:
    with served.client(served.bob) as c:
        bobs_file = c.post("/v1/storage/files", files={"file": ("b.png", png_bytes(), "image/png")}).json()["fileId"]
    before = _count(served)
    ws = served.alice.workspace_id
    cases = [
        ({"messages": [], "workspace_id": ws}, 400, "invalid_request"),
        ({"messages": [{"role": "user", "content": "hi"}]}, 400, "invalid_request"),
        ({**ask("hi", served), "tools": ["image_gen", "web_browse"]}, 400, "unknown_tool"),
        ({**ask("hi", served), "tool_choice": "web_browse"}, 400, "unknown_tool"),
        ({**ask("edit this", served), "file_ids": [bobs_file]}, 404, "not_found"),
        ({**ask("hi", served), "workspace_id": served.bob.workspace_id}, 404, "not_found"),
        ({**ask("hi", served), "model": "openai/gpt-5-unapproved"}, 400, "invalid_model"),
        ({**ask("hi", served), "temperature": 3}, 400, "invalid_request"),
        ({**ask("hi", served), "conversation_id": "conv-nope"}, 404, "not_found"),
        ({"messages": [{"role": "robot", "content": "x"}], "workspace_id": ws}, 400, "invalid_request"),
    ]
    for body, status, code in cases:
        for stream in (False, True):
            r = httpx.post(served.url + "/v1/chat", json={**body, "stream": stream}, headers=served.alice.headers)
            assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    r = httpx.post(served.url + "/v1/chat", content=b"{oops", headers=served.alice.headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_json")
    assert upstream.requests == [] and _count(served) == before


def test_allowed_model_override_reaches_the_upstream(served: Running, upstream: FakeChatUpstream) -> None:
    upstream.queue(TextReply("fine"))
    r = httpx.post(served.url + "/v1/chat", json=ask("hi", served, model="openai/other-model"),
                   headers=served.alice.headers, timeout=60)
    assert (r.status_code, r.json()["response"], r.json()["model"]) == (200, "fine", "openai/other-model")
    # The upstream was asked for the override, with the configured key of that provider.
    assert [q["model"] for q in upstream.requests] == ["other-model"]
    assert upstream.headers[0]["authorization"] == "Bearer sk-fake-upstream-secret"


def test_earlier_images_are_listed_for_the_model(served: Running, upstream: FakeChatUpstream) -> None:
    upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", json.dumps({"prompt": "a red barn"})),)),
                   TextReply("Made a barn."))
    first = httpx.post(served.url + "/v1/chat", json=ask("a red barn", served), headers=served.alice.headers,
                       timeout=60).json()
    barn = first["media"][0]["file_id"]
    edit = json.dumps({"prompt": "make it darker", "source_file_ids": [barn]})
    upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", edit),)), TextReply("Darker now."))
    second = httpx.post(served.url + "/v1/chat", json={**ask("make it darker", served),
                                                       "conversation_id": first["conversation_id"]},
                        headers=served.alice.headers, timeout=60).json()
    system = upstream.requests[2]["messages"][0]["content"]
    assert f"{barn} | red-barn.png | 64x64" in system and "made earlier in this conversation" in system
    assert second["media"][0]["metadata"]["source_file_ids"] == [barn]
    assert second["media"][0]["metadata"]["operation"] == "edit"
    history = [m["role"] for m in upstream.requests[2]["messages"]]
    assert history[:6] == ["system", "user", "assistant", "tool", "assistant", "user"]


def test_bad_tool_arguments_are_tool_errors_and_the_turn_completes(served: Running,
                                                                   upstream: FakeChatUpstream) -> None:
    with served.client(served.bob) as c:
        foreign = c.post("/v1/storage/files", files={"file": ("b.png", png_bytes(), "image/png")}).json()["fileId"]
    with served.client(served.alice) as c:
        mine = c.post("/v1/storage/files", files={"file": ("a.png", png_bytes(), "image/png")}).json()["fileId"]
    before = _count(served)
    cases = [
        ({"prompt": "x", "size": "5000x10"}, "5000x10"),
        ({"prompt": "x", "n": 50}, "n"),
        ({"prompt": "x", "source_file_ids": ["file-00000000-0000-0000-0000-000000000000"]}, "Unknown source"),
        ({"prompt": "x", "source_file_ids": [foreign]}, "Unknown source"),
        ({"prompt": "x", "source_file_ids": [mine] * 17}, "at most 16"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x", "operation": "edit"}, "needs source_file_ids"),
        # Raw text a model may send: numbers and nesting that Python's json turns into 500s unguarded.
        ('{"prompt": "x", "n": ' + "9" * 5000 + "}", "more than 1000 digits"),
        ('{"prompt": "x", "style": ' + "[" * 20_000 + "]" * 20_000 + "}", "nests deeper than 64 levels"),
        ('{"prompt": "x", "seed": 1e999}', "out of range"),
        ('["prompt", "x"]', "not an object"),
    ]
    for args, said in cases:
        raw = args if isinstance(args, str) else json.dumps(args)
        upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", raw),)),
                       TextReply("Let me fix that."))
        events, _ = stream_events(served, ask("go", served))
        failed = [e for e in events if e.get("status") == "failed"]
        assert len(failed) == 1 and said in failed[0]["error"], (args, failed)
        assert events[-1]["type"] == "ai_complete" and events[-1]["tool_calls"][0]["status"] == "failed"
        told = json.loads([m for m in upstream.requests[-1]["messages"] if m["role"] == "tool"][-1]["content"])
        assert told == {"status": "failed", "error": failed[0]["error"]}
    assert _count(served) == before  # nothing was painted or stored
