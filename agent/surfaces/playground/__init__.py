"""The playground at `/`: a page that talks to Easel only through its public APIs.

Plain ES modules and CSS shipped in the package (no build step); vendored libraries sit in `static/vendor/`
with their licences. The page is served with a strict Content-Security-Policy: no inline script, no
other origin, so even a slip in escaping could not run a reply's HTML.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def _policy(request: Request) -> str:
    images = "'self' blob: data:"
    public = request.app.state.settings.public_url
    if public:  # signed links are built on the public address, which may differ from this one
        parts = urlsplit(public)
        images += f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            f"img-src {images}; media-src {images}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": _policy(request), "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})


class _Static(StaticFiles):
    """Module scripts need a JavaScript type, whatever the machine's mime table says."""

    def file_response(self, full_path, stat_result, scope, status_code=200):  # type: ignore[no-untyped-def]
        response = super().file_response(full_path, stat_result, scope, status_code)
        if str(full_path).endswith(".js"):
            response.headers["content-type"] = "text/javascript; charset=utf-8"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response


routes = [
    Route("/", index, methods=["GET", "HEAD"]),
    Mount("/playground", app=_Static(directory=STATIC), name="playground"),
]
