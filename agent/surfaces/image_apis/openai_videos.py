"""OpenAI's videos API: `POST /v1/videos`, `GET /v1/videos/{id}`, `GET /v1/videos/{id}/content`,
`GET /v1/videos`, `DELETE /v1/videos/{id}`, so the `openai` SDK's `videos.create_and_poll` and
`download_content` work unchanged.

Videos are the Space's asynchronous jobs (`tools.video_gen`); the model names OpenAI's clients send (`sora-2`,
...) mean the configured video engine, and the lengths and sizes taken are that engine's. The offline animator
makes 2-8 s clips up to 1280x720 (or 720x1280): OpenAI's 12 s and 1792-pixel sizes are refused by name rather
than quietly shortened; with `EASEL_VIDEO_MODEL=openai/sora-2` they are Sora's own. A cancelled job reads as
`failed` with the code `cancelled`, the one state OpenAI's model lacks; a failed one carries the code of what
failed (`generation_failed`, `rate_limited`, `upstream_error`, ...).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from easel.agent.surfaces.image_apis.common import (
    PHOTO_IMAGES,
    form_files,
    max_upload,
    read_form,
    runtime,
    small_json,
    store_source,
)
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.records import VideoJob
from easel.spaces.routes import content_response
from easel.spaces.web import openai_shape, query_int
from easel.tools.video_gen import VideoRequest

ERROR_PATHS = ("/v1/videos",)
error_shape = openai_shape
MODELS = ("sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-pro-2025-10-06", "sora-2-2025-12-08")
OPENAI_SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")
FIELDS = frozenset({"prompt", "model", "seconds", "size", "input_reference", "workspace_id", "seed"})


def _bad(message: str, param: str, code: str = "invalid_request") -> EaselError:
    return EaselError(400, code, message, param=param)


def _epoch(iso: str | None) -> int | None:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()) if iso else None


def video_object(job: VideoJob, requested_model: str | None = None) -> dict[str, Any]:
    p = job.params
    status = "failed" if job.status == "cancelled" else job.status
    error = None
    if job.status in ("failed", "cancelled"):
        error = {"code": "cancelled" if job.status == "cancelled" else p.get("error_code") or "generation_failed",
                 "message": job.error or "The video could not be made"}
    return {
        "id": job.id, "object": "video", "created_at": _epoch(job.created_at),
        "completed_at": _epoch(job.updated_at) if job.finished else None, "expires_at": None,
        "model": p.get("requested_model") or requested_model or job.model, "progress": job.progress,
        "prompt": job.prompt, "remixed_from_video_id": None, "seconds": str(p.get("seconds")),
        "size": f"{p.get('width') or 720}x{p.get('height') or 1280}", "status": status, "error": error,
    }


def _parse(fields: dict[str, Any], rt: Any) -> tuple[VideoRequest, str | None]:
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        raise _bad(f"Unrecognized request argument supplied: {unknown[0]}", unknown[0])
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 4000:
        raise _bad("'prompt' must be a non-empty string of at most 4000 characters", "prompt")
    engine = rt.videos.engine
    model = fields.get("model")
    if model is not None and model not in (*MODELS, engine.model, engine.model.rsplit("/", 1)[-1]):
        raise EaselError(400, "invalid_model", f"Model {model!r} is not available here; this server makes videos "
                         f"with {engine.model}. Accepted names: {', '.join(MODELS)}", param="model")
    lengths = engine.limits.seconds
    seconds = str(fields.get("seconds") or ("4" if 4 in lengths else lengths[0]))
    if not seconds.isdigit() or int(seconds) not in lengths:
        span = (f"{lengths[0]} to {lengths[-1]}" if lengths == tuple(range(lengths[0], lengths[-1] + 1))
                else ", ".join(map(str, lengths)))
        raise _bad(f"This server's video engine ({engine.model}) makes clips of {span} seconds; {seconds!r} was "
                   "asked", "seconds")
    size = str(fields.get("size") or "720x1280")
    width, height = _size(size, engine.limits.sizes)
    seed = fields.get("seed")
    try:
        seed = None if seed in (None, "") else int(seed)
    except (TypeError, ValueError):
        raise _bad("'seed' must be an integer", "seed") from None
    if seed is not None and not 0 <= seed < 2**31:
        raise _bad("'seed' must be from 0 to 2147483647", "seed")
    return VideoRequest(prompt=prompt, seconds=int(seconds), width=width, height=height, seed=seed), model


def _size(size: str, sizes: tuple[tuple[int, int], ...] | None) -> tuple[int, int]:
    names = [f"{w}x{h}" for w, h in sizes or ()]
    try:
        width, height = (int(part) for part in size.split("x", 1))
    except ValueError:
        width = height = 0
    if sizes is None and 64 <= width <= 4096 and 64 <= height <= 4096:
        return width, height  # the provider refuses, in its words, what it does not make
    if (width, height) not in (sizes or ()):
        larger = " (larger than this engine makes)" if size in OPENAI_SIZES and sizes is not None and all(
            width * height > w * h for w, h in sizes) else ""
        hint = f"; use one of: {', '.join(names)}" if names else "; use WIDTHxHEIGHT"
        raise _bad(f"Size {size[:40]!r} is not available{larger}{hint}", "size")
    return width, height


async def create(request: Request) -> Response:
    principal = await authenticate(request)
    rt = runtime(request)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await read_form(request, max_files=1, max_file_bytes=max_upload(request))
    else:
        form = None
    try:
        fields: dict[str, Any] = ({k: v for k, v in form.multi_items() if isinstance(v, str)} if form is not None
                                  else await small_json(request))
        references = form_files(form, "input_reference") if form is not None else []
        if references:
            fields["input_reference"] = "(file)"
        video, model = _parse(fields, rt)
        workspace = await rt.space.workspace(principal, fields.get("workspace_id")
                                             or request.headers.get("x-easel-workspace"))
        if references:
            video = dataclasses.replace(video, source=await store_source(
                rt.space, workspace, references[0], max_bytes=max_upload(request), accept=PHOTO_IMAGES))
        job = await rt.videos.start(principal, workspace, video, api="openai", requested_model=model)
    finally:
        if form is not None:
            await form.close()
    return JSONResponse(video_object(job))


async def retrieve(request: Request) -> Response:
    principal = await authenticate(request)
    job = await runtime(request).space.video_job(principal, request.path_params["video_id"])
    headers = {} if job.finished else {"openai-poll-after-ms": "500"}
    return JSONResponse(video_object(job), headers=headers)


async def content(request: Request) -> Response:
    principal = await authenticate(request)
    space = runtime(request).space
    job = await space.video_job(principal, request.path_params["video_id"])
    variant = request.query_params.get("variant", "video")
    if variant not in ("video", "thumbnail"):
        raise _bad(f"Variant {variant!r} is not available; use video or thumbnail", "variant")
    if job.status != "completed":
        raise EaselError(409, "invalid_request", f"The video is {job.status}; its content is there once it is "
                         "completed")
    file_id = job.file_id if variant == "video" else job.poster_file_id
    if file_id is None:
        raise EaselError(404, "not_found", "The video's file is gone")
    return await content_response(request, space, await space.account_file(principal, file_id))


async def list_videos(request: Request) -> Response:
    principal = await authenticate(request)
    limit = query_int(request, "limit", default=20, lo=1, hi=100)
    after = request.query_params.get("after")
    jobs = await runtime(request).space.video_jobs(principal, limit=limit + 1, after=after)
    page = jobs[:limit]
    return JSONResponse({"object": "list", "data": [video_object(j) for j in page],
                         "first_id": page[0].id if page else None, "last_id": page[-1].id if page else None,
                         "has_more": len(jobs) > limit})


async def delete(request: Request) -> Response:
    """A finished video's record goes; its files stay in the Space. A running one is cancelled first."""
    principal = await authenticate(request)
    rt = runtime(request)
    job = await rt.space.video_job(principal, request.path_params["video_id"])
    if not job.finished:
        await rt.videos.cancel(job)
        for _ in range(50):  # its runner, in whichever process, stops at its next frame; the row says when
            job = await rt.space.video_job(principal, job.id)
            if job.finished:
                break
            await asyncio.sleep(0.1)
    deleted = await rt.space.delete_video_job(job)
    return JSONResponse({"id": job.id, "object": "video.deleted", "deleted": deleted})


routes: list[BaseRoute] = [
    Route("/v1/videos", create, methods=["POST"]),
    Route("/v1/videos", list_videos, methods=["GET"]),
    Route("/v1/videos/{video_id}", retrieve, methods=["GET"]),
    Route("/v1/videos/{video_id}", delete, methods=["DELETE"]),
    Route("/v1/videos/{video_id}/content", content, methods=["GET"]),
]
