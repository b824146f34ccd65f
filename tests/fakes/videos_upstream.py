"""A fake OpenAI-compatible videos upstream (Sora's API), served over real HTTP on 127.0.0.1.

Tests point Easel's video engine at `up.base_url` and then assert on `up.requests` (what reached the wire after
litellm's mapping) and `up.timeline(id)` (every state the upstream served for a video, in order). Behaviour
follows OpenAI's videos API where a client can tell:

- `POST /v1/videos` (multipart: `model`, `prompt`, `seconds`, `size`, optional `input_reference` file) answers a
  video object with status `queued`; `seconds` must be 4, 8 or 12 and `size` one of Sora's four, and a reference
  image must be exactly the requested size (400 otherwise, as OpenAI does);
- `GET /v1/videos/{id}` moves it on one step per poll: `in_progress` at 40 %, at 80 %, then `completed` at 100
  (or `failed` with an `error` object, when scripted);
- `GET /v1/videos/{id}/content` answers a real H.264 MP4 of the asked size and length (8 frames a second, so tests
  stay quick) and `?variant=thumbnail` a WebP of its first frame; both are 404 until the video is completed.

Scripting: `fail_next(429, retry_after=0)` queues one-off HTTP errors (on any route), `fail_always(500)` fails
every request until `clear_failures()`; `fail_video(message, code)` makes the next created video end `failed`;
`hold()` keeps videos `in_progress` at 50 % until `release()`; `thumbnails=False` answers 404 for thumbnails.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.images_upstream import RecordedFile, RecordedRequest

_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key"})
SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")
SECONDS = ("4", "8", "12")
FPS = 8
STEPS = (("in_progress", 40), ("in_progress", 80), ("completed", 100))


@dataclass(frozen=True)
class _Failure:
    status: int
    message: str
    retry_after: float | None


@dataclass
class _Video:
    id: str
    model: str
    prompt: str
    seconds: str
    size: str
    created_at: int
    step: int = -1  # -1: queued; then an index into STEPS
    error: dict[str, Any] | None = None  # the scripted failure this video ends with
    served: list[tuple[str, int]] = field(default_factory=list)

    def state(self) -> tuple[str, int]:
        return ("queued", 0) if self.step < 0 else STEPS[self.step]


class FakeVideosUpstream:
    """`with FakeVideosUpstream() as up:` starts the server; `up.base_url` ends in `/v1`."""

    def __init__(self, *, thumbnails: bool = True) -> None:
        self.thumbnails = thumbnails
        self.requests: list[RecordedRequest] = []
        self.videos: dict[str, _Video] = {}
        self._lock = threading.Lock()
        self._queued: deque[_Failure] = deque()
        self._persistent: _Failure | None = None
        self._failing_videos: deque[dict[str, Any]] = deque()
        self._held = threading.Event()
        self.polled_while_held = threading.Event()  # set when a poll was answered "held"
        self._counter = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---- scripting -------------------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1, retry_after: float | None = None,
                  message: str | None = None) -> None:
        with self._lock:
            self._queued.extend([_Failure(status, message or f"Scripted failure {status}", retry_after)] * times)

    def fail_always(self, status: int, *, retry_after: float | None = None, message: str | None = None) -> None:
        with self._lock:
            self._persistent = _Failure(status, message or f"Scripted failure {status}", retry_after)

    def clear_failures(self) -> None:
        with self._lock:
            self._queued.clear()
            self._persistent = None

    def fail_video(self, message: str, code: str = "moderation_blocked") -> None:
        """The next video created ends `failed` with this error instead of `completed`."""
        with self._lock:
            self._failing_videos.append({"code": code, "message": message})

    def hold(self) -> None:
        self.polled_while_held.clear()
        self._held.set()

    def release(self) -> None:
        self._held.clear()

    def timeline(self, video_id: str) -> list[str]:
        """The statuses served for a video, in order, from its creation on (repeats of a held state folded)."""
        with self._lock:
            served = [status for status, _ in self.videos[video_id].served]
        return [s for i, s in enumerate(served) if i == 0 or s != served[i - 1]]

    def video_id(self, prompt: str) -> str | None:
        """The id of the video made from this prompt, or None while there is none."""
        with self._lock:
            return next((v.id for v in self.videos.values() if v.prompt == prompt), None)

    def paths(self) -> list[str]:
        """Method, path and query of every request, in order."""
        with self._lock:
            return [f"{r.method} {r.path}" for r in self.requests]

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeVideosUpstream:
        app = Starlette(routes=[
            Route("/v1/videos", self._create, methods=["POST"]),
            Route("/v1/videos/{video_id}", self._retrieve, methods=["GET"]),
            Route("/v1/videos/{video_id}/content", self._content, methods=["GET"]),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", loop="asyncio")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-videos-upstream", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake videos upstream did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- handlers --------------------------------------------------------------------------------

    async def _create(self, request: Request) -> Response:
        form: dict[str, list[str]] = {}
        files: list[RecordedFile] = []
        async with request.form(max_files=4, max_fields=32) as parsed:
            for name, value in parsed.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    files.append(RecordedFile(name, value.filename or "", value.content_type or "", len(data), data))
                else:
                    form.setdefault(name, []).append(value)
        self._record(request, form=form, files=tuple(files))
        if (failure := self._take_failure()) is not None:
            return _failure(failure)
        params = {k: v[0] for k, v in form.items()}
        if not params.get("prompt") or not params.get("model"):
            return _error(400, "Missing required parameter: 'prompt' and 'model' are required.", "prompt")
        seconds, size = params.get("seconds", "4"), params.get("size", "720x1280")
        if seconds not in SECONDS:
            return _error(400, f"Invalid value: '{seconds}'. Supported values are: '4', '8', and '12'.", "seconds")
        if size not in SIZES:
            return _error(400, f"Invalid value: '{size}'. Supported values are: {', '.join(SIZES)}.", "size")
        for ref in files:
            try:
                with Image.open(io.BytesIO(ref.data)) as img:
                    got = f"{img.width}x{img.height}"
            except Exception:
                return _error(400, "Invalid input_reference: the file is not an image.", "input_reference")
            if got != size:
                return _error(400, f"Inpaint image must match the requested width and height ({got} != {size}).",
                              "input_reference")
        with self._lock:
            digest = hashlib.sha256(params["prompt"].encode()).hexdigest()[:8]
            video = _Video(id=f"video_{next(self._counter):04d}{digest}",
                           model=params["model"], prompt=params["prompt"], seconds=seconds, size=size,
                           created_at=int(time.time()))
            if self._failing_videos:
                video.error = self._failing_videos.popleft()
            self.videos[video.id] = video
        return JSONResponse(self._serve(video))

    async def _retrieve(self, request: Request) -> Response:
        self._record(request)
        if (failure := self._take_failure()) is not None:
            return _failure(failure)
        video = self.videos.get(request.path_params["video_id"])
        if video is None:
            return _error(404, "Video not found.", "video_id", status_type="invalid_request_error")
        with self._lock:
            if self._held.is_set() and video.state()[0] in ("queued", "in_progress"):
                video.step = max(video.step, 0)
                video.served.append(("in_progress", 50))
                body = self._object(video, "in_progress", 50)
                held = True
            else:
                held = False
                if video.state()[0] not in ("completed", "failed"):
                    video.step += 1
        if held:
            self.polled_while_held.set()
            return JSONResponse(body)
        return JSONResponse(self._serve(video))

    async def _content(self, request: Request) -> Response:
        self._record(request)
        if (failure := self._take_failure()) is not None:
            return _failure(failure)
        video = self.videos.get(request.path_params["video_id"])
        if video is None or video.state()[0] != "completed" or video.error is not None:
            return _error(404, "Video is not ready.", "video_id")
        variant = request.query_params.get("variant", "video")
        w, h = (int(p) for p in video.size.split("x"))
        if variant == "thumbnail":
            if not self.thumbnails:
                return _error(404, "No thumbnail for this video.", "variant")
            out = io.BytesIO()
            Image.fromarray(_frame(video.id, 0, w, h)).save(out, "WEBP")
            return Response(out.getvalue(), media_type="image/webp")
        if variant != "video":
            return _error(400, f"Invalid variant {variant!r}.", "variant")
        data = await asyncio.to_thread(_mp4, video.id, w, h, int(video.seconds) * FPS)
        return Response(data, media_type="video/mp4")

    # ---- helpers ---------------------------------------------------------------------------------

    def _serve(self, video: _Video) -> dict[str, Any]:
        status, progress = video.state()
        if status == "completed" and video.error is not None:
            status, progress = "failed", 80
        with self._lock:
            video.served.append((status, progress))
        return self._object(video, status, progress)

    def _object(self, video: _Video, status: str, progress: int) -> dict[str, Any]:
        return {"id": video.id, "object": "video", "model": video.model, "status": status, "progress": progress,
                "created_at": video.created_at, "completed_at": int(time.time()) if status == "completed" else None,
                "expires_at": None, "prompt": video.prompt, "remixed_from_video_id": None,
                "seconds": video.seconds, "size": video.size,
                "error": video.error if status == "failed" else None}

    def _record(self, request: Request, **parts: Any) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        recorded = RecordedRequest(method=request.method, path=path,
                                   headers={k: v for k, v in headers.items() if k not in _SECRET_HEADERS},
                                   authorized=any(k in headers for k in _SECRET_HEADERS), **parts)
        with self._lock:
            self.requests.append(recorded)

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
            return self._persistent


def _frame(video_id: str, index: int, w: int, h: int) -> np.ndarray:
    """A gradient whose colours come from the video's id, sliding one step a frame: a clip that really moves."""
    seed = hashlib.sha256(video_id.encode()).digest()
    x = (np.arange(w, dtype=np.int32)[None, :] + index * 16) % 256
    y = np.arange(h, dtype=np.int32)[:, None] * 255 // max(1, h - 1)
    frame = np.empty((h, w, 3), np.uint8)
    frame[..., 0] = (x + seed[0]) % 256
    frame[..., 1] = (y + seed[1]) % 256
    frame[..., 2] = seed[2]
    return frame


def _mp4(video_id: str, w: int, h: int, frames: int) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "35"}
        for i in range(frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(_frame(video_id, i, w, h), format="rgb24")))
        container.mux(stream.encode(None))
    return out.getvalue()


def _failure(failure: _Failure) -> JSONResponse:
    headers = {} if failure.retry_after is None else {"Retry-After": f"{failure.retry_after:g}"}
    kind = "rate_limit_exceeded" if failure.status == 429 else (
        "server_error" if failure.status >= 500 else "invalid_request_error")
    return JSONResponse({"error": {"message": failure.message, "type": kind, "param": None, "code": None}},
                        status_code=failure.status, headers=headers)


def _error(status: int, message: str, param: str | None, status_type: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": status_type, "param": param, "code": None}},
                        status_code=status)
