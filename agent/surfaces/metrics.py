"""`GET /metrics`: Prometheus' text format, for the bearer of `EASEL_METRICS_TOKEN` only.

Unset, the endpoint does not exist (404, as any unknown path). Set, a request without that exact bearer
token is refused (401) before anything is collected. API keys do not open it: metrics describe every
account at once.
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from easel.spaces import metrics as counted
from easel.spaces.errors import EaselError


async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token is None:
        raise EaselError(404, "not_found", "No such endpoint")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.get_secret_value().encode()):
        raise EaselError(401, "unauthorized", "/metrics needs Authorization: Bearer <EASEL_METRICS_TOKEN>")
    return Response(counted.exposition(), media_type=CONTENT_TYPE_LATEST)


routes = [Route("/metrics", metrics, methods=["GET"])]
