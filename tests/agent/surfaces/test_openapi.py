"""The OpenAPI document and the /docs page: every route is in it, the image APIs' request models say what
their hand-written parsers accept, and the page's assets come from Easel itself."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from starlette.routing import Route

from easel.agent.settings import Settings
from easel.agent.surfaces import api_docs, openapi
from easel.agent.surfaces.app import create_app
from easel.agent.surfaces.image_apis import mka1, openai_images, openai_videos
from easel.agent.surfaces.image_apis import schemas as img
from tests.conftest import Running


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


def test_every_operation_is_described_in_full() -> None:
    doc = _document()
    described = {(p, m): op for p, ops in doc["paths"].items() for m, op in ops.items()}
    assert len(described) == len(openapi.OPERATIONS) + 3  # and healthz, readyz, metrics
    for (path, method), op in described.items():
        assert op["tags"] != ["Other"], (method, path)
        assert "default" not in op["responses"], (method, path)
        for status, reply in op["responses"].items():
            if status not in ("202",):  # an accepted notification has no body
                assert reply.get("content"), (method, path, status)
        if op["security"]:
            assert op["security"] in (openapi.KEYS, [{"MetricsToken": []}])
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    assert schemes["Bearer"]["scheme"] == "bearer"


def test_the_video_routes_have_their_request_reply_and_error_shapes() -> None:
    paths = _document()["paths"]

    def schema(path: str, method: str, status: str, media: str = "application/json") -> dict:
        return paths[path][method]["responses"][status]["content"][media]["schema"]

    create = paths["/v1/videos"]["post"]["requestBody"]["content"]
    assert create["application/json"]["schema"]["$ref"].endswith("/OpenAIVideoCreate")
    assert create["multipart/form-data"]["schema"]["$ref"].endswith("/OpenAIVideoForm")
    assert schema("/v1/videos", "post", "200")["$ref"].endswith("/OpenAIVideo")
    assert schema("/v1/videos", "get", "200")["$ref"].endswith("/OpenAIVideoList")
    assert schema("/v1/videos/{video_id}", "delete", "200")["$ref"].endswith("/OpenAIVideoDeleted")
    assert schema("/v1/videos/{video_id}/content", "get", "409")["$ref"].endswith("/OpenAIError")
    assert schema("/v1/videos/{video_id}", "get", "404")["$ref"].endswith("/OpenAIError")
    form = paths["/api/img2video"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["$ref"].endswith("/AiArtImg2VideoForm")
    assert schema("/api/img2video", "post", "200")["$ref"].endswith("/AiArtVideoStarted")
    assert schema("/api/img2video/result/{id}", "get", "202")["$ref"].endswith("/AiArtVideoPending")
    assert schema("/api/img2video/result/{id}", "get", "200")["$ref"].endswith("/AiArtVideoResult")
    assert schema("/api/img2video/result/{id}", "get", "422")["$ref"].endswith("/AiArtError")


def test_the_video_request_models_list_the_fields_the_parser_accepts() -> None:
    assert set(img.OpenAIVideoCreate.model_fields) | {"input_reference"} == openai_videos.FIELDS
    assert set(img.OpenAIVideoForm.model_fields) == openai_videos.FIELDS


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
        shipped = Path(api_docs.UI_DIR, asset.removeprefix("/docs/ui/"))
        if shipped.exists():
            assert r.content == shipped.read_bytes()
    assert "/openapi.json" in httpx.get(easel.url + "/docs/ui/start.js").text
    assert (api_docs.UI_DIR / "LICENSE").read_text().startswith("\n                                 Apache License")
