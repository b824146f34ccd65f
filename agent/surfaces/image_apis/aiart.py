"""AiArt (seed 002): text-to-image (`POST /api/generate`, JSON) and image-to-image (`POST /api/img2img`,
multipart), in AiArt's shapes: `{"success": true, "message", "image_url", "seed"}`, errors `{"error": …}`.

AiArt itself takes no key; Easel does (every image belongs to an account's Space), as AiArt says it will.
`seed` 0 means random, as AiArt's does; the seed actually used comes back. Uploads follow AiArt's
limits: JPG, PNG or WebP (415 otherwise), at most 10 MB (413).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from easel.agent.surfaces.image_apis.common import (
    MB,
    PHOTO_IMAGES,
    form_files,
    generate,
    max_upload,
    read_form,
    runtime,
    small_json,
    store_source,
    with_notes,
)
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.records import Principal
from easel.spaces.web import absolute
from easel.tools.image_gen import Created
from easel.tools.video_gen import VideoRequest

ERROR_PATHS = ("/api/generate", "/api/img2img", "/api/img2video")
STYLES = ("3d-model", "analog-film", "anime", "cinematic", "digital-art", "enhance", "fantasy-art",
          "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami", "photographic",
          "pixel-art", "tile-texture")
RATIOS = ("1:1", "4:3", "16:9", "9:16", "3:4")
FORMATS = ("png", "jpg", "webp")
MAX_IMAGE_BYTES = 10 * MB
MAX_PROMPT = 4000  # AiArt states none; this is what `image_gen` takes


def error_shape(exc: EaselError) -> dict[str, Any]:
    """AiArt's `{"error": message}`, with our machine-readable code beside it."""
    return {"success": False, "error": exc.message, "code": exc.code}


def _bad(message: str, param: str, code: str = "invalid_request") -> EaselError:
    return EaselError(400, code, message, param=param)


def _prompt(value: Any, name: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _bad(f"{name} is required", name, "missing_prompt")
    if not isinstance(value, str):
        raise _bad(f"{name} must be a string", name, "invalid_prompt")
    if len(value) > MAX_PROMPT:
        raise _bad(f"{name} is {len(value)} characters; the limit is {MAX_PROMPT}", name, "invalid_prompt")
    return value


def _choice(fields: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        code = "invalid_size" if name == "aspect_ratio" else "invalid_request"
        raise _bad(f"Invalid {name} {value!r}; available options: {', '.join(allowed)}", name, code)
    return str(value)


def _number(fields: dict[str, Any], name: str, lo: float, hi: float, *, integer: bool) -> float | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value) if integer else float(value)
    except (TypeError, ValueError, OverflowError):
        raise _bad(f"{name} must be {'an integer' if integer else 'a number'}", name) from None
    if not lo <= number <= hi:
        raise _bad(f"{name} must be between {lo:g} and {hi:g}", name)
    return number


def _args(fields: dict[str, Any], prompt: str, *, ratio_default: str) -> dict[str, Any]:
    """The parameters both endpoints share, as `image_gen`'s arguments."""
    negative = fields.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > 2000):
        raise _bad("negative_prompt must be a string of at most 2000 characters", "negative_prompt")
    seed = _number(fields, "seed", 0, 2**32 - 1, integer=True)
    args: dict[str, Any] = {
        "prompt": prompt, "aspect_ratio": _choice(fields, "aspect_ratio", RATIOS, ratio_default),
        "output_format": _choice(fields, "output_format", FORMATS, "png"),
        "style": _choice(fields, "style_preset", STYLES, None), "negative_prompt": negative or None,
        "seed": int(seed) if seed else None,  # 0: a random seed, as AiArt's
    }
    return {k: v for k, v in args.items() if v is not None}


def _reply(request: Request, created: Created, message: str) -> JSONResponse:
    first = created.files[0]
    return JSONResponse({
        "success": True, "message": with_notes(message, created),
        "image_url": absolute(request, runtime(request).space.signed_path(first)),
        "seed": first.metadata.get("seed"), "file_id": first.id})


