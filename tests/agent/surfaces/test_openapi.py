"""The OpenAPI document and the /docs page: every route is in it, the image APIs' request models say what
their hand-written parsers accept, and the page's assets come from Easel itself."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from starlette.routing import Route

from easel.agent.settings import Settings
from easel.agent.surfaces import openapi
from easel.agent.surfaces.app import create_app
from easel.agent.surfaces.image_apis import mka1, openai_images
from easel.agent.surfaces.image_apis import schemas as img
from tests.conftest import Running

# The APIs the document describes in full (others' routes appear too, with an open reply).
DESCRIBED_PREFIXES = ("/v1/workspaces", "/v1/storage/", "/v1/chat", "/v1/images/", "/v1/generate", "/v1/balance",
                      "/v1/generations", "/api/generate", "/api/img2img", "/v1/ai/", "/v1/user/credits",
                      "/api/v1/llm/images/generations", "/healthz", "/readyz", "/metrics")


def _document() -> dict:
    return openapi.document(create_app(Settings()).routes)


def test_every_route_of_the_app_is_in_the_document() -> None:
    doc = _document()
    app = create_app(Settings())
    for route in app.routes:
        if not isinstance(route, Route) or route.path.startswith("/docs") or route.path == "/openapi.json":
            continue
        path = openapi.template(route.path)
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in doc["paths"][path], (method, path)


def test_the_apis_of_the_contract_are_described_in_full() -> None:
    doc = _document()
    described = {(p, m): op for p, ops in doc["paths"].items() for m, op in ops.items()
                 if p.startswith(DESCRIBED_PREFIXES) and p != "/v1/chat/completions"}
    assert len(described) == len(openapi.OPERATIONS) + 3  # and healthz, readyz, metrics
    for (path, method), op in described.items():
        assert op["tags"] != ["Other"], (method, path)
        ok = [s for s in op["responses"] if s.startswith("2")]
        assert ok and op["responses"][ok[0]].get("content"), (method, path)
        if op["security"]:
            assert op["security"] in (openapi.KEYS, [{"MetricsToken": []}])
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    assert schemes["Bearer"]["scheme"] == "bearer"


def test_each_api_names_its_own_error_envelope() -> None:
    paths = _document()["paths"]

    def error_ref(path: str, method: str) -> str:
        return paths[path][method]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]

    assert error_ref("/v1/storage/folders", "post").endswith("/NativeError")
    assert error_ref("/v1/chat", "post").endswith("/NativeError")
    assert error_ref("/v1/images/generations", "post").endswith("/OpenAIError")
    assert error_ref("/api/v1/llm/images/generations", "post").endswith("/OpenAIError")
    assert error_ref("/v1/generate", "post").endswith("/ZekronError")
    assert error_ref("/api/generate", "post").endswith("/AiArtError")
    assert error_ref("/v1/ai/generate-image", "post").endswith("/ChukError")


def test_request_models_list_the_fields_the_parsers_accept() -> None:
    assert set(img.OpenAIGenerationRequest.model_fields) == openai_images.GENERATIONS.fields
    json_edit = set(img.OpenAIEditJSON.model_fields)
    assert json_edit | {"image", "image[]"} == openai_images.EDITS.fields
    assert set(img.OpenAIVariationForm.model_fields) | {"prompt"} == openai_images.VARIATIONS.fields
    assert set(img.MKA1GenerationRequest.model_fields) == mka1.RULES.fields


def test_the_document_and_the_docs_page_are_served(easel: Running) -> None:
    doc = httpx.get(easel.url + "/openapi.json").json()
    assert doc["openapi"] == "3.1.0" and "/v1/chat" in doc["paths"]
    page = httpx.get(easel.url + "/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/docs/ui/") for a in assets)  # nothing from another host
    for asset in assets:
        r = httpx.get(easel.url + asset)
        assert r.status_code == 200, asset
        shipped = Path(openapi.UI_DIR, asset.removeprefix("/docs/ui/"))
        if shipped.exists():
            assert r.content == shipped.read_bytes()
    assert "/openapi.json" in httpx.get(easel.url + "/docs/ui/start.js").text
    assert (openapi.UI_DIR / "LICENSE").read_text().startswith("\n                                 Apache License")
