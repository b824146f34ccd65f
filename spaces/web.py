"""HTTP helpers every route shares: reading JSON bodies and query values, absolute URLs, error shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message

from easel.spaces import safejson
from easel.spaces.errors import EaselError

MB = 1024 * 1024

ErrorShape = Callable[[EaselError], dict[str, Any]]


def native_shape(exc: EaselError) -> dict[str, Any]:
    return {"error": exc.message, "code": exc.code}


def openai_shape(exc: EaselError) -> dict[str, Any]:
    kind = "invalid_request_error" if exc.status < 500 else "server_error"
    return {"error": {"message": exc.message, "type": kind, "param": exc.param, "code": exc.code}}


# Each API answers errors in its own shape, chosen by the longest matching path prefix. Adapters of other
# services' APIs register theirs (`register_error_shape`); everything else is ZarkAI's native shape.
_SHAPES: dict[str, ErrorShape] = {"/v1/images/generations": openai_shape, "/v1/images/edits": openai_shape}


def register_error_shape(prefix: str, shape: ErrorShape) -> None:
    _SHAPES[prefix] = shape


def shape_for(path: str) -> ErrorShape:
    matches = [p for p in _SHAPES if path.startswith(p)]
    return _SHAPES[max(matches, key=len)] if matches else native_shape


def capped(request: Request, max_bytes: int, refusal: str) -> Request:
    """The same request, whose body refuses (413, saying `refusal`) to grow past `max_bytes`: a declared
    length over it is refused before a byte is read, a chunked body as soon as it crosses it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise EaselError(413, "payload_too_large", refusal)
    seen = 0

    async def receive() -> Message:
        nonlocal seen
        message = await request.receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise EaselError(413, "payload_too_large", refusal)
        return message

    return Request(request.scope, receive)


def json_limit(request: Request) -> int:
    return int(request.app.state.settings.max_json_mb * MB)


def _size(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n // 1024} KB"


async def json_body(request: Request, *, max_bytes: int | None = None) -> dict[str, Any]:
    """The body as a JSON object. Every JSON route reads through here: the size is capped as the body
    arrives (`EASEL_MAX_JSON_MB`, or `max_bytes` for the routes that carry inline images), and depth,
    number literals and text are bounded by `safejson`."""
    limit = max_bytes or json_limit(request)
    raw = await capped(request, limit, f"The JSON body is over the limit of {_size(limit)}").body()
    if not raw.strip():
        raise EaselError(400, "invalid_json", "The request body is empty; send a JSON object")
    try:
        body = safejson.loads(raw)
    except safejson.UnsafeJson as exc:
        raise EaselError(400, "invalid_json", f"The request body is not acceptable JSON: {exc}") from None
    if not isinstance(body, dict):
        raise EaselError(400, "invalid_json", "The request body must be a JSON object")
    return body


def optional_text(body: dict[str, Any], name: str, *, limit: int = 200) -> str | None:
    """A string field that may be absent; anything else there is the client's mistake, said as such."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise EaselError(400, "invalid_request", f"{name} must be a string of at most {limit} characters",
                         param=name)
    return value


def query_int(request: Request, name: str, *, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EaselError(400, "invalid_request", f"{name} must be an integer", param=name) from None
    if not lo <= value <= hi:
        raise EaselError(400, "invalid_request", f"{name} must be between {lo} and {hi}", param=name)
    return value


def absolute(request: Request, path: str) -> str:
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + path


def error_response(request: Request, exc: EaselError) -> JSONResponse:
    return JSONResponse(shape_for(request.url.path)(exc), status_code=exc.status, headers=exc.headers)