async def generate_image(request: Request) -> Response:
    principal = await authenticate(request)
    body = await small_json(request)
    # The field is `video_description` in AiArt's text-to-image API; `prompt` (as in img2img) is taken too.
    name = "video_description" if "video_description" in body else "prompt"
    args = _args(body, _prompt(body.get(name), "video_description"), ratio_default="16:9")
    created = await generate(request, principal, args, api="aiart", workspace_id=_workspace(body))
    return _reply(request, created, "Image generated successfully")


def _workspace(fields: dict[str, Any]) -> str | None:
    value = fields.get("workspace_id")
    if value is not None and not isinstance(value, str):
        raise _bad("workspace_id must be a string", "workspace_id")
    return value or None


async def _transform(request: Request, principal: Principal, form: FormData) -> Created:
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    images = form_files(form, "image")
    if len(images) != 1:
        raise _bad("Send exactly one image file in the form field 'image'", "image")
    args = _args(fields, _prompt(fields.get("prompt"), "prompt"), ratio_default="1:1")
    strength = _number(fields, "strength", 0, 1, integer=False)
    args["strength"] = 0.7 if strength is None else strength
    return await generate(request, principal, args, api="aiart",
                          workspace_id=_workspace(fields), sources=images, accept=PHOTO_IMAGES)


async def img2img(request: Request) -> Response:
    principal = await authenticate(request)  # before reading a body of up to 10 MB
    limit = min(MAX_IMAGE_BYTES, max_upload(request))
    form = await read_form(request, max_files=1, max_file_bytes=limit)
    try:
        created = await _transform(request, principal, form)
    finally:
        await form.close()
    return _reply(request, created, "Image transformed successfully")


async def img2video(request: Request) -> Response:
    """AiArt's asynchronous image-to-video: the image is kept in the Space, a video job starts, its id
    comes back at once; `img2video_result` answers the polls."""
    principal = await authenticate(request)
    limit = min(MAX_IMAGE_BYTES, max_upload(request))
    form = await read_form(request, max_files=1, max_file_bytes=limit)
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        images = form_files(form, "image")
        if len(images) != 1:
            raise _bad("Send exactly one image file in the form field 'image'", "image")
        seed = _number(fields, "seed", 0, 2**32 - 1, integer=True)
        cfg = _number(fields, "cfg_scale", 0, 10, integer=False)
        motion = _number(fields, "motion_bucket_id", 1, 255, integer=True)
        prompt = fields.get("prompt") or "Animate this image"
        rt = runtime(request)
        workspace = await rt.space.workspace(principal, _workspace(fields))
        still = await store_source(rt.space, workspace, images[0], max_bytes=limit, accept=PHOTO_IMAGES)
        job = await rt.videos.start(principal, workspace, VideoRequest(
            prompt=_prompt(prompt, "prompt"), seed=int(seed) if seed else None,  # 0: a random seed, as AiArt's
            cfg_scale=1.5 if cfg is None else cfg, motion_bucket_id=127 if motion is None else int(motion),
            source=still), api="aiart")
    finally:
        await form.close()
    return JSONResponse({"id": job.id, "message": "Video generation started. Poll for results using the returned ID."})


async def img2video_result(request: Request) -> Response:
    """202 while the job runs; 200 with a path to the video on this server (signed: it plays with no key)
    once done; the job's reason, in AiArt's error shape, if it failed or was cancelled."""
    principal = await authenticate(request)
    rt = runtime(request)
    job = await rt.space.video_job(principal, request.path_params["id"])
    if not job.finished:
        return JSONResponse({"status": "in-progress", "progress": job.progress,
                             "message": "Video generation is still in progress. Try again in a few seconds."},
                            status_code=202)
    if job.status != "completed" or job.file_id is None:
        code = "cancelled" if job.status == "cancelled" else job.params.get("error_code") or "generation_failed"
        raise EaselError(422, code, job.error or f"The video was {job.status}")
    video = await rt.space.account_file(principal, job.file_id)
    return JSONResponse({"video_url": rt.space.signed_path(video), "finish_reason": "SUCCESS",
                         "seed": job.params.get("seed"), "file_id": video.id})


routes: list[BaseRoute] = [
    Route("/api/generate", generate_image, methods=["POST"]),
    Route("/api/img2img", img2img, methods=["POST"]),
    Route("/api/img2video", img2video, methods=["POST"]),
    Route("/api/img2video/result/{id}", img2video_result, methods=["GET"]),
]
