"""Fake chat upstreams that speak other providers' own wire formats, served over real HTTP on 127.0.0.1.

Each answers the request litellm sends that provider, in the shape that provider documents, so a test drives
litellm's real client, request transformation and stream parser for it:

- `FakeAnthropic`: `POST /v1/messages` (x-api-key, anthropic-version), server-sent events `message_start`,
  `content_block_start` / `_delta` (`text_delta`, `input_json_delta`: a tool call's input arrives as pieces of
  JSON text) / `_stop`, `message_delta` (stop reason, output tokens), `message_stop`; errors as
  `{"type": "error", "error": {"type", "message"}}` (429 `rate_limit_error` with retry-after, 529 `overloaded_error`).
- `FakeGemini`: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (x-goog-api-key): SSE of
  `GenerateContentResponse` objects, text parts, a `functionCall` part (Gemini sends a call's `args` whole, as
  an object), `usageMetadata`, `finishReason`; errors as `{"error": {"code", "message", "status", "details"}}`
  (429 `RESOURCE_EXHAUSTED` with a `RetryInfo` detail, 503 `UNAVAILABLE`, a bad key is 400 `API_KEY_INVALID`).
- `FakeOllama`: `POST /api/chat`: newline-delimited JSON messages, `tool_calls` with `arguments` as an object,
  a last `done: true` line with `prompt_eval_count` / `eval_count`; errors as `{"error": "..."}`.
- `FakeAzureOpenAI`: `POST /openai/deployments/{deployment}/chat/completions?api-version=...` (api-key header):
  OpenAI's stream plus Azure's own `prompt_filter_results` chunk and `content_filter_results`; a request without
  `api-version` is a 404 and a wrong key a 401, as Azure answers them; errors as `{"error": {"code", "message"}}`.

Replies are the same scripted objects as `tests/fakes/upstream.py` (`TextReply`, `ToolCallReply`, `ErrorReply`).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.upstream import (
    ErrorReply,
    FakeChatUpstream,
    Reply,
    TextReply,
    ToolCallReply,
    _Streamer,
    split_evenly,
)


def _words(value: Any) -> int:
    """Words in every string of a request body's messages: a rough prompt token count for fakes whose replies
    do not script their usage."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_words(v) for k, v in value.items() if k not in ("type", "role", "id", "tool_use_id"))
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    return 0


def _usage(reply: TextReply | ToolCallReply, prompt_words: int) -> tuple[int, int]:
    if reply.usage is not None:
        return reply.usage
    words = len(reply.text.split())
    if isinstance(reply, ToolCallReply):
        words += sum(len(c.arguments.split()) + 1 for c in reply.calls)
    return max(1, prompt_words), max(1, words)


def _sse_event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


async def _paced(reply: Reply) -> None:
    delay = getattr(reply, "chunk_delay_s", 0.0)
    if delay:
        await asyncio.sleep(delay)


# -- Anthropic Messages ------------------------------------------------------------------------------------

_ANTHROPIC_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                          404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                          500: "api_error", 529: "overloaded_error"}


