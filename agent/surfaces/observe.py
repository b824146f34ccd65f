"""Pure ASGI middleware, outermost: a request id on every request and response, one access log line per
request, and the request metrics (counts, latency, time to first event, open streams).

The request id is the client's `X-Request-Id` when it is a plain token of at most 128 characters, else a
new one; it is echoed in the response's `X-Request-Id` (a 500 answered outside this middleware adds it in
the app's error handler, from the request's state). The log line names the route template, the status, the
duration, and the account and workspace the request turned out to be for; never a key. Prompts appear only
when `EASEL_LOG_PROMPTS=1`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from easel.spaces import metrics, request_context

log = logging.getLogger("easel.access")
HEADER = b"x-request-id"
_GOOD_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
MAX_LOGGED_PROMPT = 2000


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            given = value.decode("latin-1").strip()
            if _GOOD_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The route's template (`/v1/storage/files/{file_id}`), never the path itself: a label per file id
    would grow without bound. A request refused before routing (a rate limit) is matched here; one that no
    route takes is `unmatched`."""
    route = scope.get("route")
    if route is None:
        for candidate in getattr(scope.get("app"), "routes", ()):
            match, _ = candidate.matches(scope)
            if match != Match.NONE:
                route = candidate
                break
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, log_prompts: bool = False) -> None:
        self.app = app
        self.log_prompts = log_prompts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        info = request_context.begin(rid)
        scope.setdefault("state", {})["request_id"] = rid
        state: dict[str, Any] = {"status": None, "stream": False, "first_event": False}

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == HEADER for k, _ in headers):
                    headers.append((HEADER, rid.encode()))
                message = {**message, "headers": headers}
                state["stream"] = any(k.lower() == b"content-type" and v.startswith(b"text/event-stream")
                                      for k, v in headers)
                if state["stream"]:
                    metrics.OPEN_STREAMS.labels(route_of(scope)).inc()
            elif (message["type"] == "http.response.body" and state["stream"] and not state["first_event"]
                  and message.get("body")):
                state["first_event"] = True
                metrics.FIRST_EVENT.labels(route_of(scope)).observe(time.perf_counter() - started)
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, observed_send)
        except BaseException:
            failed = True
            raise
        finally:
            if state["stream"]:
                metrics.OPEN_STREAMS.labels(route_of(scope)).dec()
            status = state["status"] or (500 if failed else 0)
            self._record(scope, info, status, time.perf_counter() - started)

    def _record(self, scope: Scope, info: request_context.RequestInfo, status: int, seconds: float) -> None:
        route, method = route_of(scope), scope["method"]
        metrics.REQUESTS.labels(route, method, str(status)).inc()
        metrics.LATENCY.labels(route, method).observe(seconds)
        fields: dict[str, Any] = {
            "request_id": info.request_id, "method": method, "route": route, "path": scope["path"],
            "status": status, "duration_ms": round(seconds * 1000, 2),
            "account_id": info.account_id, "workspace_id": info.workspace_id,
        }
        if self.log_prompts and info.prompt is not None:
            fields["prompt"] = info.prompt[:MAX_LOGGED_PROMPT]
        log.info("%s %s %s %.1f ms", method, scope["path"], status, seconds * 1000, extra=fields)
