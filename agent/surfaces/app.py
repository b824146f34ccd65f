"""The HTTP app: routes, error mapping, and the services built once at start-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.agent.runtime import Runtime
from easel.agent.settings import Settings
from easel.agent.surfaces import (
    anonymous,
    api_docs,
    conversations,
    image_apis,
    mcp_surface,
    metrics,
    openai_chat,
    playground,
    responses,
    zarkai,
)
from easel.agent.surfaces.cors import cors_middleware
from easel.agent.surfaces.failsafe import LastResort
from easel.agent.surfaces.idempotency import IdempotencyMiddleware
from easel.agent.surfaces.middleware import RateLimitMiddleware
from easel.agent.surfaces.observe import ObserveMiddleware
from easel.spaces import routes as space_routes
from easel.spaces.errors import EaselError
from easel.spaces.limits import open_limiter
from easel.spaces.space import Space
from easel.spaces.web import error_response, register_error_shape

log = logging.getLogger("easel")

HTTP_CODES = {404: "not_found", 405: "invalid_request", 413: "payload_too_large", 415: "unsupported_media_type"}


async def healthz(request: Request) -> Response:
    # Answers from the first moment the server listens: nothing here may import litellm. `models_ready`
    # turns true once the model libraries are loaded (a few seconds after start); chat waits for it.
    runtime = getattr(request.app.state, "runtime", None)
    return JSONResponse({"status": "ok", "models_ready": bool(runtime and runtime.warmed)})


async def readyz(request: Request) -> Response:
    # Readiness, for load balancers and orchestrators: 503 until the model libraries are loaded (chat turns
    # would wait for them), then 200. /healthz stays a liveness check that answers from the first moment.
    runtime = getattr(request.app.state, "runtime", None)
    ready = bool(runtime and runtime.warmed)
    return JSONResponse({"status": "ready" if ready else "starting"}, status_code=200 if ready else 503)


async def _easel_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EaselError)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "invalid_request")
    message = "No such endpoint" if exc.status_code == 404 else str(exc.detail)
    return error_response(request, EaselError(exc.status_code, code, message))


def announce_bootstrap(workspace_id: str, key: str) -> None:
    """Printed once, on the very first start, so a newcomer can call the server at once."""
    print(
        "\nEasel created a default account on this first start.\n"
        f"  workspace: {workspace_id}\n"
        f"  api key:   {key}\n"
        "The key is shown only now; keep it. `easel keys create` makes more.\n",
        flush=True,
    )


SURFACES = (openai_chat, responses)  # OpenAI-shaped surfaces beside ZarkAI's; each names the paths of its error shape
for _surface in SURFACES:
    for _prefix in _surface.ERROR_PATHS:
        register_error_shape(_prefix, _surface.error_shape)


async def open_space(settings: Settings, *, recover: bool = True) -> Space:
    return await Space.open(data_dir=settings.data_dir, database_url=settings.store_url,
                            url_ttl_s=settings.url_ttl_s, blob_url=settings.blob_url,
                            s3_endpoint_url=settings.s3_endpoint_url, link_ttl_s=settings.link_ttl_s,
                            recover=recover,
                            secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None)


async def _bootstrap(space: Space, settings: Settings) -> None:
    boot_key = settings.bootstrap_key.get_secret_value() if settings.bootstrap_key else None
    if (made := await space.bootstrap(boot_key)) is not None:
        announce_bootstrap(made[0].id, made[1])


async def prepare(settings: Settings) -> None:
    """Once, before several workers start: migrate the store, sweep the blob store, bootstrap (printing the key)."""
    space = await open_space(settings)
    try:
        await _bootstrap(space, settings)
    finally:
        await space.close()


def worker_app() -> Starlette:
    """Each worker's app when `easel serve --workers N` runs several (uvicorn imports this by name): settings
    from the environment; the supervising process has already prepared the store."""
    return create_app(Settings(), prepared=True)


def create_app(settings: Settings | None = None, *, prepared: bool = False) -> Starlette:
    settings = settings or Settings()
    limiter = open_limiter(settings.limits, rpm=settings.rate_limit_rpm, concurrent=settings.max_concurrent,
                           data_dir=settings.data_dir, lease_s=settings.slot_lease_s,
                           redis_prefix=settings.redis_prefix,
                           redis_url=settings.redis_url.get_secret_value() if settings.redis_url else None)
    # Keyless callers' own limits (EASEL_ANONYMOUS_*), counted where the keys' are, under a bucket of their own.
    keyless = open_limiter(settings.limits, rpm=settings.anonymous_rpm, concurrent=settings.anonymous_concurrent,
                           data_dir=settings.data_dir, lease_s=settings.slot_lease_s,
                           redis_prefix=settings.redis_prefix + ":anonymous",
                           redis_url=settings.redis_url.get_secret_value() if settings.redis_url else None
                           ) if settings.anonymous_workspace else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A worker among several must not sweep the blob store: another may be mid-upload.
        space = await open_space(settings, recover=not prepared)
        if not prepared:
            await _bootstrap(space, settings)
        app.state.space = space
        if settings.anonymous_workspace:
            app.state.anonymous = await anonymous.principal_for(space, settings.anonymous_workspace)
            anonymous.warn_if_exposed(settings.host, settings.anonymous_workspace, settings.anonymous_rpm,
                                      settings.anonymous_concurrent)
        app.state.runtime = runtime = Runtime.build(settings, space)
        runtime.start_warming()
        watching = asyncio.get_running_loop().create_task(runtime.videos.watch())
        try:
            async with mcp_surface.running(app.state):
                yield
        finally:
            watching.cancel()
            await runtime.background.drain(settings.shutdown_grace_s)
            await runtime.aclose()
            await limiter.close()
            if keyless is not None:
                await keyless.close()
            await space.close()

    app = Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"]),
                *metrics.routes, *api_docs.routes, *space_routes.routes, *zarkai.routes,
                *image_apis.routes, *conversations.routes, *[r for s in SURFACES for r in s.routes],
                *mcp_surface.routes, *playground.routes],
        exception_handlers={EaselError: _easel_error, HTTPException: _http_error},
        lifespan=lifespan,
        middleware=[Middleware(ObserveMiddleware, log_prompts=settings.log_prompts),  # ids on every reply
                    *filter(None, [cors_middleware(settings.cors_origins)]),  # before the limits: 429s carry CORS too
                    Middleware(LastResort),  # an unexpected error: answered once, the connection kept
                    Middleware(RateLimitMiddleware, limiter=limiter, keyless=keyless),
                    # inside the limits: the key's account is known, and a replay counts as a request
                    Middleware(IdempotencyMiddleware,
                               max_response_bytes=int(settings.idempotency_max_response_mb * 1024 * 1024))],
    )
    app.state.settings = settings
    return app
