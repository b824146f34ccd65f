"""An MCP server at `/mcp` (streamable HTTP, the official `mcp` SDK), for assistants that take tools from MCP.

The API key is the bearer; the workspace is the key's default or `X-Easel-Workspace`. Tools: `image_gen`
(the schema the chat model sees, run by the same service, so budgets and usage records apply), `list_files`
and `get_file` (the image as MCP image content plus a resource link). Resources: the workspace's files as
`easel://files/{id}`. Stateless: every HTTP request is authenticated on its own, so one key never reaches
another's session, and a file outside the workspace is "not found" like anywhere else.

This module is the route and the authentication; the tools and the SDK's session manager are in
`mcp_server.py`, imported at the first MCP request (the SDK takes most of a second to import, which a
server's start need not wait for).
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from easel.spaces.auth import key_from
from easel.spaces.errors import EaselError
from easel.spaces.web import native_shape

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

WORKSPACE_HEADER = "x-easel-workspace"
INVALID_REQUEST = -32600  # JSON-RPC's code (mcp.types.INVALID_REQUEST)


class Sessions:
    """The SDK's session manager, made at the first MCP request (the SDK imported on a worker thread); its
    task group then runs in a task of its own, not a request's, until the app stops."""

    def __init__(self) -> None:
        self._starting: asyncio.Task[StreamableHTTPSessionManager] | None = None
        self._running: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def manager(self) -> StreamableHTTPSessionManager:
        if self._starting is None or (self._starting.done() and self._starting.exception() is not None):
            # A fresh context: nothing of the request that came first (its ids) is carried into the manager.
            self._starting = asyncio.get_running_loop().create_task(self._start(), context=contextvars.Context())
        # Shielded: a caller that goes away does not stop the start others wait for.
        return await asyncio.shield(self._starting)

    async def _start(self) -> StreamableHTTPSessionManager:
        module = await asyncio.to_thread(importlib.import_module, "easel.agent.surfaces.mcp_server")
        manager: StreamableHTTPSessionManager = module.session_manager()
        started = asyncio.get_running_loop().create_future()
        self._running = asyncio.get_running_loop().create_task(self._run(manager, started))
        await started
        return manager

    async def _run(self, manager: StreamableHTTPSessionManager, started: asyncio.Future[None]) -> None:
        try:
            async with manager.run():
                started.set_result(None)
                await self._stop.wait()
        except Exception as exc:
            if started.done():
                raise
            started.set_exception(exc)  # the request that waits for the start reports it; a later one retries

    async def close(self) -> None:
        self._stop.set()
        if self._starting is not None:
            await asyncio.wait([self._starting])  # a start under way finishes first, whatever its outcome
        if self._running is not None:
            await self._running


@asynccontextmanager
async def running(state: Any) -> AsyncIterator[None]:
    """The MCP sessions for the app's lifetime (the app's lifespan enters this); closed when it stops."""
    sessions = state.mcp_sessions = Sessions()
    try:
        yield
    finally:
        await sessions.close()


class Endpoint:
    """Authenticate the bearer before any MCP message is read; then hand the request to the SDK."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _serve(scope, receive, send)


async def _serve(scope: Scope, receive: Receive, send: Send) -> None:
    app = scope["app"]
    if scope["method"] != "POST":
        # Stateless: no session to resume (GET's server-to-client stream) or to end (DELETE). A GET stream would
        # never carry a message and held its connection open until the client gave up; the MCP specification's
        # answer for a server that offers no such stream is 405.
        response = JSONResponse({"error": "This MCP server is stateless: send each JSON-RPC message with POST",
                                 "code": "method_not_allowed"}, status_code=405, headers={"Allow": "POST"})
        await response(scope, receive, send)
        return
    key = key_from(Headers(scope=scope))
    try:
        if not key:
            raise EaselError(401, "unauthorized", "Missing API key: send Authorization: Bearer <key>")
        principal = await app.state.space.authenticate(key, on_behalf_of=Headers(scope=scope).get("x-on-behalf-of"))
    except EaselError as exc:
        response = JSONResponse(native_shape(exc), status_code=exc.status,
                                headers={"WWW-Authenticate": 'Bearer realm="easel"'})
        await response(scope, receive, send)
        return
    if not Headers(scope=scope).get("content-type", "").lower().startswith("application/json"):
        # The SDK's own check answers this with a plain-text 400; every MCP error here is JSON-RPC's.
        response = JSONResponse({"jsonrpc": "2.0", "id": None, "error": {
            "code": INVALID_REQUEST, "message": "Unsupported Media Type: Content-Type must be application/json"}},
            status_code=415)
        await response(scope, receive, send)
        return
    scope.setdefault("state", {})["easel_principal"] = principal
    manager = await app.state.mcp_sessions.manager()
    await manager.handle_request(scope, receive, send)


routes = [Route("/mcp", Endpoint(), methods=["GET", "POST", "DELETE"])]
