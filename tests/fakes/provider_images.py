"""Fake image APIs of the providers most used through litellm besides OpenAI, served over real HTTP on
127.0.0.1, each in its own wire format as litellm 1.106 sends it:

- Azure OpenAI: `POST /openai/deployments/{deployment}/images/generations?api-version=...` (api-key header),
  OpenAI's body; gpt-image sizes and qualities checked as Azure checks them; `b64_json` and `usage` back.
- Gemini API Imagen: `POST /v1beta/models/{model}:predict` (x-goog-api-key), `{"instances": [{"prompt"}],
  "parameters": {"sampleCount", "aspectRatio"}}` → `{"predictions": [{"bytesBase64Encoded", "mimeType"}]}`,
  at Imagen's own pixel sizes for each aspect ratio.
- Stability AI: `POST /v2beta/stable-image/generate/sd3` as multipart/form-data (Bearer key, Accept:
  application/json) with prompt, aspect_ratio, seed, output_format → `{"image", "finish_reason", "seed"}`, one
  image a request at SD3's ~1 megapixel sizes; errors as `{"name", "errors": [...]}`.
- fal: `POST /{app}` e.g. `/fal-ai/flux/schnell` (`Authorization: Key ...`), `{"prompt", "num_images",
  "image_size", "seed"}` → `{"images": [{"url", "width", "height", "content_type"}], "seed", ...}`; the URLs
  point at `GET /files/{name}` here, as fal's point at its CDN.

Every image is a real PNG (or JPEG when asked) of the size the provider would paint, its pixels derived from
the request (prompt, seed, index), so a test can check that the bytes saved are the bytes sent. Each request
is kept in `requests` (path, query, headers, JSON body or form fields).
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Imagen 3/4's output sizes by aspect ratio; SD3.x's (about one megapixel).
IMAGEN_SIZES = {"1:1": (1024, 1024), "3:4": (896, 1280), "4:3": (1280, 896), "9:16": (768, 1408),
                "16:9": (1408, 768)}
SD3_SIZES = {"1:1": (1024, 1024), "16:9": (1344, 768), "21:9": (1536, 640), "2:3": (832, 1216),
             "3:2": (1216, 832), "4:5": (896, 1088), "5:4": (1088, 896), "9:16": (768, 1344), "9:21": (640, 1536)}
GPT_IMAGE_SIZES = {"1024x1024", "1536x1024", "1024x1536", "auto"}
FAL_PRESETS = {"square_hd": (1024, 1024), "square": (512, 512), "portrait_4_3": (768, 1024),
               "portrait_16_9": (576, 1024), "landscape_4_3": (1024, 768), "landscape_16_9": (1024, 576)}


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None

    @property
    def params(self) -> dict[str, Any]:
        return self.json if self.json is not None else dict(self.form or {})


def picture(width: int, height: int, key: str, fmt: str = "PNG") -> bytes:
    """A real image with content that depends on `key`: bands and a disc whose colours come from its hash."""
    digest = hashlib.sha256(key.encode()).digest()
    image = Image.new("RGB", (width, height), tuple(digest[0:3]))
    draw = ImageDraw.Draw(image)
    for i in range(8):  # bands of their own colours
        draw.rectangle((0, i * height // 8, width, (i + 1) * height // 8), fill=tuple(digest[3 + i * 3: 6 + i * 3]))
    draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=tuple(digest[27:30]))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


class FakeImageProviders:
    """All four providers on one loopback server (each on the paths its API uses). `key` is the one
    credential each accepts. `produced` maps each returned image's bytes to the request that made it."""

    def __init__(self, key: str = "provider-image-key-0123456789") -> None:
        self.key = key
        self.requests: list[Seen] = []
        self.produced: list[bytes] = []
        self._files: dict[str, bytes] = {}
        self._serial = itertools.count()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.produced.clear()

    def __enter__(self) -> FakeImageProviders:
        app = Starlette(routes=[
            Route("/openai/deployments/{deployment}/images/generations", self._azure, methods=["POST"]),
            Route("/v1beta/models/{target}", self._imagen, methods=["POST"]),
            Route("/v2beta/stable-image/generate/{engine}", self._stability, methods=["POST"]),
            Route("/files/{name}", self._file, methods=["GET"]),
            Route("/{app:path}", self._fal, methods=["POST"]),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake image providers did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- shared -------------------------------------------------------------------------------------------
    def _keep(self, request: Request, **parts: Any) -> None:
        with self._lock:
            self.requests.append(Seen(request.url.path, dict(request.query_params), dict(request.headers),
                                      **parts))

    def _image(self, width: int, height: int, prompt: str, fmt: str = "PNG") -> bytes:
        data = picture(width, height, f"{prompt}#{next(self._serial)}", fmt)
        with self._lock:
            self.produced.append(data)
        return data

    # -- Azure OpenAI -------------------------------------------------------------------------------------
    async def _azure(self, request: Request) -> Response:
        body = await request.json()
        self._keep(request, json=body)
        if not request.query_params.get("api-version"):
            return JSONResponse({"error": {"code": "404", "message": "Resource not found"}}, status_code=404)
        if request.headers.get("api-key") != self.key:
            return JSONResponse({"error": {"code": "401", "message": "Access denied due to invalid subscription "
                                           "key or wrong API endpoint."}}, status_code=401)

        def invalid(message: str, param: str) -> JSONResponse:
            return JSONResponse({"error": {"code": "invalid_value", "message": message, "param": param,
                                           "type": "invalid_request_error"}}, status_code=400)

        size = str(body.get("size", "auto"))
        if size not in GPT_IMAGE_SIZES:
            return invalid(f"Invalid value: '{size}'. Supported values are: 'auto', '1024x1024', '1536x1024', "
                           "and '1024x1536'.", "size")
        quality = str(body.get("quality", "auto"))
        if quality not in ("low", "medium", "high", "auto"):
            return invalid(f"Invalid value: '{quality}'. Supported values are: 'low', 'medium', 'high', and "
                           "'auto'.", "quality")
        unknown = set(body) - {"prompt", "n", "size", "quality", "output_format", "background", "user",
                               "output_compression", "moderation", "model"}
        if unknown:
            return invalid(f"Unrecognized request argument supplied: {sorted(unknown)[0]}", sorted(unknown)[0])
        n = int(body.get("n", 1))
        if not 1 <= n <= 10:
            return invalid("n must be between 1 and 10", "n")
        width, height = (1024, 1024) if size == "auto" else (int(v) for v in size.split("x"))
        fmt = {"jpeg": "JPEG", "webp": "WEBP"}.get(str(body.get("output_format", "png")), "PNG")
        data = [{"b64_json": base64.b64encode(self._image(width, height, body["prompt"], fmt)).decode()}
                for _ in range(n)]
        usage = {"input_tokens": 20, "output_tokens": 1056 * n, "total_tokens": 20 + 1056 * n,
                 "input_tokens_details": {"text_tokens": 20, "image_tokens": 0}}
        return JSONResponse({"created": int(time.time()), "data": data, "usage": usage})

    # -- Gemini API Imagen --------------------------------------------------------------------------------
    async def _imagen(self, request: Request) -> Response:
        body = await request.json()
        self._keep(request, json=body)
        model, _, method = request.path_params["target"].partition(":")
        if method != "predict":
            return _google(404, f"models/{model} is not found for API version v1beta, or is not supported "
                                f"for {method}.")
        if request.headers.get("x-goog-api-key") != self.key:
            return _google(400, "API key not valid. Please pass a valid API key.")
        params = body.get("parameters") or {}
        count = int(params.get("sampleCount", 4))
        ratio = str(params.get("aspectRatio", "1:1"))
        if not 1 <= count <= 4:
            return _google(400, "sampleCount must be between 1 and 4.")
        if ratio not in IMAGEN_SIZES:
            return _google(400, f"Unsupported aspect ratio: {ratio}. Supported: 1:1, 3:4, 4:3, 9:16, 16:9.")
        prompt = str(body["instances"][0]["prompt"])
        width, height = IMAGEN_SIZES[ratio]
        predictions = [{"bytesBase64Encoded": base64.b64encode(self._image(width, height, prompt)).decode(),
                        "mimeType": "image/png"} for _ in range(count)]
        return JSONResponse({"predictions": predictions})

    # -- Stability AI -------------------------------------------------------------------------------------
    async def _stability(self, request: Request) -> Response:
        fields: dict[str, str] = {}
        async with request.form() as form:
            for name, value in form.multi_items():
                if not isinstance(value, UploadFile):
                    fields[name] = value
        self._keep(request, form=fields)
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return _stability_error(401, "unauthorized", "Incorrect API key provided")
        if request.headers.get("accept") not in ("application/json", "image/*"):
            return _stability_error(400, "bad_request", "accept: must be application/json or image/*")
        ratio = fields.get("aspect_ratio", "1:1")
        if ratio not in SD3_SIZES:
            return _stability_error(400, "bad_request", f"aspect_ratio: must be one of {', '.join(SD3_SIZES)}")
        seed = int(fields.get("seed", "0"))
        if not 0 <= seed <= 4294967294:
            return _stability_error(400, "bad_request", "seed: must be between 0 and 4294967294")
        fmt = fields.get("output_format", "png")
        if fmt not in ("png", "jpeg"):
            return _stability_error(400, "bad_request", "output_format: must be png or jpeg for sd3")
        width, height = SD3_SIZES[ratio]
        data = self._image(width, height, f"{fields.get('prompt', '')}/{seed}", "PNG" if fmt == "png" else "JPEG")
        return JSONResponse({"image": base64.b64encode(data).decode(), "finish_reason": "SUCCESS",
                             "seed": seed or 1_234_567})

    # -- fal ----------------------------------------------------------------------------------------------
    async def _fal(self, request: Request) -> Response:
        body = await request.json()
        self._keep(request, json=body)
        if request.headers.get("authorization") != f"Key {self.key}":
            return JSONResponse({"detail": "Unauthorized: invalid or missing key"}, status_code=401)
        n = int(body.get("num_images", 1))
        if not 1 <= n <= 4:
            return _fal_invalid("num_images", "ensure this value is less than or equal to 4")
        size = body.get("image_size", "landscape_4_3")
        if isinstance(size, dict):
            width, height = int(size["width"]), int(size["height"])
        elif size in FAL_PRESETS:
            width, height = FAL_PRESETS[size]
        else:
            return _fal_invalid("image_size", f"unexpected value; permitted: {', '.join(FAL_PRESETS)}")
        seed = int(body.get("seed", 987_654))
        images = []
        for _ in range(n):
            name = f"{next(self._serial)}.png"
            self._files[name] = self._image(width, height, f"{body.get('prompt', '')}/{seed}")
            images.append({"url": f"{self.root}/files/{name}", "width": width, "height": height,
                           "content_type": "image/png"})
        return JSONResponse({"images": images, "timings": {"inference": 0.41}, "seed": seed,
                             "has_nsfw_concepts": [False] * n, "prompt": body.get("prompt", "")})

    async def _file(self, request: Request) -> Response:
        data = self._files.get(request.path_params["name"])
        return Response(data, media_type="image/png") if data is not None else Response(status_code=404)


def _google(status: int, message: str) -> JSONResponse:
    names = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
    return JSONResponse({"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN")}},
                        status_code=status)


def _stability_error(status: int, name: str, message: str) -> JSONResponse:
    return JSONResponse({"id": "a1b2c3", "name": name, "errors": [message]}, status_code=status)


def _fal_invalid(field: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": ["body", field], "msg": message, "type": "value_error"}]},
                        status_code=422)
