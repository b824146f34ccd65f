"""The SSE response: pings only while idle, a terminal event always, and the turn cancelled when the client
leaves."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message

from easel.agent.surfaces.sse import EventStream
from easel.agent.turn.events import AiChunk, AiComplete

pytestmark = pytest.mark.anyio


class Client:
    """The ASGI side of one streamed response: what was sent, and a switch to hang up."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.gone = asyncio.Event()

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def events(self) -> list[dict[str, Any]]:
        body = b"".join(m.get("body", b"") for m in self.messages[1:])
        return [json.loads(part[6:]) for part in body.split(b"\n\n") if part]


async def serve(run: Any, ping_every: float) -> Client:
    client = Client()
    await EventStream(run, ping_every=ping_every)({"type": "http"}, client.receive, client.send)
    return client


async def test_pings_while_idle_then_the_terminal_event_ends_the_stream() -> None:
    async def run(emit: Any) -> None:
        await emit(AiChunk("a"))
        await asyncio.sleep(0.25)
        await emit(AiComplete(response="a", conversation_id="conv-1"))

    client = await serve(run, ping_every=0.1)
    kinds = [e["type"] for e in client.events]
    assert kinds[0] == "ai_chunk" and kinds[-1] == "ai_complete" and kinds.count("ping") >= 1
    assert client.messages[0]["headers"][0] == (b"content-type", b"text/event-stream; charset=utf-8")
    assert client.messages[-1]["more_body"] is False


async def test_each_event_is_sent_as_it_is_emitted() -> None:
    sent_before_second: list[int] = []

    async def run(emit: Any) -> None:
        await emit(AiChunk("a"))
        sent_before_second.append(len(client.messages))
        await emit(AiComplete(response="a", conversation_id="conv-1"))

    client = Client()
    await EventStream(run)({"type": "http"}, client.receive, client.send)
    assert sent_before_second == [2]  # the start, then the first chunk, before the turn went on


async def test_a_runner_that_dies_silently_still_ends_with_an_error() -> None:
    async def run(emit: Any) -> None:
        await emit(AiChunk("a"))

    client = await serve(run, ping_every=0.05)
    assert client.events[-1]["type"] == "error" and client.events[-1]["code"] == "internal_error"
    assert client.messages[-1]["more_body"] is False


async def test_the_client_leaving_cancels_the_turn() -> None:
    cancelled = asyncio.Event()
    client = Client()

    async def run(emit: Any) -> None:
        await emit(AiChunk("a"))
        client.gone.set()  # the client hangs up while the model is still thinking
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    await asyncio.wait_for(EventStream(run)({"type": "http"}, client.receive, client.send), 2)
    assert cancelled.is_set()
    assert [e["type"] for e in client.events] == ["ai_chunk"]


async def test_nothing_is_sent_after_the_end() -> None:
    async def run(emit: Any) -> None:
        await emit(AiComplete(response="", conversation_id="conv-1"))
        await emit(AiChunk("late"))  # e.g. a tool that finishes after the turn was over

    client = await serve(run, ping_every=5)
    assert [e["type"] for e in client.events] == ["ai_complete"]
