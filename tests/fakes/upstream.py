"""A fake OpenAI-compatible chat upstream, served over real HTTP on 127.0.0.1 for tests and benchmarks.

The point is to exercise the whole provider path (litellm's OpenAI client, SSE parsing, retries) without
the internet. Replies are scripted: queue them in order with `up.queue(...)`; when the queue is empty the
`default` reply is served (a short text), so a benchmark can hammer it without scripting every call.

    with FakeChatUpstream() as up:
        up.queue(ErrorReply(429, retry_after=0), TextReply("Hello there", chunks=3))
        ...  # call litellm with api_base=up.base_url
        assert len(up.requests) == 2
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass(frozen=True)
class FakeToolCall:
    name: str
    arguments: str  # raw JSON text; streamed split into `arg_chunks` fragments
    id: str = ""  # "" → "call_<n>"


@dataclass(frozen=True)
class TextReply:
    """Plain text, streamed in `chunks` roughly equal fragments."""

    text: str = "Hello from the fake upstream."
    chunks: int = 3
    chunk_delay_s: float = 0.0
    latency_s: float = 0.0  # wait before answering at all (time to first byte)
    usage: tuple[int, int] | None = None  # (prompt, completion); None → counted from words


@dataclass(frozen=True)
class ToolCallReply:
    """Optional text, then tool calls whose arguments arrive split over `arg_chunks` fragments each.
    Several calls carry indexes 0, 1, …; `interleave` mixes their fragments like some providers do."""

    calls: tuple[FakeToolCall, ...]
    text: str = ""
    text_chunks: int = 2
    arg_chunks: int = 3
    interleave: bool = False
    chunk_delay_s: float = 0.0
    latency_s: float = 0.0
    usage: tuple[int, int] | None = None


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error with an OpenAI-shaped body and optionally a Retry-After header."""

    status: int = 500
    message: str = "The fake upstream failed on purpose."
    retry_after: float | None = None
    type: str = "server_error"
    code: str | None = None


@dataclass(frozen=True)
class BrokenStream:
    """Starts a 200 stream, sends `text` in `chunks_before` fragments, then breaks: "abort" drops the
    connection mid-body; "garbage" sends a line that is not JSON and ends."""

    text: str = "This answer will never"
    chunks_before: int = 2
    mode: str = "abort"


@dataclass(frozen=True)
class HangingStream:
    """Starts a 200 stream, sends `text` in `chunks_before` fragments, then sends nothing more for `hang_s`
    (the connection stays open): a provider that stalls mid-answer."""

    text: str = "This answer stalls"
    chunks_before: int = 2
    hang_s: float = 30.0


Reply = TextReply | ToolCallReply | ErrorReply | BrokenStream | HangingStream


class _Abort(Exception):
    """Raised inside the streaming body so uvicorn drops the connection without finishing it."""


def split_evenly(text: str, parts: int) -> list[str]:
    """`text` cut into `parts` contiguous fragments (fewer if the text is shorter); never empty pieces."""
    parts = max(1, min(parts, len(text) or 1))
    size = -(-len(text) // parts) if text else 0
    return [text[i : i + size] for i in range(0, len(text), size)] if size else []


def _sse(obj: dict[str, Any] | str) -> bytes:
    payload = obj if isinstance(obj, str) else json.dumps(obj)
    return f"data: {payload}\n\n".encode()


@dataclass
class _Streamer:
    """Builds the chunk dicts of one streamed completion."""

    model: str
    created: int = field(default_factory=lambda: int(time.time()))
    id: str = "chatcmpl-fake"

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def usage_chunk(self, prompt: int, completion: int) -> dict[str, Any]:
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [],
            "usage": usage,
        }


def _tool_call_deltas(reply: ToolCallReply) -> list[dict[str, Any]]:
    """One delta per fragment: the first fragment of each call carries id, type and name."""
    per_call: list[list[dict[str, Any]]] = []
    for index, call in enumerate(reply.calls):
        call_id = call.id or f"call_{index}"
        fragments = split_evenly(call.arguments, reply.arg_chunks) or [""]
        deltas = [{"index": index, "function": {"arguments": frag}} for frag in fragments]
        deltas[0] = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": fragments[0]},
        }
        per_call.append(deltas)
    if not reply.interleave:
        return [d for deltas in per_call for d in deltas]
    mixed: list[dict[str, Any]] = []
    for step in range(max(len(d) for d in per_call)):
        mixed.extend(deltas[step] for deltas in per_call if step < len(deltas))
    return mixed


def _count_prompt_tokens(body: dict[str, Any]) -> int:
    words = 0
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            words += len(content.split())
        elif isinstance(content, list):
            words += sum(len(str(part.get("text", "")).split()) for part in content if isinstance(part, dict))
    return max(1, words)


