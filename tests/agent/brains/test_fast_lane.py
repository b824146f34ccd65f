"""The fast lane (`openai_wire.py`) against litellm's own stream: the same scenarios through both lanes, over
real HTTP against the fake OpenAI-compatible upstream, give the same text deltas, the same reply (text, tool
calls, usage, finish reason), the same errors, and send the upstream the same request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from easel.agent.brains import openai_wire
from easel.agent.brains.litellm_model import LitellmChatModel, load_litellm
from easel.agent.brains.model import ModelReply, ModelSettings, TextDelta
from easel.agent.settings import Settings
from easel.spaces.errors import EaselError
from tests.fakes.upstream import (
    BrokenStream,
    ErrorReply,
    FakeChatUpstream,
    FakeToolCall,
    HangingStream,
    Reply,
    TextReply,
    ToolCallReply,
)

pytestmark = pytest.mark.anyio

TOOLS = [{"type": "function", "function": {
    "name": "image_gen", "description": "Make an image.",
    "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}}}}}]
MESSAGES = [{"role": "system", "content": "You are Easel."}, {"role": "user", "content": "Draw a red fox"}]
FOX = json.dumps({"prompt": "a red fox in the snow", "n": 2})
CAT, DOG = json.dumps({"prompt": "a cat"}), json.dumps({"prompt": "a dog", "style": "anime"})

SCENARIOS: dict[str, tuple[tuple[Reply, ...], dict[str, Any]]] = {
    "text": ((TextReply("Hello there, how are you today?", chunks=5, usage=(11, 7)),), {}),
    "text, usage counted when the provider sends none": ((TextReply("Counted by hand.", chunks=3),), {}),
    "tool call whose arguments arrive in pieces": (
        (ToolCallReply(calls=(FakeToolCall("image_gen", FOX, id="call_fox"),), text="Painting it now.",
                       text_chunks=3, arg_chunks=7, usage=(42, 17)),), {}),
    "parallel tool calls, interleaved": (
        (ToolCallReply(calls=(FakeToolCall("image_gen", CAT), FakeToolCall("image_gen", DOG)), interleave=True,
                       arg_chunks=4, usage=(30, 20)),), {}),
    "a cut mid-stream": ((BrokenStream(text="This answer will never", chunks_before=2),), {}),
    "a cut before any text, then a retry": ((BrokenStream(chunks_before=0), TextReply("Second time lucky.")), {}),
    "429 with Retry-After, then text": ((ErrorReply(429, "Slow down", retry_after=0, type="rate_limit_error"),
                                         TextReply("Made it.", usage=(5, 2))), {}),
    "429 that persists": ((ErrorReply(429, "Slow down", retry_after=7, type="rate_limit_error"),),
                          {"max_retries": 0}),
    "500 with Retry-After, retried until it gives up": (
        (*[ErrorReply(500, "Internal meltdown", retry_after=0)] * 2,), {"max_retries": 1}),
    "401": ((ErrorReply(401, "Incorrect API key provided: sk-test", type="invalid_request_error"),), {}),
    "404 unknown model": ((ErrorReply(404, "The model `fake-model` does not exist", type="invalid_request_error",
                                      code="model_not_found"),), {}),
    "400 context window": ((ErrorReply(400, "This model's maximum context length is 8192 tokens. However, your "
                                       "messages resulted in 9000 tokens.", type="invalid_request_error",
                                       code="context_length_exceeded"),), {}),
    "an invalid JSON chunk": ((BrokenStream(mode="garbage"),), {"max_retries": 0}),
    "a hang mid-answer": ((HangingStream(chunks_before=2, hang_s=10),), {"timeout_s": 1.0}),
    "a hang before the first byte": ((TextReply("late", latency_s=10),), {"timeout_s": 1.0, "max_retries": 0}),
    "a model repeating itself": ((TextReply("la la " * 120, chunks=120),), {}),
}


@dataclass
class Outcome:
    deltas: list[str]
    reply: ModelReply | None
    error: tuple[int, str, str, dict[str, str] | None] | None
    requests: list[dict[str, Any]]


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeChatUpstream]:
    with FakeChatUpstream() as up:
        yield up


@pytest.fixture
def upstream(_server: FakeChatUpstream) -> FakeChatUpstream:
    _server.reset()
    return _server


async def run(up: FakeChatUpstream, replies: tuple[Reply, ...], fast: bool, **overrides: Any) -> Outcome:
    up.reset()
    up.queue(*replies)
    settings = ModelSettings(**{"model": "openai/fake-model", "api_base": up.base_url, "api_key": "sk-test",
                                **overrides})
    model = LitellmChatModel(backoff_base_s=0.01, fast_lane=fast)
    assert (model.route(settings) is not None) == fast
    deltas: list[str] = []
    reply = error = None
    try:
        async for event in model.stream(settings=settings, messages=MESSAGES, tools=TOOLS, tool_choice="auto",
                                        temperature=0.3, max_tokens=256):
            if isinstance(event, TextDelta):
                deltas.append(event.text)
            else:
                assert reply is None
                reply = event
    except EaselError as exc:
        error = (exc.status, exc.code, exc.message, exc.headers)
    finally:
        await model.aclose()
    return Outcome(deltas, reply, error, list(up.requests))


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_both_lanes_give_the_same_events_usage_and_errors(upstream: FakeChatUpstream, name: str) -> None:
    replies, overrides = SCENARIOS[name]
    slow = await run(upstream, replies, fast=False, **overrides)
    fast = await run(upstream, replies, fast=True, **overrides)
    assert fast.deltas == slow.deltas
    assert fast.reply == slow.reply
    assert fast.error == slow.error
    assert fast.requests == slow.requests
    assert (fast.reply is None) != (fast.error is None)  # each scenario ends one way, the same way


async def test_what_the_scenarios_end_with(upstream: FakeChatUpstream) -> None:
    """Parity alone would pass if both lanes were wrong the same way: a few outcomes spelled out."""
    tool = await run(upstream, *SCENARIOS["tool call whose arguments arrive in pieces"][:1], fast=True)
    assert tool.reply is not None and tool.reply.tool_calls[0].arguments == FOX
    assert (tool.reply.usage.prompt_tokens, tool.reply.usage.completion_tokens) == (42, 17)
    cut = await run(upstream, *SCENARIOS["a cut mid-stream"][:1], fast=True)
    assert cut.error is not None and cut.error[:2] == (502, "upstream_error")
    assert "".join(cut.deltas) == "This answer will never" and len(cut.requests) == 1
    hang = await run(upstream, (HangingStream(chunks_before=2, hang_s=10),), fast=True, timeout_s=1.0)
    assert hang.error is not None and hang.error[:2] == (504, "upstream_error")
    limited = await run(upstream, *SCENARIOS["429 that persists"][0:1], fast=True, max_retries=0)
    assert limited.error == (429, "rate_limited", "The chat model's provider is rate limiting requests",
                             {"Retry-After": "7"})


@pytest.mark.parametrize("fast", [True, False], ids=["fast lane", "litellm lane"])
async def test_a_model_repeating_one_chunk_is_stopped(upstream: FakeChatUpstream, fast: bool) -> None:
    out = await run(upstream, (TextReply("la la " * 120, chunks=120),), fast=fast)
    assert out.reply is None and out.error is not None
    assert out.error[:2] == (502, "upstream_error") and "repeated the same words 100 times" in out.error[2]
    assert out.deltas == ["la la "] * 99  # the 100th is not passed on
    honest = await run(upstream, (TextReply("ok " * 150 + "done", chunks=151),), fast=fast)  # short chunks
    assert honest.reply is not None and honest.reply.text == "ok " * 150 + "done"


def test_only_openai_wire_providers_take_the_fast_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    litellm = load_litellm()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("AZURE_API_KEY", "az-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    plain = openai_wire.route_for(litellm, ModelSettings(model="openai/gpt-4o-mini"))
    assert plain is not None and plain.url == "https://api.openai.com/v1/chat/completions"
    assert plain.headers["authorization"] == "Bearer sk-from-env" and plain.model == "gpt-4o-mini"
    local = openai_wire.route_for(litellm, ModelSettings(model="openai/llama3", api_base="http://h:11434/v1/"))
    assert local is not None and local.url == "http://h:11434/v1/chat/completions"
    azure = openai_wire.route_for(litellm, ModelSettings(model="azure/dep", api_base="https://r.openai.azure.com"))
    assert azure is not None and azure.headers["api-key"] == "az-key"
    assert azure.url.startswith("https://r.openai.azure.com/openai/deployments/dep/chat/completions?api-version=")
    assert openai_wire.route_for(litellm, ModelSettings(model="anthropic/claude-3-5-haiku-latest")) is None
    assert openai_wire.route_for(litellm, ModelSettings(model="builtin/router")) is None
    assert openai_wire.route_for(litellm, ModelSettings(model="o1-pro")) is None  # litellm bridges it


def test_easel_fast_lane_0_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().fast_lane is True
    monkeypatch.setenv("EASEL_FAST_LANE", "0")
    assert Settings().fast_lane is False
