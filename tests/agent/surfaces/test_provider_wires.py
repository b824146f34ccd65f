"""A full `/v1/chat` turn over real HTTP with a brain on each provider's own wire format: Anthropic Messages,
Gemini streamGenerateContent, Ollama /api/chat, Azure OpenAI (through the fast lane and through litellm's own
client). Each fake upstream (tests/fakes/providers.py) speaks that provider's protocol as litellm sends and
reads it; the image is painted by the offline painter and saved in the Space.

Asserts the whole event sequence the client received, what the upstream was sent (its URL, headers, the
tool call and its result in the provider's own message format), the usage and cost the ledger recorded
(litellm's price for the model times the tokens the provider reported), and how each kind of upstream failure
reaches the client."""

from __future__ import annotations

import importlib.util
import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.agent.surfaces.test_zarkai import ask, parse_stream
from tests.conftest import Running, start_with_two_tenants
from tests.fakes.providers import FakeAnthropic, FakeAzureOpenAI, FakeGemini, FakeOllama
from tests.fakes.upstream import ErrorReply, FakeChatUpstream, FakeToolCall, TextReply, ToolCallReply

AZURE_VERSION = "2024-10-21"
ARGS = {"prompt": "a red fox curled up in fresh snow", "aspect_ratio": "16:9", "seed": 11}
FIRST_USAGE, SECOND_USAGE = (412, 37), (655, 12)


def _prices() -> dict[str, Any]:
    spec = importlib.util.find_spec("litellm")
    assert spec is not None and spec.origin is not None
    return json.loads((Path(spec.origin).parent / "model_prices_and_context_window_backup.json").read_text())


@dataclass(frozen=True)
class Case:
    name: str
    fake: Callable[[], FakeChatUpstream]
    model: str
    price_key: str  # the model's entry in litellm's local cost map
    key: str | None = "sk-provider-secret-0123456789"
    env: dict[str, str] = field(default_factory=dict)
    overloaded: ErrorReply = ErrorReply(503, "The service is overloaded")
    bad_request: ErrorReply = ErrorReply(400, "The request is not valid")
    not_found: ErrorReply = ErrorReply(404, "The model does not exist")


CASES = [
    Case("anthropic", FakeAnthropic, "anthropic/claude-haiku-4-5", "claude-haiku-4-5",
         overloaded=ErrorReply(529, "Overloaded"),
         bad_request=ErrorReply(400, "messages.1.content.0: unexpected `tool_use_id` found in `tool_result` blocks"),
         not_found=ErrorReply(404, "model: claude-haiku-4-5")),
    Case("gemini", FakeGemini, "gemini/gemini-2.5-flash", "gemini/gemini-2.5-flash",
         overloaded=ErrorReply(503, "The model is overloaded. Please try again later."),
         bad_request=ErrorReply(400, "* GenerateContentRequest.contents: contents is not specified"),
         not_found=ErrorReply(404, "models/gemini-2.5-flash is not found for API version v1beta, or is not "
                                   "supported for generateContent.")),
    Case("ollama", FakeOllama, "ollama_chat/llama3.1", "ollama/llama3.1", key=None,
         overloaded=ErrorReply(503, "server busy, please try again.  maximum pending requests exceeded"),
         bad_request=ErrorReply(400, "invalid message format"),
         not_found=ErrorReply(404, 'model "llama3.1" not found, try pulling it first')),
    Case("azure-fast-lane", lambda: FakeAzureOpenAI(key="azure-key-0123456789abcdef"), "azure/gpt-4o-mini",
         "azure/gpt-4o-mini", key="azure-key-0123456789abcdef", env={"AZURE_API_VERSION": AZURE_VERSION},
         overloaded=ErrorReply(503, "The service is temporarily unable to process your request."),
         not_found=ErrorReply(404, "The API deployment for this resource does not exist.", code="DeploymentNotFound")),
    Case("azure-litellm-lane", lambda: FakeAzureOpenAI(key="azure-key-0123456789abcdef"), "azure/gpt-4o-mini",
         "azure/gpt-4o-mini", key="azure-key-0123456789abcdef",
         env={"AZURE_API_VERSION": AZURE_VERSION, "EASEL_FAST_LANE": "0"},
         overloaded=ErrorReply(503, "The service is temporarily unable to process your request."),
         not_found=ErrorReply(404, "The API deployment for this resource does not exist.", code="DeploymentNotFound")),
]


@dataclass
class Served:
    case: Case
    upstream: FakeChatUpstream
    running: Running


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    case: Case = request.param
    with case.fake() as upstream:
        env = {"EASEL_CHAT_MODEL": case.model, "EASEL_CHAT_API_BASE": upstream.base_url, **case.env}
        if case.key:
            env["EASEL_CHAT_API_KEY"] = case.key
        running = start_with_two_tenants(tmp_path_factory.mktemp(f"wire-{case.name}"), env=env)
        try:
            yield Served(case, upstream, running)
        finally:
            running.server.stop()


@pytest.fixture(autouse=True)
def _fresh(served: Served) -> None:
    served.upstream.reset()


