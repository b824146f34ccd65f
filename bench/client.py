"""The load generator's HTTP/1.1 client: one asyncio protocol per connection, no HTTP library.

On two cores the client shares the CPU with the server it measures, so it must cost next to nothing:
responses are framed (chunked or content-length) by a small state machine over one buffer, SSE events are
split on the blank line and handed over as raw bytes with the arrival time of the read that completed
them, and only a few byte searches decide what an event is. No JSON is parsed per event.
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EventHook = Callable[[bytes, float], None]


@dataclass
class Response:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    size: int = 0
    t_end: float = 0.0


class Conn(asyncio.Protocol):
    """One keep-alive connection, one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.state = "idle"
        self.remaining = 0
        self.response = Response()
        self.done: asyncio.Future[Response] | None = None
        self.on_event: EventHook | None = None
        self.keep_body = True
        self.sse = bytearray()
        self.closed = False

    @classmethod
    async def open(cls, host: str, port: int) -> Conn:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(lambda: cls(host, port), host, port)
        return conn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.state == "eof":
            self._finish(time.perf_counter())
        elif self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError(f"connection closed in state {self.state}: {exc}"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        on_event: EventHook | None = None,
        keep_body: bool = True,
    ) -> Response:
        assert self.transport is not None and not self.closed, "connection is closed"
        lines = [
            f"{method} {path} HTTP/1.1",
            f"host: {self.host}:{self.port}",
            f"content-length: {len(body)}",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.response, self.on_event, self.keep_body = Response(), on_event, keep_body
        self.state, self.sse = "head", bytearray()
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return await self.done

    # -- parsing --------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.buf and self.state == "length" and self.on_event is None and not self.keep_body:
            take = min(len(data), self.remaining)  # a download being counted: no copy of the bytes
            self.response.size += take
            self.remaining -= take
            if self.remaining == 0:
                self._finish(now)
            if take == len(data):
                return
            data = data[take:]
        self.buf += data
        while self.buf and self._step(now):
            pass

    def _step(self, now: float) -> bool:
        """Advance the state machine once; False when more bytes are needed."""
        buf = self.buf
        if self.state == "head":
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return False
            self._head(bytes(buf[:end]))
            del buf[: end + 4]
            return True
        if self.state == "size":
            end = buf.find(b"\r\n")
            if end < 0:
                return False
            size = int(bytes(buf[:end]).split(b";")[0], 16)
            del buf[: end + 2]
            self.state, self.remaining = ("trailer", 0) if size == 0 else ("data", size)
            return True
        if self.state in ("data", "length", "eof"):
            take = len(buf) if self.state == "eof" else min(len(buf), self.remaining)
            self._body(bytes(buf[:take]), now)
            del buf[:take]
            self.remaining -= take
            if self.state != "eof" and self.remaining == 0:
                if self.state == "data":
                    self.state = "crlf"
                else:
                    self._finish(now)
            return True
        if self.state in ("crlf", "trailer"):
            if len(buf) < 2:
                return False
            del buf[:2]
            if self.state == "trailer":
                self._finish(now)
            else:
                self.state = "size"
            return True
        return False  # idle: bytes with no request (never expected)

    def _head(self, raw: bytes) -> None:
        lines = raw.decode("latin-1").split("\r\n")
        self.response.status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.response.headers = headers
        if headers.get("transfer-encoding", "").lower() == "chunked":
            self.state = "size"
        elif "content-length" in headers:
            self.remaining = int(headers["content-length"])
            self.state = "length"
            if self.remaining == 0:
                self._finish(time.perf_counter())
        else:
            self.state = "eof"
        if self.response.status == 304:
            self._finish(time.perf_counter())

    def _body(self, data: bytes, now: float) -> None:
        self.response.size += len(data)
        if self.on_event is None:
            if self.keep_body:
                self.response.body += data
            return
        self.sse += data
        while (end := self.sse.find(b"\n\n")) >= 0:
            event = bytes(self.sse[:end])
            del self.sse[: end + 2]
            self.on_event(event, now)

    def _finish(self, now: float) -> None:
        self.state = "idle"
        self.response.t_end = now
        if self.done is not None and not self.done.done():
            self.done.set_result(self.response)


# -- what an event is, by byte search ---------------------------------------------------------------------


def openai_text(event: bytes) -> bool:
    """An OpenAI chunk that carries text (the first chunk's `"content":""` does not)."""
    i = event.find(b'"content":"')
    return i >= 0 and event[i + 11 : i + 12] != b'"'


def easel_text(event: bytes) -> bool:
    return b'"type":"ai_chunk"' in event


@dataclass
class StreamTimes:
    """What one streamed reply looked like to the client, in perf_counter seconds."""

    is_text: Callable[[bytes], bool]
    error_marker: bytes
    t_start: float = 0.0
    t_first_text: float = 0.0
    t_end: float = 0.0
    events: int = 0
    errors: int = 0
    stamps: array | None = None  # every event's arrival time, when gaps are wanted
    error: str = ""  # the first error seen, for the report

    def hook(self, event: bytes, now: float) -> None:
        self.events += 1
        if self.stamps is not None:
            self.stamps.append(now)
        if not self.t_first_text and self.is_text(event):
            self.t_first_text = now
        elif self.error_marker and self.error_marker in event:
            self.errors += 1
            self.error = self.error or event[:300].decode("utf-8", "replace")

    @property
    def ttft_ms(self) -> float:
        return (self.t_first_text - self.t_start) * 1000 if self.t_first_text else float("nan")

    @property
    def total_ms(self) -> float:
        return (self.t_end - self.t_start) * 1000


async def stream(
    conn: Conn, path: str, body: bytes, headers: dict[str, str], times: StreamTimes
) -> StreamTimes:
    """POST `body` and follow the SSE reply to its end; any failure counts as an error, never raises."""
    times.t_start = time.perf_counter()
    try:
        response = await conn.request("POST", path, body=body, headers=headers, on_event=times.hook)
        times.t_end = response.t_end
        if response.status != 200:
            times.errors += 1
            times.error = times.error or f"HTTP {response.status}"
    except (ConnectionError, OSError) as exc:
        times.t_end = time.perf_counter()
        times.errors += 1
        times.error = times.error or f"{type(exc).__name__}: {exc}"
    if not times.t_first_text and not times.errors:
        times.errors = 1  # a reply without text is a failed turn too
        times.error = "no text"
    return times


async def get_json(port: int, path: str, headers: dict[str, str]) -> Any:
    conn = await Conn.open("127.0.0.1", port)
    try:
        response = await conn.request("GET", path, headers=headers)
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status} {response.body[:200]!r}")
    return json.loads(response.body)


async def workspace_of(server: Any) -> str:
    """The default workspace of the bench key (the first one listed)."""
    found = await get_json(server.port, "/v1/workspaces", server.headers)
    return str(found["workspaces"][0]["id"])