class FakeChatUpstream:
    """Serves `POST /v1/chat/completions` from a uvicorn thread on 127.0.0.1:<free port>."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default: Reply = default or TextReply()
        self.requests: list[dict[str, Any]] = []  # every request body, in arrival order
        self.headers: list[dict[str, str]] = []  # the matching request headers
        self.urls: list[str] = []  # the matching request paths, with their query strings
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- scripting ---------------------------------------------------------------------------------------
    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self.requests.clear()
            self.headers.clear()
            self.urls.clear()

    @property
    def pending(self) -> int:
        return len(self._replies)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FakeChatUpstream:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=self.routes())
        # Quiet logs: aborted streams are deliberate and would otherwise print tracebacks.
        config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake upstream did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeChatUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -----------------------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        """What the server answers; fakes of other providers' wire formats serve their own paths."""
        return [Route("/v1/chat/completions", self._completions, methods=["POST"])]

    def record(self, request: Request, body: dict[str, Any]) -> None:
        """Keep a request's body, headers and path (with its query) for the test to assert on."""
        url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(request.headers))
            self.urls.append(url)

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else self.default

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        self.record(request, body)
        reply = self._next_reply()
        latency = getattr(reply, "latency_s", 0.0)
        if latency:
            await asyncio.sleep(latency)
        if isinstance(reply, ErrorReply):
            return self._error(reply)
        model = str(body.get("model", "fake-model"))
        if not body.get("stream"):
            return JSONResponse(self._whole(reply, model, body))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = self._events(reply, self.streamer(model), body, include_usage)
        return StreamingResponse(events, media_type="text/event-stream")

    def streamer(self, model: str) -> _Streamer:
        return _Streamer(model)

    def _error(self, reply: ErrorReply) -> Response:
        headers = {} if reply.retry_after is None else {"retry-after": f"{reply.retry_after:g}"}
        error = {"message": reply.message, "type": reply.type, "param": None, "code": reply.code}
        return JSONResponse({"error": error}, status_code=reply.status, headers=headers)

    async def _events(
        self, reply: Reply, s: _Streamer, body: dict[str, Any], include_usage: bool
    ) -> AsyncIterator[bytes]:
        yield _sse(s.chunk({"role": "assistant", "content": ""}))
        if isinstance(reply, HangingStream):
            for piece in split_evenly(reply.text, reply.chunks_before) if reply.chunks_before else ():
                yield _sse(s.chunk({"content": piece}))
            await asyncio.sleep(reply.hang_s)
            return
        if isinstance(reply, BrokenStream):
            for piece in split_evenly(reply.text, reply.chunks_before) if reply.chunks_before else ():
                yield _sse(s.chunk({"content": piece}))
            if reply.mode == "garbage":
                yield b"data: {this is not json\n\n"
                return
            raise _Abort("fake upstream drops the connection on purpose")
        assert isinstance(reply, TextReply | ToolCallReply)
        text_pieces = split_evenly(
            reply.text, reply.chunks if isinstance(reply, TextReply) else reply.text_chunks
        )
        for piece in text_pieces:
            yield _sse(s.chunk({"content": piece}))
            if reply.chunk_delay_s:
                await asyncio.sleep(reply.chunk_delay_s)
        finish = "stop"
        if isinstance(reply, ToolCallReply):
            finish = "tool_calls"
            for delta in _tool_call_deltas(reply):
                yield _sse(s.chunk({"tool_calls": [delta]}))
                if reply.chunk_delay_s:
                    await asyncio.sleep(reply.chunk_delay_s)
        yield _sse(s.chunk({}, finish))
        if include_usage:
            yield _sse(s.usage_chunk(*self._usage(reply, body)))
        yield _sse("[DONE]")

    @staticmethod
    def _usage(
        reply: TextReply | ToolCallReply | BrokenStream | HangingStream, body: dict[str, Any]
    ) -> tuple[int, int]:
        explicit = getattr(reply, "usage", None)
        if explicit is not None:
            return explicit
        words = len(reply.text.split())
        if isinstance(reply, ToolCallReply):
            words += sum(len(c.arguments.split()) + 1 for c in reply.calls)
        return _count_prompt_tokens(body), max(1, words)

    def _whole(self, reply: Reply, model: str, body: dict[str, Any]) -> dict[str, Any]:
        """The non-streamed chat.completion for `reply` (a broken stream answers with its partial text)."""
        assert not isinstance(reply, ErrorReply)
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        finish = "stop"
        if isinstance(reply, ToolCallReply):
            finish = "tool_calls"
            message["tool_calls"] = [
                {
                    "id": c.id or f"call_{i}",
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for i, c in enumerate(reply.calls)
            ]
        prompt, completion = self._usage(reply, body)
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
