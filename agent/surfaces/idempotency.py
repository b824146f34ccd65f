"""`Idempotency-Key` on POSTs, as Stripe has it: a retry within 24 h is answered with the first response,
byte for byte and marked `Idempotent-Replayed: true`, without running (painting, charging) again.

Pure ASGI middleware, inside the rate limits (a replay is a request like any other) and after them, so the key's
account is known (the limits authenticated it). For a POST carrying the header:

- The key is claimed in the store before the route runs (spaces/idempotency.py); the table's primary key is the
  lock, so across processes and nodes exactly one request with a given key runs. Another one arriving meanwhile
  gets 409 `idempotency_key_in_use` (with Retry-After), never a second run.
- The request is fingerprinted as the route reads it: sha256 of the query string, the media type and the body
  (a multipart body with its random boundary taken out, so a client that re-encodes the same form matches).
- What is saved: a completed 2xx or 4xx response, status, headers (content type and the route's own; not
  per-request ones such as the request id) and body, saved before its last byte is sent, so a client that
  retries at once finds it. Not saved, the key let go at the end so a retry runs again: 5xx, a request that
  failed or was cut before its response ended, 408/409/425/429 (they say "try again"), a response to a body the
  route never read to its end (a 413), and streams.
- A retry with the same key and the same request gets the saved response; with another request (another body,
  query or content type) 422 `idempotency_key_reused`. A response over EASEL_IDEMPOTENCY_MAX_RESPONSE_MB is not
  kept: the key stays used (the work was done) and a retry gets 410 `idempotency_response_not_kept`.
- Streamed replies cannot be replayed: the streaming routes refuse a key with 400 `idempotency_unsupported`
  (`refuse_streaming`) before anything runs. A key longer than 255 characters, empty, or not printable ASCII is
  400. `/mcp` (JSON-RPC with sessions of its own) ignores the header; other methods ignore it, as Stripe's do.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from easel.spaces import metrics
from easel.spaces.errors import EaselError
from easel.spaces.idempotency import Claim, IdempotencyKeys, IdempotentResult
from easel.spaces.web import error_response

log = logging.getLogger("easel.idempotency")
HEADER = "idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
MAX_KEY = 255
EXEMPT = ("/mcp",)
# Per-request headers (and ones the server sets anew) are not part of what is replayed.
NOT_KEPT = {b"content-length", b"date", b"server", b"connection", b"transfer-encoding", b"keep-alive",
            b"x-request-id", b"set-cookie"}
RETRY_4XX = {408, 409, 425, 429}
STATE = "idempotency"


def keeps(status: int) -> bool:
    return 200 <= status < 300 or (400 <= status < 500 and status not in RETRY_4XX)


def refuse_streaming(request: Request) -> None:
    """Called by a route before it starts a stream: a stream cannot be replayed, so a key is refused."""
    claim = request.scope.get("state", {}).get(STATE)
    if isinstance(claim, Claim):
        claim.keep = False
        raise EaselError(400, "idempotency_unsupported",
                         "Idempotency-Key cannot be used with stream: true (a stream is not replayed); send the "
                         "request without the key, or without streaming", param="stream")


class Fingerprint:
    """sha256 over the query string, the media type and the body, fed chunk by chunk without keeping the body."""

    TOKEN = b"\x00boundary\x00"

    def __init__(self, scope: Scope) -> None:
        content_type = Headers(scope=scope).get("content-type", "")
        media, *params = [p.strip() for p in content_type.split(";")]
        boundary = next((p.split("=", 1)[1].strip('"') for p in params if p.lower().startswith("boundary=")), "")
        self.boundary = boundary.encode("latin-1") if media.lower().startswith("multipart/") else b""
        self.hash = hashlib.sha256()
        self.hash.update(scope.get("query_string", b"") + b"\x00" + media.lower().encode("latin-1") + b"\x00")
        self.size = 0  # bytes hashed so far (boundaries replaced)
        self.complete = False
        self._tail = b""

    def feed(self, chunk: bytes, *, more: bool) -> None:
        data = self._tail + chunk
        if self.boundary:
            data = data.replace(self.boundary, self.TOKEN)
            keep = 0 if not more else len(self.boundary) - 1  # a boundary may straddle two chunks
            data, self._tail = (data[:len(data) - keep], data[len(data) - keep:]) if keep else (data, b"")
        self.hash.update(data)
        self.size += len(data)
        self.complete = not more

    def digest(self) -> str:
        return self.hash.hexdigest()


class Captured:
    """The response as it is sent: status, headers kept for a replay, and the body up to a bound."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.streaming = False
        self._chunks: list[bytes] = []
        self._size = 0

    def start(self, message: Message) -> None:
        self.status = int(message["status"])
        for name, value in message.get("headers", []):
            low = name.lower()
            if low == b"content-type" and value.startswith(b"text/event-stream"):
                self.streaming = True
            if low not in NOT_KEPT:
                self.headers.append((low.decode("latin-1"), value.decode("latin-1")))

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.limit:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()  # over the bound: nothing more is held in memory

    def body(self) -> bytes | None:
        return b"".join(self._chunks) if self._size <= self.limit else None


