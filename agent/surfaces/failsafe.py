"""The last resort: an exception that no handler turned into an answer.

Starlette's own `ServerErrorMiddleware` answers 500 and then re-raises, so the server logs the error a
second time and closes the keep-alive connection without a `Connection: close`: the client's next
request on it fails. Here the error is logged once and answered in the path's own error shape, and the
connection stays usable. Once a response has started (a stream), no clean answer is possible any more;
the exception goes on, and the server ends the connection, which is the only honest way to cut a response.

One unexpected error has a kinder answer: the store's connection pool timing out. Under a load the
store cannot keep up with (held-stream benchmarks at 1,000 and 2,000 streams logged hundreds of
them), the request did nothing yet and can simply be sent again, so it gets 503 `store_busy` with a
`Retry-After`, not 500.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from easel.spaces.errors import EaselError
from easel.spaces.web import error_response

log = logging.getLogger("easel")


class LastResort:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception as exc:
            if started:
                raise
            if isinstance(exc, PoolTimeout):
                log.warning("store busy on %s %s: no database connection within the pool's timeout",
                            scope.get("method"), scope.get("path"))
                busy = EaselError(503, "store_busy", "The store is busy; send the request again shortly",
                                  headers={"Retry-After": "1"})
                await error_response(Request(scope), busy)(scope, receive, send)
                return
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
            failure = EaselError(500, "internal_error", "Internal error; the server logged it")
            await error_response(Request(scope), failure)(scope, receive, send)
