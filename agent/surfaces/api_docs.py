"""`GET /openapi.json`, and a page to browse it (`GET /docs`, Swagger UI served from the package, no CDN).

The document is built by `openapi.py` at the first request for it and kept: its models take a fifth of a
second to import, which a server's start need not wait for.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

UI_DIR = Path(__file__).parent / "docs_ui"


async def openapi_json(request: Request) -> Response:
    cached = getattr(request.app.state, "openapi", None)
    if cached is None:
        from easel.agent.surfaces import openapi

        cached = request.app.state.openapi = openapi.document(request.app.routes)
    return JSONResponse(cached)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Easel API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/ui/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/ui/swagger-ui-bundle.js"></script>
<script src="/docs/ui/start.js"></script></body></html>
"""
START_JS = 'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true});\n'


async def docs(request: Request) -> Response:
    return HTMLResponse(DOCS_PAGE)


async def start_js(request: Request) -> Response:
    return Response(START_JS, media_type="text/javascript")


routes: list[BaseRoute] = [
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/docs", docs, methods=["GET"]),
    Route("/docs/ui/start.js", start_js, methods=["GET"]),
    Mount("/docs/ui", app=StaticFiles(directory=UI_DIR), name="docs-ui"),
]
