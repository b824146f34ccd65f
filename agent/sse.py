"""The turn as Server-Sent Events: only `data: <json>` lines, a blank line after each, nothing else.

sse-starlette does the transport (disconnect detection, graceful shutdown); events arrive pre-encoded
as bytes, which it sends untouched, so its CRLF separators and `: ping` comments never appear. Pings
are ours: a `{"type": "ping"}` event after 15 s with nothing else sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from sse_starlette import EventSourceResponse

from agent.events import TERMINAL, ErrorEvent, Event, Ping, encode

PING_EVERY_S = 15.0

Runner = Callable[[Callable[[Event], Awaitable[None]]], Coroutine[Any, Any, None]]


async def _events(run: Runner, ping_every: float) -> AsyncIterator[bytes]:
    queue: asyncio.Queue[Event] = asyncio.Queue()

    async def emit(event: Event) -> None:
        queue.put_nowait(event)

    task = asyncio.get_running_loop().create_task(run(emit))
    try:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), ping_every)
            except TimeoutError:
                if task.done() and queue.empty():
                    # The runner ended without a terminal event: never leave a client hanging.
                    yield encode(ErrorEvent("internal_error", "The turn ended unexpectedly"))
                    return
                yield encode(Ping())
                continue
            yield encode(event)
            if isinstance(event, TERMINAL):
                return
    finally:
        if not task.done():
            task.cancel()  # the client left: stop the model; painting in flight is shielded


def event_stream(run: Runner, *, grace_s: float, ping_every: float = PING_EVERY_S) -> EventSourceResponse:
    return EventSourceResponse(
        _events(run, ping_every), ping=0, sep="\n", shutdown_grace_period=grace_s,
        headers={"Cache-Control": "no-store"},
    )