class FakeAnthropic(FakeChatUpstream):
    """Anthropic's Messages API. `base_url` is the api_base litellm takes (it appends `/v1/messages`)."""

    model_name = "claude-haiku-4-5-20251001"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        return [Route("/v1/messages", self._messages, methods=["POST"])]

    def _error(self, reply: ErrorReply) -> Response:
        headers = {"request-id": "req_fake"}
        if reply.retry_after is not None:
            headers["retry-after"] = f"{reply.retry_after:g}"
        kind = reply.type if reply.type != "server_error" else _ANTHROPIC_ERROR_TYPES.get(reply.status, "api_error")
        return JSONResponse({"type": "error", "error": {"type": kind, "message": reply.message}},
                            status_code=reply.status, headers=headers)

    async def _messages(self, request: Request) -> Response:
        body = await request.json()
        self.record(request, body)
        if not request.headers.get("anthropic-version"):
            return self._error(ErrorReply(400, "anthropic-version: header is required"))
        if not request.headers.get("x-api-key"):
            return self._error(ErrorReply(401, "x-api-key header is required"))
        reply = self._next_reply()
        if getattr(reply, "latency_s", 0.0):
            await asyncio.sleep(reply.latency_s)  # type: ignore[union-attr]
        if isinstance(reply, ErrorReply):
            return self._error(reply)
        assert isinstance(reply, TextReply | ToolCallReply), "the Anthropic fake scripts text and tool calls"
        if not body.get("stream"):
            return JSONResponse(self._whole(reply, body))
        return StreamingResponse(self._stream(reply, body), media_type="text/event-stream")

    def _usage_for(self, reply: TextReply | ToolCallReply, body: dict[str, Any]) -> tuple[int, int]:
        return _usage(reply, _words(body.get("messages")) + _words(body.get("system")))

    def _whole(self, reply: TextReply | ToolCallReply, body: dict[str, Any]) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        calls = reply.calls if isinstance(reply, ToolCallReply) else ()
        content += [{"type": "tool_use", "id": c.id or f"toolu_fake{i}", "name": c.name,
                     "input": json.loads(c.arguments)} for i, c in enumerate(calls)]
        prompt, completion = self._usage_for(reply, body)
        return {"id": "msg_fake", "type": "message", "role": "assistant", "model": self.model_name,
                "content": content, "stop_reason": "tool_use" if calls else "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": prompt, "output_tokens": completion}}

    async def _stream(self, reply: TextReply | ToolCallReply, body: dict[str, Any]) -> AsyncIterator[bytes]:
        prompt, completion = self._usage_for(reply, body)
        message = {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
                   "model": self.model_name, "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": prompt, "cache_creation_input_tokens": 0,
                             "cache_read_input_tokens": 0, "output_tokens": 1}}
        yield _sse_event("message_start", {"type": "message_start", "message": message})
        index = 0
        chunks = reply.chunks if isinstance(reply, TextReply) else reply.text_chunks
        if reply.text:
            yield _sse_event("content_block_start", {"type": "content_block_start", "index": index,
                                                     "content_block": {"type": "text", "text": ""}})
            yield _sse_event("ping", {"type": "ping"})
            for piece in split_evenly(reply.text, chunks):
                yield _sse_event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                         "delta": {"type": "text_delta", "text": piece}})
                await _paced(reply)
            yield _sse_event("content_block_stop", {"type": "content_block_stop", "index": index})
            index += 1
        calls = reply.calls if isinstance(reply, ToolCallReply) else ()
        for n, call in enumerate(calls):
            block = {"type": "tool_use", "id": call.id or f"toolu_01Fake{n:04d}", "name": call.name, "input": {}}
            yield _sse_event("content_block_start", {"type": "content_block_start", "index": index,
                                                     "content_block": block})
            # Anthropic opens every tool_use block with an empty input_json_delta, then the JSON in pieces.
            assert isinstance(reply, ToolCallReply)
            for piece in ["", *split_evenly(call.arguments, reply.arg_chunks)]:
                yield _sse_event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                         "delta": {"type": "input_json_delta", "partial_json": piece}})
                await _paced(reply)
            yield _sse_event("content_block_stop", {"type": "content_block_stop", "index": index})
            index += 1
        yield _sse_event("message_delta", {"type": "message_delta",
                                           "delta": {"stop_reason": "tool_use" if calls else "end_turn",
                                                     "stop_sequence": None},
                                           "usage": {"output_tokens": completion}})
        yield _sse_event("message_stop", {"type": "message_stop"})


# -- Gemini generateContent -------------------------------------------------------------------------------