def _key_of(scope: Scope) -> str | None:
    return Headers(scope=scope).get(HEADER)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, max_response_bytes: int) -> None:
        self.app = app
        self.max_response_bytes = max_response_bytes
        self._held: dict[str, Claim] = {}
        self._renewer: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope) if scope["type"] == "http" and scope["method"] == "POST" else None
        auth = scope.get("state", {}).get("auth")
        if key is None or scope["path"].startswith(EXEMPT) or auth is None or isinstance(auth[1], EaselError):
            await self.app(scope, receive, send)  # no key, or no account to scope it by (a 401 follows)
            return
        key = key.strip()
        if not 1 <= len(key) <= MAX_KEY or not all(" " <= c <= "~" for c in key):
            await self._refuse(scope, receive, send, EaselError(
                400, "invalid_request", f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters",
                param="Idempotency-Key"), "invalid")
            return
        idem: IdempotencyKeys = scope["app"].state.space.idempotency
        held = await idem.claim(auth[1], scope["method"], scope["path"], key)
        if isinstance(held, Claim):
            await self._run(scope, receive, send, idem, held)
        elif held.state == "running":
            await self._refuse(scope, receive, send, EaselError(
                409, "idempotency_key_in_use", "A request with this Idempotency-Key is still running; retry when "
                "it has finished", headers={"Retry-After": "1"}), "in_use")
        else:
            await self._replay(scope, receive, send, held)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: EaselError, outcome: str) -> None:
        metrics.IDEMPOTENCY.labels(outcome).inc()
        await error_response(Request(scope), exc)(scope, receive, send)

    async def _run(self, scope: Scope, receive: Receive, send: Send, idem: IdempotencyKeys, claim: Claim) -> None:
        scope.setdefault("state", {})[STATE] = claim
        fingerprint = Fingerprint(scope)
        response = Captured(self.max_response_bytes)
        settled = False

        async def reading() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not fingerprint.complete:
                fingerprint.feed(message.get("body", b""), more=message.get("more_body", False))
            return message

        async def settle() -> None:
            nonlocal settled
            settled = True
            status = response.status or 500
            if not (claim.keep and fingerprint.complete and not response.streaming and keeps(status)):
                await self._let_go(idem, claim)
                return
            body = response.body()
            try:
                await idem.finish(claim, fingerprint=fingerprint.digest(), body_size=fingerprint.size, status=status,
                                  headers=response.headers, body=body)
                metrics.IDEMPOTENCY.labels("saved" if body is not None else "not_kept").inc()
            except Exception:
                log.exception("could not save the response to an idempotent request; its key is let go")
                await self._let_go(idem, claim)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.start(message)
            elif message["type"] == "http.response.body" and not settled:
                response.add(message.get("body", b""))
                if not message.get("more_body", False):
                    await settle()  # saved before the last byte goes: a retry sent at once finds it
            await send(message)

        self._hold(idem, claim)
        try:
            await self.app(scope, reading, sending)
        finally:
            self._held.pop(claim.owner, None)
            if not settled:  # failed, cancelled, or ended without a whole response
                await asyncio.shield(self._let_go(idem, claim))

    async def _let_go(self, idem: IdempotencyKeys, claim: Claim) -> None:
        try:
            await idem.release(claim)
        except Exception:  # the lease runs out on its own; the key is free a minute later
            log.exception("could not release an idempotency key")

    async def _replay(self, scope: Scope, receive: Receive, send: Send, saved: IdempotentResult) -> None:
        fingerprint = Fingerprint(scope)
        limit = saved.body_size or 0
        while not fingerprint.complete and fingerprint.size <= limit:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            fingerprint.feed(message.get("body", b""), more=message.get("more_body", False))
        same = fingerprint.complete and fingerprint.size == limit and fingerprint.digest() == saved.fingerprint
        if not same:
            await self._refuse(scope, receive, send, EaselError(
                422, "idempotency_key_reused", "This Idempotency-Key was already used with a different request in "
                "the last 24 hours; use a new key for a new request", param="Idempotency-Key"), "reused")
            return
        if saved.body is None:
            await self._refuse(scope, receive, send, EaselError(
                410, "idempotency_response_not_kept", "The request with this Idempotency-Key completed, but its "
                "response was too large to keep for a replay; its files are in the Space (GET /v1/storage/files)",
                param="Idempotency-Key"), "gone")
            return
        assert saved.status is not None
        metrics.IDEMPOTENCY.labels("replayed").inc()
        headers: list[Any] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in saved.headers or []]
        headers += [(b"content-length", str(len(saved.body)).encode()), REPLAYED]
        await send({"type": "http.response.start", "status": saved.status, "headers": headers})
        await send({"type": "http.response.body", "body": saved.body, "more_body": False})

    def _hold(self, idem: IdempotencyKeys, claim: Claim) -> None:
        """Keeps the claim's lease renewed while its request runs: one task per process renews them all."""
        self._held[claim.owner] = claim
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew(idem))

    async def _renew(self, idem: IdempotencyKeys) -> None:
        while self._held:
            await asyncio.sleep(idem.lease_s / 3)
            if not self._held:
                return
            try:
                await idem.renew(list(self._held.values()))
            except Exception:
                log.exception("could not renew the leases of running idempotent requests")
