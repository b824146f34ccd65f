"""Pure ASGI middleware: per-key rate limits, applied before any handler runs and held until the whole
response (a stream included) has been sent."""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from easel.spaces.auth import key_from
from easel.spaces.errors import EaselError
from easel.spaces.limits import Limiter, headers
from easel.spaces.web import error_response

EXEMPT = ("/healthz", "/readyz")


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        key = key_from(Headers(scope=scope))
        if key is None:  # no key: a signed link, or a 401 to come; neither is counted
            await self.app(scope, receive, send)
            return
        bucket = hashlib.sha256(key.encode()).hexdigest()[:32]
        verdict = await self.limiter.acquire(bucket)
        extra = [(k.encode(), v.encode()) for k, v in headers(verdict).items()]
        if not verdict.allowed:
            response = error_response(Request(scope), EaselError(429, "rate_limited", verdict.reason,
                                                                 headers=headers(verdict)))
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            await self.limiter.release(bucket)