_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                  429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def google_error(status: int, message: str, *, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    """An error in Google APIs' shape (google.rpc.Status inside `error`)."""
    error: dict[str, Any] = {"code": status, "message": message, "status": _GOOGLE_STATUS.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status)


class FakeGemini(FakeChatUpstream):
    """The Gemini API (generativelanguage.googleapis.com). `base_url` ends in `/v1beta`, as litellm's api_base
    for Gemini does (it appends `/models/{model}:streamGenerateContent?alt=sse`).

    An `ErrorReply` of 401 is answered as Gemini answers a wrong API key (400 INVALID_ARGUMENT, reason
    API_KEY_INVALID); a 429's `retry_after` travels as a `RetryInfo` detail, as Gemini sends it."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1beta"

    def routes(self) -> list[Route]:
        return [Route("/v1beta/models/{target:path}", self._generate, methods=["POST"])]

    def _error(self, reply: ErrorReply) -> Response:
        if reply.status == 401:
            return google_error(400, "API key not valid. Please pass a valid API key.", details=[
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}])
        details = None
        if reply.status == 429 and reply.retry_after is not None:
            details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{reply.retry_after:g}s"}]
        return google_error(reply.status, reply.message, details=details)

    async def _generate(self, request: Request) -> Response:
        body = await request.json()
        self.record(request, body)
        model, _, method = request.path_params["target"].partition(":")
        if method not in ("streamGenerateContent", "generateContent"):
            return google_error(404, f"Method {method!r} is not found for models/{model}")
        if not request.headers.get("x-goog-api-key") and not request.query_params.get("key"):
            return google_error(403, "Method doesn't allow unregistered callers (callers without established "
                                     "identity). Please use API Key or other form of API consumer identity.")
        reply = self._next_reply()
        if getattr(reply, "latency_s", 0.0):
            await asyncio.sleep(reply.latency_s)  # type: ignore[union-attr]
        if isinstance(reply, ErrorReply):
            return self._error(reply)
        assert isinstance(reply, TextReply | ToolCallReply), "the Gemini fake scripts text and tool calls"
        responses = self._responses(reply, body, model)
        if method == "generateContent":
            parts = [p for r in responses for p in r["candidates"][0]["content"]["parts"]]
            whole = {**responses[-1], "candidates": [{**responses[-1]["candidates"][0],
                                                      "content": {"role": "model", "parts": parts}}]}
            return JSONResponse(whole)
        if request.query_params.get("alt") != "sse":  # without alt=sse Gemini streams one JSON array
            return JSONResponse(responses)
        return StreamingResponse(self._sse(responses, reply), media_type="text/event-stream")

    @staticmethod
    async def _sse(responses: list[dict[str, Any]], reply: Reply) -> AsyncIterator[bytes]:
        for response in responses:
            yield f"data: {json.dumps(response)}\r\n\r\n".encode()
            await _paced(reply)

    def _responses(self, reply: TextReply | ToolCallReply, body: dict[str, Any], model: str) -> list[dict[str, Any]]:
        prompt, completion = _usage(reply, _words(body.get("contents")) + _words(body.get("system_instruction")))
        response_id = uuid.uuid4().hex[:22]
        parts: list[dict[str, Any]] = [{"text": t} for t in split_evenly(
            reply.text, reply.chunks if isinstance(reply, TextReply) else reply.text_chunks)]
        if isinstance(reply, ToolCallReply):
            # One part per call, its arguments whole (Gemini does not stream a call's args in pieces).
            parts += [{"functionCall": {"name": c.name, "args": json.loads(c.arguments)}} for c in reply.calls]
        parts = parts or [{"text": ""}]
        partial_usage = {"promptTokenCount": prompt, "totalTokenCount": prompt,
                         "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]}
        out = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}, "index": 0}
            usage = partial_usage
            if last:
                candidate["finishReason"] = "STOP"
                usage = {**partial_usage, "candidatesTokenCount": completion,
                         "totalTokenCount": prompt + completion}
            out.append({"candidates": [candidate], "usageMetadata": usage, "modelVersion": model,
                        "responseId": response_id})
        return out


# -- Ollama /api/chat -------------------------------------------------------------------------------------

class FakeOllama(FakeChatUpstream):
    """Ollama's native chat API. `base_url` is the server root, as litellm's api_base for `ollama_chat/`."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        return [Route("/api/chat", self._chat, methods=["POST"])]

    def _error(self, reply: ErrorReply) -> Response:
        headers = {} if reply.retry_after is None else {"retry-after": f"{reply.retry_after:g}"}
        return JSONResponse({"error": reply.message}, status_code=reply.status, headers=headers)

    async def _chat(self, request: Request) -> Response:
        body = json.loads(await request.body())  # litellm sends it as application/octet-stream
        self.record(request, body)
        reply = self._next_reply()
        if getattr(reply, "latency_s", 0.0):
            await asyncio.sleep(reply.latency_s)  # type: ignore[union-attr]
        if isinstance(reply, ErrorReply):
            return self._error(reply)
        assert isinstance(reply, TextReply | ToolCallReply), "the Ollama fake scripts text and tool calls"
        lines = self._lines(reply, body)
        if body.get("stream") is False:
            message = {"role": "assistant", "content": "".join(line["message"]["content"] for line in lines)}
            calls = [c for line in lines for c in line["message"].get("tool_calls", [])]
            if calls:
                message["tool_calls"] = calls
            return JSONResponse({**lines[-1], "message": message})
        return StreamingResponse(self._ndjson(lines, reply), media_type="application/x-ndjson")

    @staticmethod
    async def _ndjson(lines: list[dict[str, Any]], reply: Reply) -> AsyncIterator[bytes]:
        for line in lines:
            yield (json.dumps(line) + "\n").encode()
            await _paced(reply)

    @staticmethod
    def _lines(reply: TextReply | ToolCallReply, body: dict[str, Any]) -> list[dict[str, Any]]:
        model = str(body.get("model", ""))

        def line(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
            return {"model": model, "created_at": now, "message": {"role": "assistant", **message}, **extra}

        pieces = split_evenly(reply.text, reply.chunks if isinstance(reply, TextReply) else reply.text_chunks)
        out = [line({"content": p}, done=False) for p in pieces]
        if isinstance(reply, ToolCallReply):
            calls = [{"id": c.id or f"call_{uuid.uuid4().hex[:8]}",
                      "function": {"index": i, "name": c.name, "arguments": json.loads(c.arguments)}}
                     for i, c in enumerate(reply.calls)]
            out.append(line({"content": "", "tool_calls": calls}, done=False))
        prompt, completion = _usage(reply, _words(body.get("messages")))
        out.append(line({"content": ""}, done=True, done_reason="stop", total_duration=912_000_000,
                        load_duration=21_000_000, prompt_eval_count=prompt, prompt_eval_duration=80_000_000,
                        eval_count=completion, eval_duration=790_000_000))
        return out


# -- Azure OpenAI -----------------------------------------------------------------------------------------

_SAFE = {"filtered": False, "severity": "safe"}
_FILTERS = {"hate": _SAFE, "self_harm": _SAFE, "sexual": _SAFE, "violence": _SAFE}


class _AzureStreamer(_Streamer):
    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out = super().chunk(delta, finish)
        out["system_fingerprint"] = "fp_azure_fake"
        out["choices"][0]["content_filter_results"] = {} if finish else _FILTERS
        return out


class FakeAzureOpenAI(FakeChatUpstream):
    """An Azure OpenAI resource: deployments under `/openai/deployments/{name}/`, `api-version` required, the
    key in an `api-key` header (`key`, when set, is the only one accepted). `base_url` is the resource's
    endpoint, as litellm's api_base for `azure/`. `deployments` records each request's deployment and
    api-version."""

    def __init__(self, default: Reply | None = None, *, key: str | None = None,
                 model_version: str = "gpt-4o-mini-2024-07-18") -> None:
        super().__init__(default)
        self.key = key
        self.model_version = model_version

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        return [Route("/openai/deployments/{deployment}/chat/completions", self._deployment, methods=["POST"])]

    def streamer(self, model: str) -> _Streamer:
        return _AzureStreamer(self.model_version, id=f"chatcmpl-{uuid.uuid4().hex[:24]}")

    def _error(self, reply: ErrorReply) -> Response:
        headers = {"apim-request-id": str(uuid.uuid4())}
        if reply.retry_after is not None:
            headers["retry-after"] = f"{reply.retry_after:g}"
            headers["x-ratelimit-remaining-requests"] = "0"
        if reply.status == 400:  # the service's own validation answers in OpenAI's shape
            error = {"message": reply.message, "type": "invalid_request_error", "param": None,
                     "code": reply.code}
        else:  # the gateway in front of it (keys, quotas, availability) in its own
            error = {"code": str(reply.status), "message": reply.message}
        return JSONResponse({"error": error}, status_code=reply.status, headers=headers)

    async def _deployment(self, request: Request) -> Response:
        if not request.query_params.get("api-version"):
            return JSONResponse({"error": {"code": "404", "message": "Resource not found"}}, status_code=404)
        if self.key is not None and request.headers.get("api-key") != self.key:
            body = await request.json()
            self.record(request, body)
            return self._error(ErrorReply(401, "Access denied due to invalid subscription key or wrong API "
                                               "endpoint. Make sure to provide a valid key for an active "
                                               "subscription and use a correct regional API endpoint for your "
                                               "resource."))
        return await self._completions(request)

    async def _events(self, reply: Reply, s: _Streamer, body: dict[str, Any],
                      include_usage: bool) -> AsyncIterator[bytes]:
        # Azure's first chunk carries only the prompt's content-filter verdicts, with no choices and no model.
        first = {"choices": [], "created": 0, "id": "", "model": "", "object": "",
                 "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": _FILTERS}]}
        yield f"data: {json.dumps(first)}\n\n".encode()
        async for event in super()._events(reply, s, body, include_usage):
            yield event

    @property
    def deployments(self) -> list[tuple[str, str]]:
        """(deployment, api-version) of each request, in order."""
        out = []
        for url in self.urls:
            path, _, query = url.partition("?")
            version = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("api-version", "")
            out.append((path.split("/")[3], version))
        return out
