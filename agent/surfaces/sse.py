"""The turn as Server-Sent Events: only `data: <json>` lines, a blank line after each, nothing else.

`EventStream` is a small ASGI response that writes each event from the task that emits it, the moment it is
emitted. There is no queue between the turn and the socket and no writer task: a turn runs in the request's
own task, and one more task per stream waits for the client to leave. (It replaced sse-starlette's
EventSourceResponse fed through a queue. `make bench` measures both side by side each run, sse-starlette
configured to the same contract and fed through a queue of one (bench/sse_starlette_stream.py): it costs more
first text and more CPU per event than the rule of issue 11 allows, so this one stays; docs/benchmarks.md.)

- Pings: a `{"type": "ping"}` event after 15 s with nothing else sent.
- A client that leaves cancels the turn; painting in flight is shielded and still saved (see loop.py).
- A turn that ends without a terminal event still ends the stream, with an `internal_error` event.
- Shutdown: uvicorn lets streams in flight finish within its graceful-shutdown timeout (`easel serve` sets
  it from EASEL_SHUTDOWN_GRACE_S), then cancels them.
- Backpressure: a client that reads slowly slows the turn (uvicorn's send waits for the socket to drain)
  instead of events piling up in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from starlette.types import Receive, Scope, Send

from easel.agent.turn.events import TERMINAL, ErrorEvent, Event, Ping, encode

PING_EVERY_S = 15.0
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
           (b"connection", b"keep-alive"), (b"x-accel-buffering", b"no")]  # no proxy buffering

Runner = Callable[[Callable[[Event], Awaitable[None]]], Coroutine[Any, Any, None]]
log = logging.getLogger("easel.sse")


class EventStream:
    def __init__(self, run: Runner, *, ping_every: float = PING_EVERY_S) -> None:
        self.run = run
        self.ping_every = ping_every
        self.finished = False  # the terminal event (or the end of the body) was sent
        self.client_left = False
        self._send: Send | None = None
        self._last_sent = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._ping: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        self._send = send
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        self._last_sent = loop.time()
        self._timer = loop.call_at(self._last_sent + self.ping_every, self._idle)
        me = asyncio.current_task()
        assert me is not None
        watcher = loop.create_task(self._until_client_leaves(receive, me))
        try:
            await self.run(self.emit)
        except asyncio.CancelledError:
            if not self.client_left:
                raise  # a shutdown past its grace period, or the server cancelling: not ours to swallow
            me.uncancel()  # the client left: the turn is stopped and there is no one to send the end to
            return
        except Exception:  # runners report their own failures as events; this is the last resort
            log.exception("the turn failed outside its runner")
        finally:
            watcher.cancel()
            self._timer.cancel()
        if not self.finished:
            await self._write(encode(ErrorEvent("internal_error", "The turn ended unexpectedly")), last=True)

    async def emit(self, event: Event) -> None:
        await self._write(encode(event), last=isinstance(event, TERMINAL))

    async def _write(self, data: bytes, *, last: bool = False) -> None:
        if self.finished or self._send is None:
            return  # after the end (a tool finishing late), nothing more may be sent
        self.finished = last
        self._last_sent = asyncio.get_running_loop().time()
        await self._send({"type": "http.response.body", "body": data, "more_body": not last})

    async def _until_client_leaves(self, receive: Receive, turn: asyncio.Task[Any]) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if not self.finished:
                    self.client_left = True
                    turn.cancel()
                return

    def _idle(self) -> None:
        """The ping timer: one timer per stream, re-armed for 15 s after whatever was sent last."""
        if self.finished:
            return
        loop = asyncio.get_running_loop()
        due = self._last_sent + self.ping_every
        if loop.time() >= due:
            self._ping = loop.create_task(self._write(encode(Ping())))
            due = loop.time() + self.ping_every
        self._timer = loop.call_at(due, self._idle)


def event_stream(run: Runner, *, ping_every: float = PING_EVERY_S) -> EventStream:
    return EventStream(run, ping_every=ping_every)
