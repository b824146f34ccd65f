"""The OpenAPI 3.1 document, served at `GET /openapi.json` (`api_docs.py`, which imports this module at the
first request for it: its models take a fifth of a second to import, which a server's start need not wait for).

Schemas come from the pydantic models of each surface (`spaces.schemas`, `surfaces.schemas`,
`image_apis.schemas`, and the request models the routes validate with: `ChatRequest` for `/v1/chat`,
`CompletionRequest` and `ResponsesRequest` for OpenAI's chat surfaces); `OPERATIONS` says, per route, which
model is its body, its reply, and its error envelope. Every route is described (tests/agent/surfaces/
test_openapi.py); one added without an entry here still appears, with an open reply, so the document never
hides an endpoint. tests/agent/surfaces/test_openapi_fuzz.py holds the live server to this document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Route

from easel.agent.surfaces import openai_chat, responses
from easel.agent.surfaces import schemas as chat
from easel.agent.surfaces.image_apis import schemas as img
from easel.agent.surfaces.image_apis.zekron import TokenConvertor
from easel.agent.turn.contract import ChatRequest
from easel.spaces import schemas as space

BINARY = "binary"  # a reply of raw bytes
HTML = "text/html"  # a page
KEYS = [{"ApiKey": []}, {"Bearer": []}]
# What any route that takes a key may answer besides its own errors.
COMMON = (400, 401, 404, 413, 429)
PAINTING = (*COMMON, 402, 415, 422, 502, 504)
REASONS = {400: "Bad request", 401: "Missing or unknown key", 402: "The account's budget is spent",
           404: "Not found (or not yours)", 405: "Method not allowed", 406: "Not acceptable",
           409: "Not yet: the resource is not in that state, or a request with this Idempotency-Key is still "
                "running (Retry-After)",
           410: "Expired (or, with an Idempotency-Key, the first response was too large to keep)",
           413: "Too large", 415: "Not an accepted image (or body)",
           422: "The engine refused or cannot do it, or the Idempotency-Key was used with another request",
           429: "Rate limited (Retry-After)",
           502: "The model provider failed", 504: "The model provider did not answer in time",
           202: "Accepted", 206: "Partial content"}


# One Server-Sent Event (OpenAPI 3.1 has a text/event-stream schema describe each event); its data is JSON,
# or [DONE] where OpenAI's chat completions end.
SSE_EVENT = {"type": "object", "required": ["data"], "properties": {
    "event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}}}

IMAGE_STREAM = ("With `stream: true`: OpenAI's image stream, `event:` and `data:` lines: image_{kind}.partial_image "
                "events (partial_image_index, b64_json) as the painter makes them, then one image_{kind}.completed "
                "event per image (b64_json, size, quality, background, output_format, usage); a failure after the "
                "first event ends the stream with an error event in OpenAI's shape.")


# Every POST takes one (agent/surfaces/idempotency.py): a retry within 24 h replays the first response.
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": "A retry with the same key within 24 h gets the first response (Idempotent-Replayed: true) "
                   "without running again; another request with it is 422, one while it runs 409. Not with "
                   "stream: true (400)."}
IDEMPOTENT_ERRORS = (409, 410, 422)
REPLAYED = {"Idempotent-Replayed": {"description": "true on a replay of an Idempotency-Key's first response",
                                   "schema": {"const": "true"}}}


@dataclass(frozen=True)
class Query:
    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    tag: str
    summary: str
    reply: type[BaseModel] | str  # a model, BINARY or HTML
    error: type[BaseModel]
    body: type[BaseModel] | None = None  # JSON
    form: type[BaseModel] | None = None  # multipart
    status: int = 200
    errors: tuple[int, ...] = COMMON
    query: tuple[Query, ...] = ()
    stream: str | None = None  # described text/event-stream alternative of the reply
    also: tuple[tuple[int, type[BaseModel] | None], ...] = ()  # other replies, (status, model); None: no body
    params: tuple[tuple[str, dict[str, Any]], ...] = ()  # path parameters' schemas, where not any string
    keyed: bool = True  # takes an API key


WS_QUERY = Query("workspace_id", {"type": "string"}, "Default: the key's default workspace")
PAGE = (WS_QUERY, Query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}),
        Query("cursor", {"type": "string"}, "From the previous page's pagination.cursor"))
N = space.NativeError
SPACE, CHAT = "Space (ZarkAI storage)", "ZarkAI chat"
OPENAI, ZEKRON, AIART, CHUK, MKA1 = "OpenAI images", "Zekron", "AiArt", "chuk.chat", "MKA1"
VIDEOS, COMPLETIONS, MCP, PLAYGROUND = "OpenAI videos", "OpenAI chat", "MCP", "Playground"

OPERATIONS: tuple[Op, ...] = (
    Op("get", "/v1/workspaces", SPACE, "The key's workspaces, its default first", space.WorkspaceList, N),
    Op("post", "/v1/workspaces", SPACE, "Create a workspace", space.WorkspaceObject, N, body=space.WorkspaceCreate,
       status=201),
    Op("post", "/v1/storage/files", SPACE, "Upload a file", space.FileObject, N, form=space.UploadForm,
       errors=(*COMMON, 415)),
    Op("get", "/v1/storage/files", SPACE, "List files, newest first", space.FileList, N, query=PAGE),
    Op("get", "/v1/storage/files/{file_id}", SPACE, "A file; its bytes inline (base64) under 4 MB",
       space.FileWithContent | space.FileMetadataOnly, N, query=(WS_QUERY,)),  # type: ignore[arg-type]
    Op("delete", "/v1/storage/files/{file_id}", SPACE, "Delete a file", space.FileDeleted, N, query=(WS_QUERY,)),
    Op("get", "/v1/storage/files/{file_id}/content", SPACE, "The file's bytes (a key, or a signed link's "
       "sig and expires)", BINARY, N, errors=(*COMMON, 403, 410, 416),
       query=(WS_QUERY, Query("sig", {"type": "string"}), Query("expires", {"type": "string"}))),
    Op("post", "/v1/storage/folders", SPACE, "Create a folder", space.FolderObject, N, body=space.FolderCreate,
       status=201),
    Op("get", "/v1/storage/folders", SPACE, "List folders", space.FolderList, N, query=(WS_QUERY,)),
    Op("get", "/v1/storage/folders/{folder_id}", SPACE, "A folder", space.FolderObject, N, query=(WS_QUERY,)),
    Op("delete", "/v1/storage/folders/{folder_id}", SPACE, "Delete a folder and its files", space.FolderDeleted,
       N, query=(WS_QUERY,)),
    Op("get", "/v1/storage/folders/{folder_id}/files", SPACE, "List a folder's files", space.FileList, N,
       query=PAGE),
    Op("post", "/v1/storage/folders/{folder_id}/files", SPACE, "Upload a file into a folder", space.FileObject,
       N, form=space.UploadForm, errors=(*COMMON, 415)),
    Op("post", "/v1/chat", CHAT, "A chat turn: the model may paint; streamed with stream: true", chat.ChatReply,
       N, body=ChatRequest, errors=(*PAINTING, 503), stream=chat.STREAM_DESCRIPTION),
    Op("get", "/v1/conversations", CHAT, "The workspace's conversations, most recently updated first",
       chat.ConversationList, N, query=(WS_QUERY, Query("limit", {"type": "integer", "minimum": 1, "maximum": 100,
                                                                 "default": 20}),
                                         Query("cursor", {"type": "string"}, "From the previous page's pagination"))),
    Op("get", "/v1/conversations/{conversation_id}", CHAT, "A conversation's thread, as the stream drew it",
       chat.ConversationThread, N, query=(WS_QUERY,)),
    Op("patch", "/v1/conversations/{conversation_id}", CHAT, "Rename a conversation", chat.ConversationSummary, N,
       body=chat.ConversationRename, query=(WS_QUERY,)),
    Op("delete", "/v1/conversations/{conversation_id}", CHAT, "Delete a conversation (its images stay in the "
       "Space)", chat.ConversationDeleted, N, query=(WS_QUERY,)),
    Op("post", "/v1/chat/completions", COMPLETIONS, "OpenAI's chat completions: a turn of Easel's brain with its "
       "image tool; model easel, or an allowed override", chat.ChatCompletion, img.OpenAIError,
       body=openai_chat.CompletionRequest, errors=(*PAINTING, 503), stream=chat.COMPLETION_STREAM),
    Op("get", "/v1/models", COMPLETIONS, "The models chat completions and responses take", chat.ModelList,
       img.OpenAIError),
    Op("post", "/v1/responses", COMPLETIONS, "OpenAI's Responses API with its image_generation tool",
       chat.ResponseObject, img.OpenAIError, body=responses.ResponsesRequest, errors=(*PAINTING, 503),
       stream=chat.RESPONSE_STREAM),
    Op("post", "/mcp", MCP, "One JSON-RPC message of the Model Context Protocol (streamable HTTP, stateless): "
       "tools image_gen, list_files, get_file; the workspace's files as resources", chat.JsonRpcReply,
       chat.JsonRpcReply, body=chat.JsonRpcRequest, errors=(400, 406, 415), also=((202, None), (401, N))),
    Op("get", "/mcp", MCP, "No server-to-client stream: the server is stateless", N, N, status=405, errors=(),
       keyed=False),
    Op("delete", "/mcp", MCP, "No session to end: the server is stateless", N, N, status=405, errors=(),
       keyed=False),
    Op("get", "/", PLAYGROUND, "The playground: a chat page for a person with a key", HTML, N, errors=(), keyed=False),
    Op("post", "/v1/images/generations", OPENAI, "Create images (OpenAI; with workspace_id, ZarkAI's direct "
       "images)", img.OpenAIImagesReply, img.OpenAIError, body=img.OpenAIGenerationRequest, errors=PAINTING,
       stream=IMAGE_STREAM.format(kind="generation")),
    Op("post", "/v1/images/edits", OPENAI, "Edit or combine images (multipart, or JSON with file ids)",
       img.OpenAIImagesReply, img.OpenAIError, body=img.OpenAIEditJSON, form=img.OpenAIEditForm, errors=PAINTING,
       stream=IMAGE_STREAM.format(kind="edit")),
    Op("post", "/v1/images/variations", OPENAI, "Variations of one image (multipart)", img.OpenAIImagesReply,
       img.OpenAIError, form=img.OpenAIVariationForm, errors=PAINTING),
    Op("post", "/api/v1/llm/images/generations", MKA1, "Create images (MKA1's rules)", img.OpenAIImagesReply,
       img.OpenAIError, body=img.MKA1GenerationRequest, errors=PAINTING),
    Op("post", "/v1/generate", ZEKRON, "Create or edit an image", img.ZekronGenerateReply, img.ZekronError,
       body=img.ZekronGenerateRequest, errors=PAINTING),
    Op("get", "/v1/images/{token}", ZEKRON, "A generation's image by its token (24 h)", BINARY, img.ZekronError,
       errors=(*COMMON, 410), params=(("token", {"type": "string", "pattern": f"^{TokenConvertor.regex}$"}),),
       # A path that is no token is no endpoint: the rest of /v1/images/ is OpenAI's, and answers in its shape.
       also=((404, img.ZekronError | img.OpenAIError),)),  # type: ignore[arg-type]
    Op("get", "/v1/balance", ZEKRON, "Credits and spend", img.ZekronBalanceReply, img.ZekronError),
    Op("get", "/v1/generations", ZEKRON, "What was made, newest first", img.ZekronHistoryReply, img.ZekronError,
       query=(Query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
              Query("offset", {"type": "integer", "minimum": 0, "default": 0}))),
    Op("post", "/api/generate", AIART, "Text to image", img.AiArtReply, img.AiArtError,
       body=img.AiArtGenerateRequest, errors=PAINTING),
    Op("post", "/api/img2img", AIART, "Image to image (multipart)", img.AiArtReply, img.AiArtError,
       form=img.AiArtImg2ImgForm, errors=PAINTING),
    Op("post", "/v1/ai/generate-image", CHUK, "Create an image", img.ChukGenerateReply, img.ChukError,
       body=img.ChukGenerateRequest, errors=PAINTING),
    Op("get", "/v1/user/credits", CHUK, "Credits and spend in euros", img.ChukCredits, img.ChukError),
    Op("post", "/api/img2video", AIART, "Image to video (multipart): starts a job, its id comes back at once",
       img.AiArtVideoStarted, img.AiArtError, form=img.AiArtImg2VideoForm, errors=(*COMMON, 402, 415)),
    Op("get", "/api/img2video/result/{id}", AIART, "A video job: 202 while it runs, the video once done, "
       "422 with the reason if it failed or was cancelled", img.AiArtVideoResult, img.AiArtError,
       errors=(*COMMON, 422), also=((202, img.AiArtVideoPending),)),
    Op("post", "/v1/videos", VIDEOS, "Start a video (JSON, or multipart with an input_reference image)",
       img.OpenAIVideo, img.OpenAIError, body=img.OpenAIVideoCreate, form=img.OpenAIVideoForm,
       errors=(*COMMON, 402, 415)),
    Op("get", "/v1/videos", VIDEOS, "The account's videos, newest first", img.OpenAIVideoList, img.OpenAIError,
       query=(Query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
              Query("after", {"type": "string"}, "The last id of the previous page"))),
    Op("get", "/v1/videos/{video_id}", VIDEOS, "A video job's state and progress", img.OpenAIVideo,
       img.OpenAIError),
    Op("delete", "/v1/videos/{video_id}", VIDEOS, "Forget a video (a running one is cancelled first); its files "
       "stay in the Space", img.OpenAIVideoDeleted, img.OpenAIError),
    Op("get", "/v1/videos/{video_id}/content", VIDEOS, "The finished video (MP4) or its thumbnail; 409 until it "
       "is completed", BINARY, img.OpenAIError, errors=(*COMMON, 409, 416),
       query=(Query("variant", {"enum": ["video", "thumbnail"], "default": "video"}),)),
)


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for op in OPERATIONS:
        for model in (op.reply, op.error, op.body, op.form, *(m for _, m in op.also if m is not None)):
            for m in getattr(model, "__args__", None) or (model,):
                if isinstance(m, type) and issubclass(m, BaseModel) and m not in found:
                    found.append(m)
    return found


def _ref(model: Any) -> dict[str, Any]:
    options = getattr(model, "__args__", None)
    if options:
        return {"oneOf": [_ref(m) for m in options]}
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Op) -> dict[str, Any]:
    schemas = dict(op.params)
    params = [{"name": name, "in": "path", "required": True,
               "schema": schemas.get(name, {"type": "string", "minLength": 1})}
              for name in re.findall(r"{(\w+)}", op.path)]
    params += [{"name": q.name, "in": "query", "required": False, "schema": q.schema,
                **({"description": q.description} if q.description else {})} for q in op.query]
    ok: dict[str, Any] = {"description": REASONS.get(op.status, "OK")}
    errors = set(op.errors)
    if op.method == "post" and op.path != "/mcp":  # /mcp is exempt (agent/surfaces/idempotency.py)
        params.append(IDEMPOTENCY_KEY)
        ok["headers"] = REPLAYED
        errors |= set(IDEMPOTENT_ERRORS)
    if op.reply == BINARY:
        ok["content"] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    elif op.reply == HTML:
        ok["content"] = {"text/html": {"schema": {"type": "string"}}}
    else:
        ok["content"] = {"application/json": {"schema": _ref(op.reply)}}
        if op.stream:
            ok["content"]["text/event-stream"] = {"schema": {**SSE_EVENT, "description": op.stream}}
    responses: dict[str, Any] = {str(op.status): ok}
    for status, model in op.also:
        responses[str(status)] = {"description": REASONS.get(status, "OK")}
        if model is not None:
            responses[str(status)]["content"] = {"application/json": {"schema": _ref(model)}}
    for status in sorted(errors - {s for s, _ in op.also}):
        responses[str(status)] = {"description": REASONS.get(status, "Error"),
                                  "content": {"application/json": {"schema": _ref(op.error)}}}
    out: dict[str, Any] = {"tags": [op.tag], "summary": op.summary, "operationId": _operation_id(op),
                           "parameters": params, "responses": responses, "security": KEYS if op.keyed else []}
    content: dict[str, Any] = {}
    if op.body is not None:
        content["application/json"] = {"schema": _ref(op.body)}
    if op.form is not None:
        content["multipart/form-data"] = {"schema": _ref(op.form)}
    if content:
        out["requestBody"] = {"required": True, "content": content}
    return out


def _operation_id(op: Op) -> str:
    words = re.sub(r"[^a-zA-Z0-9]+", "_", op.path.replace("{", "by_")).strip("_")
    return f"{op.method}_{words}"


def template(path: str) -> str:
    """A route's path as OpenAPI writes it: `{token:zekron_token}` is `{token}`."""
    return re.sub(r"{(\w+):\w+}", r"{\1}", path)