def stream(served: Served, text: str) -> list[dict[str, Any]]:
    raw = b""
    with httpx.stream("POST", served.running.url + "/v1/chat", json={"stream": True, **ask(text, served.running)},
                      headers=served.running.alice.headers, timeout=120) as r:
        assert r.status_code == 200, r.read()
        for chunk in r.iter_raw():
            raw += chunk
    return parse_stream(raw)


def chat_records(served: Served) -> list[sqlite3.Row]:
    db = sqlite3.connect(served.running.server.data_dir / "easel.db")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT model, prompt_tokens, completion_tokens, cost_usd FROM usage WHERE kind = 'chat' "
                          "ORDER BY seq").fetchall()
    finally:
        db.close()


def test_a_whole_turn_on_the_providers_own_wire(served: Served) -> None:
    case, up = served.case, served.upstream
    up.queue(ToolCallReply(calls=(FakeToolCall("image_gen", json.dumps(ARGS), id=""),), text="Let me paint that.",
                           text_chunks=3, arg_chunks=5, usage=FIRST_USAGE),
             TextReply("Here is your fox, asleep in the snow.", chunks=4, usage=SECOND_USAGE))
    before = len(chat_records(served))
    events = stream(served, "paint a fox sleeping in the snow")

    types = [e["type"] for e in events]
    first_tool = types.index("tool_status")
    assert types[:first_tool] == ["ai_chunk"] * first_tool and first_tool >= 2  # text arrived in pieces
    assert [(e["type"], e.get("status")) for e in events if e["type"] in ("tool_status", "media_item")] == [
        ("tool_status", "in_progress"), ("tool_status", "generating"), ("media_item", None),
        ("tool_status", "completed")]
    assert events[first_tool]["arguments"] == ARGS  # the pieces joined into the model's arguments
    after_tool = types.index("tool_status", types.index("media_item"))
    assert types[after_tool + 1:-1] == ["ai_chunk"] * (len(types) - after_tool - 2) and types[-1] == "ai_complete"
    done = events[-1]
    assert done["response"].startswith("Let me paint that.")
    assert done["response"].endswith("Here is your fox, asleep in the snow.")
    assert done["response"] == "".join(e["content"] for e in events if e["type"] == "ai_chunk")

    # The image: painted offline at the asked aspect ratio and saved in the Space.
    media = next(e for e in events if e["type"] == "media_item")
    assert (media["width"], media["height"]) == (1024, 576) and done["tool_calls"][0]["file_ids"] == [media["file_id"]]
    saved = httpx.get(f"{served.running.url}/v1/storage/files/{media['file_id']}/content",
                      params={"workspace_id": served.running.alice.workspace_id},
                      headers=served.running.alice.headers, timeout=60)
    assert saved.status_code == 200 and saved.content.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(saved.content)) as image:
        assert image.size == (1024, 576) and len(set(image.convert("RGB").getdata())) > 50  # a picture, not a fill

    # Usage as the provider reported it, priced by litellm's cost map, and recorded.
    prompt, completion = FIRST_USAGE[0] + SECOND_USAGE[0], FIRST_USAGE[1] + SECOND_USAGE[1]
    assert (done["usage"]["prompt_tokens"], done["usage"]["completion_tokens"]) == (prompt, completion)
    price = _prices()[case.price_key]
    expected = prompt * price["input_cost_per_token"] + completion * price["output_cost_per_token"]
    records = chat_records(served)
    assert len(records) == before + 1
    record = records[-1]
    assert (record["model"], record["prompt_tokens"], record["completion_tokens"]) == (case.model, prompt, completion)
    assert record["cost_usd"] == pytest.approx(expected, abs=1e-6)
    if case.name == "ollama":
        assert expected == 0  # a local model: litellm prices it at nothing
    else:
        assert expected > 0

    # What the provider was sent, in its own format.
    assert len(up.requests) == 2
    WIRE_CHECKS[case.name.split("-")[0]](served, media["file_id"])
    assert case.key is None or case.key not in json.dumps(events)


def _check_anthropic(served: Served, file_id: str) -> None:
    up = served.upstream
    first, second = up.requests
    assert up.urls == ["/v1/messages", "/v1/messages"]
    assert all(h["x-api-key"] == served.case.key and h["anthropic-version"] for h in up.headers)
    assert first["stream"] is True and first["tools"][0]["name"] == "image_gen"
    assert "input_schema" in first["tools"][0] and isinstance(first["system"], list)
    assert all(m["role"] in ("user", "assistant") for m in second["messages"])  # the system prompt stays apart
    assistant = second["messages"][-2]
    tool_use = next(b for b in assistant["content"] if b["type"] == "tool_use")
    assert tool_use["name"] == "image_gen" and tool_use["input"] == ARGS and tool_use["id"].startswith("toolu_")
    result = next(b for b in second["messages"][-1]["content"] if b["type"] == "tool_result")
    assert result["tool_use_id"] == tool_use["id"] and file_id in json.dumps(result["content"])


