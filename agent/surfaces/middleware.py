"""Pure ASGI middleware: per-key rate limits, applied before any handler runs and held until the whole
response (a stream included) has been sent.

Only keys that authenticate are counted: the key is checked here (the handler then reuses the result, so a
request still costs one lookup), and a request with an unknown or revoked key goes on to its 401 without
leaving anything behind in the limiter. Random keys therefore cannot grow its memory."""

from __future__ import annotations

import dataclasses
import hashlib

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from easel.agent.surfaces import anonymous
from easel.spaces import metrics
from easel.spaces.auth import ANONYMOUS, key_from, remember
from easel.spaces.errors import EaselError
from easel.spaces.limits import Limiter, headers
from easel.spaces.web import error_response

EXEMPT = ("/healthz", "/readyz", "/metrics")  # /metrics has its own token, not an API key


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: Limiter, keyless: Limiter | None = None) -> None:
        self.app = app
        self.limiter = limiter
        self.keyless = keyless  # set when EASEL_ANONYMOUS_WORKSPACE is: keyless callers' own limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        key = key_from(request_headers)
        limiter = self.limiter
        if key is None:
            state = scope["app"].state
            known = getattr(state, "anonymous", None)
            if self.keyless is None or known is None or not anonymous.covers(scope["method"], scope["path"]):
                await self.app(scope, receive, send)  # a signed link, or a 401 to come; neither is counted
                return
            principal = dataclasses.replace(known, on_behalf_of=request_headers.get("x-on-behalf-of"))
            remember(scope, ANONYMOUS, principal)
            limiter, bucket = self.keyless, anonymous.BUCKET
        else:
            space = scope["app"].state.space
            try:
                principal = await space.authenticate(key, on_behalf_of=request_headers.get("x-on-behalf-of"))
            except EaselError as exc:
                remember(scope, key, exc)  # the handler answers it (a signed link may not need the key at all)
                await self.app(scope, receive, send)
                return
            remember(scope, key, principal)
            bucket = hashlib.sha256(key.encode()).hexdigest()[:32]
        verdict = await limiter.acquire(bucket)
        extra = [(k.encode(), v.encode()) for k, v in headers(verdict).items()]
        if not verdict.allowed:
            metrics.LIMIT_REJECTIONS.labels(verdict.kind).inc()
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
            await limiter.release(bucket, verdict.slot)
