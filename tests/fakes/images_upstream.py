"""A fake OpenAI-compatible images upstream, served over real HTTP on 127.0.0.1.

Tests point an engine at `up.base_url` and then assert on `up.requests`: what actually reached the
wire after litellm's parameter mapping, not what the engine meant to send. Behaviour follows OpenAI's
documented shape where it matters to a client:

- `gpt-image-*` models always answer with `b64_json`, honour `output_format`, and report `usage`;
- other models answer with `url` unless `response_format: b64_json` is asked for (OpenAI's dall-e
  default), and `dall-e-3` returns a `revised_prompt`;
- `dall-e-3` rejects `n > 1` with a 400, as the real API does.

Failures are scripted: `fail_next(429, retry_after=1)` queues one-off errors served before any
success; `fail_always(500)` makes every request fail until `clear_failures()`; `delay_next(s)` holds
an answer back. `FakeImagesUpstream(response_format="url")` forces one answer shape for every model and
`ignore_n=True` paints one image per request, like some OpenAI-compatible servers.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key"})
_FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}
# Rendering a real 1536x1024 picture per request would only slow tests down; cap the side length.
_MAX_SIDE = 256


@dataclass(frozen=True)
class RecordedFile:
    field: str
    filename: str
    content_type: str
    size: int
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names; authorization and api-key headers removed
    authorized: bool  # whether some credential header was present
    json: dict[str, Any] | None = None
    form: dict[str, list[str]] = field(default_factory=dict)  # multipart text fields, repeated ones kept
    files: tuple[RecordedFile, ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """The request's parameters whatever the encoding: the JSON body, or single-valued form fields."""
        if self.json is not None:
            return self.json
        return {k: v[0] if len(v) == 1 else v for k, v in self.form.items()}

    def files_named(self, name: str) -> list[RecordedFile]:
        return [f for f in self.files if f.field == name]


@dataclass(frozen=True)
class _Failure:
    status: int
    message: str
    code: str | None
    retry_after: float | None