def _check_gemini(served: Served, file_id: str) -> None:
    up = served.upstream
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert up.urls == [path, path]
    assert all(h["x-goog-api-key"] == served.case.key for h in up.headers)
    first, second = up.requests
    assert first["tools"][0]["function_declarations"][0]["name"] == "image_gen"
    parts = [p for content in second["contents"] for p in content["parts"]]
    # Google's JSON takes proto field names in either case; litellm writes them in snake_case.
    call = next(p.get("functionCall") or p["function_call"] for p in parts
                if {"functionCall", "function_call"} & set(p))
    assert call["name"] == "image_gen" and call["args"] == ARGS
    response = next(p.get("functionResponse") or p["function_response"] for p in parts
                    if {"functionResponse", "function_response"} & set(p))
    assert response["name"] == "image_gen" and file_id in json.dumps(response["response"])
    roles = [c["role"] for c in second["contents"]]
    assert roles == ["user", "model", "user"] and "system_instruction" in second


def _check_ollama(served: Served, file_id: str) -> None:
    up = served.upstream
    assert up.urls == ["/api/chat", "/api/chat"]
    assert all("authorization" not in h for h in up.headers)  # no key configured, none sent
    first, second = up.requests
    assert first["stream"] is True and first["tools"][0]["function"]["name"] == "image_gen"
    assert "num_predict" in first["options"]
    assistant = next(m for m in second["messages"] if m["role"] == "assistant" and m.get("tool_calls"))
    call = assistant["tool_calls"][0]["function"]
    assert call["name"] == "image_gen" and (call["arguments"] if isinstance(call["arguments"], dict)
                                           else json.loads(call["arguments"])) == ARGS
    tool = next(m for m in second["messages"] if m["role"] == "tool")
    assert file_id in tool["content"]


def _check_azure(served: Served, file_id: str) -> None:
    up = served.upstream
    assert isinstance(up, FakeAzureOpenAI)
    assert up.deployments == [("gpt-4o-mini", AZURE_VERSION)] * 2
    assert all(h["api-key"] == served.case.key and "authorization" not in h for h in up.headers)
    fast = served.case.env.get("EASEL_FAST_LANE") != "0"
    # The fast lane reads the stream itself; litellm's own path goes through the OpenAI SDK's Azure client.
    assert all(("AsyncAzureOpenAI" in h.get("user-agent", "")) is not fast for h in up.headers)
    first, second = up.requests
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assistant = next(m for m in second["messages"] if m["role"] == "assistant")
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == ARGS
    tool = next(m for m in second["messages"] if m["role"] == "tool")
    assert tool["tool_call_id"] == assistant["tool_calls"][0]["id"] and file_id in tool["content"]


WIRE_CHECKS = {"anthropic": _check_anthropic, "gemini": _check_gemini, "ollama": _check_ollama,
               "azure": _check_azure}


def test_each_upstream_failure_reaches_the_client_as_its_easel_error(served: Served) -> None:
    up, case = served.upstream, served.case

    def failing(*replies: ErrorReply) -> tuple[dict[str, Any], int]:
        up.reset()
        up.queue(*replies)
        events = stream(served, "hello")
        assert [e["type"] for e in events] == ["error"], events
        return events[0], len(up.requests)

    # Rejected credentials: told plainly, never retried, the key never echoed.
    error, calls = failing(ErrorReply(401, "invalid x-api-key"))
    assert (error["code"], calls) == ("upstream_error", 1)
    assert error["error"] == "The chat model's provider rejected the configured credentials"
    # Rate limited with a wait longer than Easel's backoff cap: at once, as rate_limited, the wait passed on.
    error, calls = failing(ErrorReply(429, "Too many requests", retry_after=60))
    assert (error["code"], calls) == ("rate_limited", 1)
    up.reset()
    up.queue(ErrorReply(429, "Too many requests", retry_after=60))
    r = httpx.post(served.running.url + "/v1/chat", json=ask("hello", served.running),
                   headers=served.running.alice.headers, timeout=120)
    assert r.status_code == 429 and r.headers["retry-after"] == "60" and r.json()["code"] == "rate_limited"
    # Overloaded / unavailable: retried twice, then an upstream error with the provider's words.
    error, calls = failing(case.overloaded, case.overloaded, case.overloaded)
    assert (error["code"], calls) == ("upstream_error", 3)
    assert case.overloaded.message.split(".")[0] in error["error"] and "{" not in error["error"]
    # ... and a single overload is ridden out: the turn completes after one retry.
    up.reset()
    up.queue(case.overloaded, TextReply("Fine now.", usage=(5, 2)))
    events = stream(served, "hello")
    assert events[-1]["type"] == "ai_complete" and events[-1]["response"] == "Fine now." and len(up.requests) == 2
    # A request the provider refuses: not retried, its own words, no JSON or litellm class names.
    error, calls = failing(case.bad_request)
    assert (error["code"], calls) == ("upstream_error", 1)
    assert case.bad_request.message in error["error"] and "litellm" not in error["error"].lower()
    assert case.key is None or case.key not in json.dumps(error)
    # A model (or Azure deployment) the provider does not have: the client's request names a bad model.
    error, calls = failing(case.not_found)
    assert (error["code"], calls) == ("invalid_model", 1)
    assert case.model in error["error"] and case.not_found.message.split(",")[0] in error["error"]
