"""HTTP helpers every route shares: reading JSON bodies and query values, absolute URLs, error shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from easel.spaces.errors import EaselError

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


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise EaselError(400, "invalid_json", "The request body is empty; send a JSON object")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EaselError(400, "invalid_json", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise EaselError(400, "invalid_json", "The request body must be a JSON object")
    return body


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
