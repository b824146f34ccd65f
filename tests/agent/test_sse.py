"""The SSE generator: pings only while idle, a terminal event always, and the turn cancelled when it ends."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent.events import AiChunk, AiComplete
from agent.sse import _events

pytestmark = pytest.mark.anyio


async def collect(run, ping_every: float) -> list[dict]:
    return [json.loads(raw[6:]) async for raw in _events(run, ping_every)]


async def test_pings_while_idle_then_the_terminal_event_ends_the_stream() -> None:
    async def run(emit) -> None:
        await emit(AiChunk("a"))
        await asyncio.sleep(0.25)
        await emit(AiComplete(response="a", conversation_id="conv-1"))

    kinds = [e["type"] for e in await collect(run, ping_every=0.1)]
    assert kinds[0] == "ai_chunk" and kinds[-1] == "ai_complete" and kinds.count("ping") >= 1


async def test_a_runner_that_dies_silently_still_ends_with_an_error() -> None:
    async def run(emit) -> None:
        await emit(AiChunk("a"))

    events = await collect(run, ping_every=0.05)
    assert events[-1]["type"] == "error" and events[-1]["code"] == "internal_error"


async def test_closing_the_stream_cancels_the_turn() -> None:
    cancelled = asyncio.Event()

    async def run(emit) -> None:
        await emit(AiChunk("a"))
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    stream = _events(run, 5)
    first = await stream.__anext__()
    assert b"ai_chunk" in first
    await stream.aclose()  # what the transport does when the client goes away
    await asyncio.wait_for(cancelled.wait(), 1)
