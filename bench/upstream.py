"""A fast fake OpenAI-compatible chat upstream, in its own process, shared by every benchmark.

    python bench/upstream.py [--port 0] [--chunks 100] [--delay-ms 0]

Prints `PORT <n>` once it listens on 127.0.0.1. It answers `POST /v1/chat/completions` (streamed or not)
and `GET` anything (200, for readiness checks). The reply's shape is chosen per request by the model name,
so one process serves every benchmark and litellm's proxy can point at it too:

    bench-c<chunks>-d<delay ms>[-f<first ms>][-tool][-nousage]   e.g. bench-c100-d0, bench-c100-d5-f20

(-f: the headers and first chunk after that many ms, like a provider's time to first token; then one chunk
per delay.)

(-nousage: a provider that never reports usage in a stream, even when asked.)

A name that does not match gets the command-line defaults. Streams are pre-encoded once per shape (SSE
events already wrapped as HTTP/1.1 chunks), so serving one costs a few `transport.write` calls and, with a
delay, one timer per chunk: the upstream stays far cheaper than anything measured against it. The usage
chunk is sent when the request asks for it (`stream_options.include_usage`), as OpenAI does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import time
from dataclasses import dataclass

SHAPE = re.compile(r"bench-c(\d+)-d(\d+)(?:-f(\d+))?(-tool)?(-nousage)?")
WORDS = ("The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "again")


@dataclass(frozen=True)
class Shape:
    chunks: int
    delay_s: float
    tool: bool
    usage: bool = True
    first_s: float = 0.0


def shape_for(model: str, default: Shape) -> Shape:
    m = SHAPE.search(model)
    if m is None:
        return default
    return Shape(int(m[1]), int(m[2]) / 1000, bool(m[4]), not m[5], int(m[3] or 0) / 1000)


def _event(obj: dict[str, object] | str) -> bytes:
    payload = (obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))).encode()
    data = b"data: " + payload + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)  # one SSE event = one HTTP chunk


def _chunk(model: str, delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def text_of(shape: Shape) -> list[str]:
    return [WORDS[i % len(WORDS)] + " " for i in range(shape.chunks)]


def encode_stream(model: str, shape: Shape, usage: bool) -> tuple[list[bytes], bytes]:
    """The streamed reply as (timed events, tail): the role chunk and each word (and tool-call fragment)
    are sent one per tick; the tail (finish, usage, [DONE], end of body) goes out with the last tick."""
    events = [_event(_chunk(model, {"role": "assistant", "content": ""}))]
    events += [_event(_chunk(model, {"content": word})) for word in text_of(shape)]
    if shape.tool:
        args = json.dumps({"prompt": "a lighthouse at dusk"})
        step = -(-len(args) // 4)
        for i in range(0, len(args), step):
            call: dict[str, object] = {"index": 0, "function": {"arguments": args[i : i + step]}}
            if i == 0:
                call.update(
                    id="call_bench", type="function", function={"name": "image_gen", "arguments": args[:step]}
                )
            events.append(_event(_chunk(model, {"tool_calls": [call]})))
    tail = [_event(_chunk(model, {}, "tool_calls" if shape.tool else "stop"))]
    if usage:
        tail.append(
            _event(
                {
                    "id": "chatcmpl-bench",
                    "object": "chat.completion.chunk",
                    "created": 1700000000,
                    "model": model,
                    "choices": [],
                    "usage": {
                        "prompt_tokens": 50,
                        "completion_tokens": shape.chunks,
                        "total_tokens": 50 + shape.chunks,
                    },
                }
            )
        )
    tail += [_event("[DONE]"), b"0\r\n\r\n"]
    return events, b"".join(tail)


def encode_whole(model: str, shape: Shape) -> bytes:
    body = json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1700000000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "".join(text_of(shape))},
                }
            ],
            "usage": {
                "prompt_tokens": 50,
                "completion_tokens": shape.chunks,
                "total_tokens": 50 + shape.chunks,
            },
        }
    ).encode()
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
    ) + body


STREAM_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"


class Upstream(asyncio.Protocol):
    cache: dict[tuple[str, Shape, bool], tuple[list[bytes], bytes]] = {}
    default = Shape(100, 0.0, False)
    served = 0

    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.transport is not None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            body, self.buf = self.buf[end + 4 : end + 4 + length], self.buf[end + 4 + length :]
            self.respond(head.split(" ", 2)[0], body)

    def respond(self, method: str, body: bytes) -> None:
        assert self.transport is not None
        if method != "POST":
            self.transport.write(OK)
            return
        request = json.loads(body)
        model = str(request.get("model", ""))
        shape = shape_for(model, self.default)
        Upstream.served += 1
        if not request.get("stream"):
            self.transport.write(encode_whole(model, shape))
            return
        usage = shape.usage and bool((request.get("stream_options") or {}).get("include_usage"))
        key = (model, shape, usage)
        encoded = self.cache.get(key)
        if encoded is None:
            encoded = self.cache[key] = encode_stream(model, shape, usage)
        events, tail = encoded
        if shape.first_s:
            self.timer = asyncio.get_running_loop().call_later(shape.first_s, self._start, events, tail, shape)
            return
        self._start(events, tail, shape)

    def _start(self, events: list[bytes], tail: bytes, shape: Shape) -> None:
        self.timer = None
        if self.transport is None:
            return
        if not shape.delay_s:
            self.transport.write(STREAM_HEAD + b"".join(events) + tail)
            return
        self.transport.write(STREAM_HEAD + events[0])
        self._send_later(events, tail, 1, shape.delay_s)

    def _send_later(self, events: list[bytes], tail: bytes, i: int, delay: float) -> None:
        def send() -> None:
            self.timer = None
            if self.transport is None:
                return
            if i < len(events) - 1:
                self.transport.write(events[i])
                self._send_later(events, tail, i + 1, delay)
            else:
                self.transport.write(events[i] + tail)

        self.timer = asyncio.get_running_loop().call_later(delay, send)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, "127.0.0.1", port, backlog=4096, reuse_address=True)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    started = time.monotonic()
    async with server:
        while True:  # ends with the process (the harness stops it); a 1 h cap guards against orphans
            await asyncio.sleep(5)
            if time.monotonic() - started > 3600:
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    Upstream.default = Shape(args.chunks, args.delay_ms / 1000, False)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.run(serve(args.port))
    except ImportError:
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
