"""The last resort: an error no handler answered gets the path's own error shape, and a store that is
too busy to lend a connection gets 503 with Retry-After rather than 500."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Route

from easel.agent.surfaces.failsafe import LastResort


async def _pool_timeout(request: Request) -> None:
    raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00")


async def _bug(request: Request) -> None:
    raise ValueError("a bug")


def _app() -> Starlette:
    return Starlette(routes=[Route("/v1/chat", _pool_timeout, methods=["POST"]),
                             Route("/v1/images/generations", _pool_timeout, methods=["POST"]),
                             Route("/v1/storage/files", _bug)],
                     middleware=[Middleware(LastResort)])


@pytest.mark.anyio
async def test_a_pool_timeout_is_503_store_busy_with_retry_after_in_each_shape() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        native = await client.post("/v1/chat", json={})
        openai = await client.post("/v1/images/generations", json={})
        bug = await client.get("/v1/storage/files")
    assert native.status_code == 503 and native.headers["retry-after"] == "1"
    assert native.json() == {"error": "The store is busy; send the request again shortly", "code": "store_busy"}
    assert openai.status_code == 503 and openai.headers["retry-after"] == "1"
    assert openai.json()["error"]["code"] == "store_busy"
    assert "QueuePool" not in native.text + openai.text  # the pool's internals stay in the log
    assert bug.status_code == 500 and bug.json() == {"error": "Internal error; the server logged it",
                                                     "code": "internal_error"}
