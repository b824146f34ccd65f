"""`LitellmChatModel` over real HTTP against the fake OpenAI-compatible upstream on 127.0.0.1: streaming,
tool-call assembly, retries, error mapping and usage, asserted on what the caller got and what the
upstream received."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from easel.agent.brains.litellm_model import LitellmChatModel, _ToolCallAssembler
from easel.agent.brains.model import ModelReply, ModelSettings, TextDelta, ToolCall
from easel.spaces.errors import EaselError
from tests.fakes.upstream import (
    BrokenStream,
    ErrorReply,
    FakeChatUpstream,
    FakeToolCall,
    TextReply,
    ToolCallReply,
)

pytestmark = pytest.mark.anyio

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "image_gen",
            "description": "Make an image.",
            "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}}},
        },
    }
]
MESSAGES = [{"role": "system", "content": "You are Easel."}, {"role": "user", "content": "Draw a red fox"}]


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeChatUpstream]:
    with FakeChatUpstream() as up:
        yield up


@pytest.fixture
def upstream(_server: FakeChatUpstream) -> FakeChatUpstream:
    _server.reset()
    return _server


def settings_for(up: FakeChatUpstream, **overrides: Any) -> ModelSettings:
    return ModelSettings(
        **{"model": "openai/fake-model", "api_base": up.base_url, "api_key": "sk-test", **overrides}
    )


async def collect(
    settings: ModelSettings,
    *,
    model: LitellmChatModel | None = None,
    tools: list | None = None,
    tool_choice: Any = "auto",
    deltas: list[str] | None = None,
) -> tuple[list[str], ModelReply]:
    """Run one stream; text deltas land in `deltas` (so a test can inspect them even when it raises)."""
    deltas = [] if deltas is None else deltas
    events = []
    chat = model or LitellmChatModel(backoff_base_s=0.01)
    try:
        async for event in chat.stream(
            settings=settings,
            messages=MESSAGES,
            tools=TOOLS if tools is None else tools,
            tool_choice=tool_choice,
            temperature=0.3,
            max_tokens=256,
        ):
            events.append(event)
            if isinstance(event, TextDelta):
                deltas.append(event.text)
    finally:
        await chat.aclose()
    assert isinstance(events[-1], ModelReply) and sum(isinstance(e, ModelReply) for e in events) == 1
    return deltas, events[-1]


async def test_text_deltas_then_a_tool_call_whose_arguments_arrive_in_pieces(
    upstream: FakeChatUpstream,
) -> None:
    args = json.dumps({"prompt": "a red fox in the snow", "n": 2})
    upstream.queue(
        ToolCallReply(
            calls=(FakeToolCall("image_gen", args, id="call_fox"),),
            text="Painting it now.",
            text_chunks=3,
            arg_chunks=5,
            usage=(42, 17),
        )
    )
    deltas, reply = await collect(settings_for(upstream))
    assert len(deltas) == 3 and "".join(deltas) == "Painting it now." == reply.text
    assert reply.tool_calls == (ToolCall(id="call_fox", name="image_gen", arguments=args),)
    assert reply.finish_reason == "tool_calls"
    # litellm has no price for fake-model: the tokens count, and their cost is unknown, not free
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.priced) == (42, 17, False)
    sent = upstream.requests[0]
    assert sent["model"] == "fake-model" and sent["stream"] is True and sent["messages"] == MESSAGES
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["tools"][0]["function"]["name"] == "image_gen" and sent["tool_choice"] == "auto"
    assert upstream.headers[0]["authorization"] == "Bearer sk-test"


async def test_two_parallel_tool_calls_are_assembled_by_index(upstream: FakeChatUpstream) -> None:
    first, second = json.dumps({"prompt": "a cat"}), json.dumps({"prompt": "a dog", "style": "anime"})
    calls = (FakeToolCall("image_gen", first), FakeToolCall("image_gen", second))
    upstream.queue(ToolCallReply(calls=calls, interleave=True, arg_chunks=4))
    deltas, reply = await collect(settings_for(upstream))
    assert deltas == [] and reply.text == ""
    assert [(c.id, c.arguments) for c in reply.tool_calls] == [("call_0", first), ("call_1", second)]
    assert all(json.loads(c.arguments) for c in reply.tool_calls)


async def test_no_tools_means_no_tool_choice_is_sent(upstream: FakeChatUpstream) -> None:
    upstream.queue(TextReply("Just words.", chunks=2))
    deltas, reply = await collect(settings_for(upstream), tools=[], tool_choice="required")
    assert reply.text == "Just words." and reply.tool_calls == () and reply.finish_reason == "stop"
    assert "tools" not in upstream.requests[0] and "tool_choice" not in upstream.requests[0]


async def test_429_with_retry_after_is_retried_after_waiting(upstream: FakeChatUpstream) -> None:
    upstream.queue(
        ErrorReply(429, "Slow down", retry_after=1, type="rate_limit_error"), TextReply("Made it.")
    )
    started = time.monotonic()
    deltas, reply = await collect(settings_for(upstream))
    assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured (not the tiny test backoff)
    assert reply.text == "Made it." and len(upstream.requests) == 2


async def test_429_that_persists_becomes_rate_limited_with_retry_after(upstream: FakeChatUpstream) -> None:
    upstream.queue(ErrorReply(429, retry_after=7))
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, max_retries=0))
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    assert caught.value.headers == {"Retry-After": "7"}


async def test_a_retry_after_beyond_the_retry_budget_fails_at_once_with_it(upstream: FakeChatUpstream) -> None:
    # A wait past the longest backoff (20 s here) is not worth retrying at a capped wait: the provider
    # would answer 429 again. The caller is told at once, with the provider's wait.
    upstream.queue(*[ErrorReply(429, "Come back in an hour", retry_after=3600)] * 3)
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, max_retries=2))
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    assert caught.value.headers == {"Retry-After": "3600"}
    assert len(upstream.requests) == 1


async def test_persistent_500_is_retried_then_becomes_upstream_error(upstream: FakeChatUpstream) -> None:
    upstream.queue(*[ErrorReply(500, "Internal meltdown")] * 3)
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, max_retries=2))
    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    assert "Internal meltdown" in caught.value.message and "litellm" not in caught.value.message.lower()
    assert len(upstream.requests) == 3


async def test_mid_stream_break_is_an_upstream_error_and_the_next_call_succeeds(
    upstream: FakeChatUpstream,
) -> None:
    upstream.queue(BrokenStream(text="This answer will never", chunks_before=2), TextReply("Back again."))
    deltas: list[str] = []
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream), deltas=deltas)
    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    # The HTTP client's own exception (aiohttp's TransferEncodingError) is for the log, not the client.
    assert caught.value.message == "The chat model's stream broke off mid-answer"
    assert "".join(deltas) == "This answer will never"
    assert len(upstream.requests) == 1  # text was already shown: no retry may repeat it
    _, reply = await collect(settings_for(upstream))
    assert reply.text == "Back again."


async def test_garbage_in_the_stream_is_an_upstream_error(upstream: FakeChatUpstream) -> None:
    upstream.queue(BrokenStream(mode="garbage"))
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, max_retries=0))
    assert (caught.value.status, caught.value.code) == (502, "upstream_error")


async def test_a_break_before_any_text_is_retried(upstream: FakeChatUpstream) -> None:
    upstream.queue(BrokenStream(chunks_before=0), TextReply("Second time lucky."))
    _, reply = await collect(settings_for(upstream))
    assert reply.text == "Second time lucky." and len(upstream.requests) == 2


async def test_rejected_credentials_never_echo_the_key(upstream: FakeChatUpstream) -> None:
    upstream.queue(ErrorReply(401, "Incorrect API key provided: sk-test", type="invalid_request_error"))
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream))
    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    assert caught.value.message == "The chat model's provider rejected the configured credentials"
    assert len(upstream.requests) == 1


async def test_provider_words_are_passed_on_without_secrets(upstream: FakeChatUpstream) -> None:
    upstream.queue(ErrorReply(502, f"proxy at {upstream.base_url} refused key sk-test-123456"))
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, api_key="sk-test-123456", max_retries=0))
    assert "sk-test" not in caught.value.message and upstream.base_url not in caught.value.message
    assert "refused" in caught.value.message


async def test_unknown_model_is_invalid_model(upstream: FakeChatUpstream) -> None:
    upstream.queue(
        ErrorReply(
            404, "The model `fake-model` does not exist", type="invalid_request_error", code="model_not_found"
        )
    )
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream))
    assert (caught.value.status, caught.value.code) == (400, "invalid_model")


async def test_a_model_without_provider_is_invalid_model() -> None:
    with pytest.raises(EaselError) as caught:
        await collect(ModelSettings(model="no-such-provider-model", api_base="http://127.0.0.1:9/v1"))
    assert (caught.value.status, caught.value.code) == (400, "invalid_model")


async def test_no_answer_in_time_is_a_504_and_not_retried(upstream: FakeChatUpstream) -> None:
    upstream.queue(TextReply("Too late.", latency_s=1.0))
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, timeout_s=0.3))
    assert (caught.value.status, caught.value.code) == (504, "upstream_error")
    assert len(upstream.requests) == 1


async def test_usage_is_priced_when_litellm_knows_the_model(upstream: FakeChatUpstream) -> None:
    upstream.queue(TextReply("Priced.", usage=(1000, 500)))
    _, reply = await collect(settings_for(upstream, model="openai/gpt-4o-mini"))
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (1000, 500)
    assert 0 < reply.usage.cost_usd < 0.01 and reply.usage.priced


async def test_the_operators_token_price_wins_and_prices_a_model_litellm_does_not_know(
        upstream: FakeChatUpstream) -> None:
    upstream.queue(TextReply("Priced by the operator.", usage=(2_000_000, 1_000_000)))
    _, reply = await collect(settings_for(upstream, token_price=(0.5, 1.5)))  # fake-model: litellm has no price
    assert (reply.usage.cost_usd, reply.usage.priced) == (pytest.approx(2.5), True)


def test_fragments_without_index_or_with_a_reused_index_are_told_apart() -> None:
    # One provider reuses index 0 for every call: a new id at that index means a new call.
    joined = _ToolCallAssembler()
    fragments: tuple[dict[str, Any], ...] = (
        {"index": 0, "id": "a", "function": {"name": "image_gen", "arguments": '{"prompt":'}},
        {"index": 0, "function": {"arguments": ' "cat"}'}},
        {"index": 0, "id": "b", "function": {"name": "image_gen", "arguments": "{}"}},
    )
    for fragment in fragments:
        joined.add(fragment)
    assert [(c.id, c.arguments) for c in joined.calls()] == [("a", '{"prompt": "cat"}'), ("b", "{}")]
    no_index = _ToolCallAssembler()
    fragments = (
        {"id": "x", "function": {"name": "image_gen", "arguments": '{"n":'}},
        {"function": {"name": "image_gen", "arguments": " 2}"}},  # name repeated: not a new call
        {"id": "y", "function": {"name": "image_gen", "arguments": ""}},
    )
    for fragment in fragments:
        no_index.add(fragment)
    assert [(c.id, c.name, c.arguments) for c in no_index.calls()] == [
        ("x", "image_gen", '{"n": 2}'),
        ("y", "image_gen", "{}"),
    ]


async def test_a_stream_that_stalls_mid_answer_is_a_504(upstream: FakeChatUpstream) -> None:
    upstream.queue(TextReply("Words then silence", chunks=3, chunk_delay_s=1.0))
    deltas: list[str] = []
    with pytest.raises(EaselError) as caught:
        await collect(settings_for(upstream, timeout_s=0.3), deltas=deltas)
    assert (caught.value.status, caught.value.code) == (504, "upstream_error") and deltas
    assert len(upstream.requests) == 1


def test_the_fake_upstream_also_answers_without_streaming(upstream: FakeChatUpstream) -> None:
    args = json.dumps({"prompt": "a kite"})
    upstream.queue(ToolCallReply(calls=(FakeToolCall("image_gen", args),), text="Sure."))
    body = {"model": "fake-model", "messages": MESSAGES}
    answer = httpx.post(upstream.base_url + "/chat/completions", json=body, timeout=10).json()
    message = answer["choices"][0]["message"]
    assert message["content"] == "Sure." and message["tool_calls"][0]["function"]["arguments"] == args
    assert answer["usage"]["total_tokens"] > 0 and upstream.requests == [body]
