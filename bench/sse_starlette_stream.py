"""The chat stream through sse-starlette, configured to the ZarkAI contract, for the side-by-side with Easel's
hand-written `EventStream` (agent/surfaces/sse.py). `bench/probe.py` swaps it in when EASEL_BENCH_SSE=starlette.

The contract as `EventStream` keeps it: only `data: <json>` lines and blank lines (`sep="\\n"`, pings as
`data: {"type":"ping"}` after 15 s idle, no comment lines), a terminal event always, nothing after it, the turn
cancelled when the client leaves. The turn feeds sse-starlette through a queue of one: `emit` waits until the
writer has taken the previous event, so a burst of chunks is written as it is emitted, never piled up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from easel.agent.surfaces.sse import PING_EVERY_S, Runner
from easel.agent.turn.events import TERMINAL, ErrorEvent, Event, encode

log = logging.getLogger("easel.sse")
HEADERS = {"cache-control": "no-store", "x-accel-buffering": "no"}


def _ping() -> ServerSentEvent:
    return ServerSentEvent(data='{"type":"ping"}')


def starlette_stream(run: Runner, *, ping_every: float = PING_EVERY_S) -> EventSourceResponse:
    return EventSourceResponse(_events(run), ping=ping_every, sep="\n", ping_message_factory=_ping,
                               headers=HEADERS)


async def _events(run: Runner) -> AsyncIterator[bytes]:
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=1)
    finished = False

    async def emit(event: Event) -> None:
        nonlocal finished
        if finished:
            return  # after the end (a tool finishing late), nothing more may be sent
        finished = isinstance(event, TERMINAL)
        await queue.put(encode(event))

    async def runner() -> None:
        try:
            await run(emit)
        except Exception:  # runners report their own failures as events; this is the last resort
            log.exception("the turn failed outside its runner")
        if not finished:
            await emit(ErrorEvent("internal_error", "The turn ended unexpectedly"))
        await queue.put(None)

    task = asyncio.get_running_loop().create_task(runner())
    try:
        while (item := await queue.get()) is not None:
            yield item
    finally:
        if not task.done():
            task.cancel()  # the client left (sse-starlette cancelled us): stop the turn