class FakeImagesUpstream:
    """`with FakeImagesUpstream() as up:` starts the server; `up.base_url` ends in `/v1`."""

    def __init__(self, *, response_format: str | None = None, ignore_n: bool = False) -> None:
        # None: behave like OpenAI (see module doc). "url" / "b64_json": force that shape for every model,
        # like an OpenAI-compatible server that ignores the request's response_format.
        self.forced_response_format = response_format
        # Like servers that paint one image per request whatever `n` says.
        self.ignore_n = ignore_n
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._queued: deque[_Failure] = deque()
        self._persistent: _Failure | None = None
        self._delays: deque[float] = deque()
        self._holds: deque[tuple[threading.Event, threading.Event]] = deque()
        self._files: dict[str, tuple[bytes, str]] = {}
        self._counter = itertools.count()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---- scripting -------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        failure = _Failure(status, message or f"Scripted failure {status}", code, retry_after)
        with self._lock:
            self._queued.extend([failure] * times)

    def fail_always(self, status: int, *, message: str | None = None, code: str | None = None) -> None:
        with self._lock:
            self._persistent = _Failure(status, message or f"Scripted failure {status}", code, None)

    def delay_next(self, seconds: float) -> None:
        """Hold the next images request this long before answering (to make a client time out)."""
        with self._lock:
            self._delays.append(seconds)

    def hold_next(self) -> tuple[threading.Event, threading.Event]:
        """The next images request, once it has arrived (the first event is set), waits until the test sets the
        second: a request kept in flight for exactly as long as the test needs (at most 120 s)."""
        hold = (threading.Event(), threading.Event())
        with self._lock:
            self._holds.append(hold)
        return hold

    def clear_failures(self) -> None:
        with self._lock:
            self._queued.clear()
            self._persistent = None

    @property
    def image_requests(self) -> list[RecordedRequest]:
        """Requests to the images API, without the `/files/...` downloads."""
        return [r for r in self.requests if r.path.startswith("/v1/images/")]

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeImagesUpstream:
        app = Starlette(
            routes=[
                Route("/v1/images/generations", self._generations, methods=["POST"]),
                Route("/v1/images/edits", self._edits, methods=["POST"]),
                Route("/files/{name}", self._file, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", loop="asyncio"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-images-upstream", daemon=True)
        self._thread.start()
        for _ in range(500):
            if self._server.started:
                break
            time.sleep(0.01)
        else:
            raise RuntimeError("fake images upstream did not start")
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- handlers --------------------------------------------------------------------------------

    async def _generations(self, request: Request) -> Response:
        body = await request.json()
        self._record(request, json=body)
        await self._maybe_delay()
        return self._answer(request, body)

    async def _edits(self, request: Request) -> Response:
        form: dict[str, list[str]] = {}
        files: list[RecordedFile] = []
        async with request.form(max_files=64, max_fields=256) as parsed:
            for name, value in parsed.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    content_type = value.content_type or ""
                    files.append(RecordedFile(name, value.filename or "", content_type, len(data), data))
                else:
                    form.setdefault(name, []).append(value)
        self._record(request, form=form, files=tuple(files))
        await self._maybe_delay()
        params = {k: v[0] for k, v in form.items()}
        if not files:
            return _error(400, "An image is required for edits.", "invalid_request_error", None)
        return self._answer(request, params)

    async def _file(self, request: Request) -> Response:
        self._record(request)
        entry = self._files.get(request.path_params["name"])
        if entry is None:
            return Response(status_code=404)
        return Response(entry[0], media_type=entry[1])

    def _record(self, request: Request, **parts: Any) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            headers={k: v for k, v in headers.items() if k not in _SECRET_HEADERS},
            authorized=any(k in headers for k in _SECRET_HEADERS),
            **parts,
        )
        with self._lock:
            self.requests.append(recorded)

    async def _maybe_delay(self) -> None:
        with self._lock:
            delay = self._delays.popleft() if self._delays else 0.0
            hold = self._holds.popleft() if self._holds else None
        if hold is not None:
            hold[0].set()
            await asyncio.to_thread(hold[1].wait, 120)
        if delay:
            await asyncio.sleep(delay)

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
            return self._persistent

    def _answer(self, request: Request, params: dict[str, Any]) -> Response:
        failure = self._take_failure()
        if failure is not None:
            headers = {} if failure.retry_after is None else {"Retry-After": f"{failure.retry_after:g}"}
            return _error(failure.status, failure.message, _error_type(failure.status), failure.code, headers)
        model = str(params.get("model") or "dall-e-2")
        n = 1 if self.ignore_n else int(params.get("n") or 1)
        if model.startswith("dall-e-3") and n != 1:
            return _error(400, "You must provide n=1 for this model.", "invalid_request_error", None)
        return JSONResponse(self._payload(request, model, n, params))

    def _payload(self, request: Request, model: str, n: int, params: dict[str, Any]) -> dict[str, Any]:
        gpt_image = model.startswith("gpt-image")
        shape = self.forced_response_format or (
            "b64_json" if gpt_image else str(params.get("response_format") or "url")
        )
        fmt = str(params.get("output_format") or "png") if gpt_image else "png"
        fmt = fmt if fmt in _FORMATS else "png"
        width, height = _parse_size(str(params.get("size") or "1024x1024"))
        data: list[dict[str, Any]] = []
        for index in range(n):
            serial = next(self._counter)
            encoded = _render(width, height, serial, fmt)
            item: dict[str, Any] = {}
            if shape == "url":
                name = f"img-{serial}.{fmt}"
                self._files[name] = (encoded, _FORMATS[fmt][1])
                item["url"] = f"{request.base_url}files/{name}"
            else:
                item["b64_json"] = base64.b64encode(encoded).decode()
            if model.startswith("dall-e-3"):
                item["revised_prompt"] = f"A detailed rendition of: {params.get('prompt', '')} (#{index})"
            data.append(item)
        payload: dict[str, Any] = {"created": 1_700_000_000, "data": data}
        if gpt_image:
            payload["usage"] = {
                "input_tokens": 50,
                "output_tokens": 272 * n,
                "total_tokens": 50 + 272 * n,
                "input_tokens_details": {"text_tokens": 50, "image_tokens": 0},
            }
        return payload


def _parse_size(size: str) -> tuple[int, int]:
    """Scale the requested size down to at most _MAX_SIDE while keeping its aspect ratio."""
    try:
        w, h = (int(p) for p in size.lower().split("x", 1))
    except ValueError:
        w, h = 1024, 1024
    scale = min(1.0, _MAX_SIDE / max(w, h, 1))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _render(width: int, height: int, serial: int, fmt: str) -> bytes:
    """A small picture whose colours depend on `serial`, so every returned image is distinct."""
    digest = hashlib.sha256(str(serial).encode()).digest()
    image = Image.new("RGB", (width, height), tuple(digest[0:3]))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=tuple(digest[3:6]))
    draw.text((2, 2), str(serial), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format=_FORMATS[fmt][0])
    return buffer.getvalue()


def _error_type(status: int) -> str:
    if status == 429:
        return "rate_limit_exceeded"
    return "server_error" if status >= 500 else "invalid_request_error"


def _error(
    status: int, message: str, kind: str, code: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)