def _undescribed(method: str, path: str) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{(\w+)}", path)]
    if method == "post" and path != "/mcp":
        params.append(IDEMPOTENCY_KEY)
    return {"summary": f"{method.upper()} {path}", "operationId": f"{method}_{re.sub(r'[^a-zA-Z0-9]+', '_', path)}",
            "tags": ["Other"], "parameters": params, "security": KEYS,
            "responses": {"default": {"description": "See the README", "content": {"application/json": {}}}}}


def _extras() -> dict[str, dict[str, Any]]:
    """The routes that are not an API: health, metrics and these documents."""
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        "/healthz": {"get": {"tags": ["Operations"], "summary": "Liveness; models_ready once libraries are loaded",
                             "operationId": "get_healthz", "security": [], "responses": {"200": {
                                 "description": "OK", "content": {"application/json": {"schema": {
                                     "type": "object", "required": ["status", "models_ready"], "properties": {
                                         "status": {"const": "ok"}, "models_ready": {"type": "boolean"}}}}}}}}},
        "/readyz": {"get": {"tags": ["Operations"], "summary": "Readiness: 503 until the model libraries are "
                            "loaded", "operationId": "get_readyz", "security": [], "responses": {
                                "200": {"description": "Ready", "content": {"application/json": {}}},
                                "503": {"description": "Not yet", "content": {"application/json": {}}}}}},
        "/metrics": {"get": {"tags": ["Operations"], "summary": "Prometheus metrics (EASEL_METRICS_TOKEN; absent "
                             "when unset)", "operationId": "get_metrics", "security": [{"MetricsToken": []}],
                             "responses": {"200": {"description": "Prometheus text format", "content": text},
                                           "401": {"description": "Not the metrics token", "content": {
                                               "application/json": {"schema": _ref(N)}}},
                                           "404": {"description": "Metrics are off", "content": {
                                               "application/json": {"schema": _ref(N)}}}}}},
    }


def document(routes: list[BaseRoute] | None = None) -> dict[str, Any]:
    _, defs = models_json_schema([(m, "validation") for m in _models()],
                                 ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = _extras()
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    for route in routes or ():
        if isinstance(route, Route) and route.path != "/openapi.json" and not route.path.startswith("/docs"):
            path = template(route.path)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                paths.setdefault(path, {}).setdefault(method.lower(), _undescribed(method.lower(), path))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Easel", "version": "0.1.0", "description": (
            "A self-hosted conversational image server. It speaks ZarkAI's chat and storage APIs, OpenAI's "
            "images API and four other services' image APIs; each answers errors in its own envelope. Every "
            "call takes `x-api-key: <key>` or `Authorization: Bearer <key>`.")},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "Bearer": {"type": "http", "scheme": "bearer", "description": "The same API key"},
                "MetricsToken": {"type": "http", "scheme": "bearer", "description": "EASEL_METRICS_TOKEN"},
            },
        },
    }
