"""CORS for browser apps on other origins (`EASEL_CORS_ORIGINS`), with Starlette's own middleware.

Keys travel in headers, never cookies, so credentials stay off; the headers a browser client needs to read
(rate limits, Retry-After, request ids) are exposed.
"""

from __future__ import annotations

import logging

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

log = logging.getLogger("easel")

METHODS = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
REQUEST_HEADERS = ["authorization", "x-api-key", "content-type", "x-on-behalf-of", "x-request-id",
                   "idempotency-key", "range", "if-none-match"]
EXPOSED = ["retry-after", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
           "x-ratelimit-reset-requests", "x-request-id", "etag", "content-length", "content-disposition"]
PREFLIGHT_CACHE_S = 600


def cors_middleware(origins: list[str]) -> Middleware | None:
    """None when no origin is allowed (the default): browsers on other origins are then refused."""
    if not origins:
        return None
    if "*" in origins:
        log.warning("EASEL_CORS_ORIGINS is '*': any web page may call this server with a key it holds; "
                    "name the origins instead where you can")
    return Middleware(CORSMiddleware, allow_origins=origins, allow_methods=METHODS, allow_headers=REQUEST_HEADERS,
                      expose_headers=EXPOSED, allow_credentials=False, max_age=PREFLIGHT_CACHE_S)
