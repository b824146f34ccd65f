"""OpenAI's Images API: `POST /v1/images/generations`, `POST /v1/images/edits` and
`POST /v1/images/variations`.

As OpenAI does, images come back as base64 by default for GPT image models (`gpt-image-*`) and as URLs
for DALL·E and when no model is named; `response_format` chooses either way. Replies carry OpenAI's
`usage` (the provider's tokens where the painter reports them; otherwise the prompt's text tokens,
estimated at four characters a token, and no image tokens) and, for GPT image models, the `size`,
`quality`, `output_format` and `background` used.

With `"stream": true` (generations and edits) the reply is OpenAI's image stream: up to `partial_images`
(0-3) `image_generation.partial_image` events (`image_edit.partial_image` for edits), then one
`image_generation.completed` (`image_edit.completed`) per image, each `event: <type>` and `data: <json>`.
Partial images are real intermediate states of the painter's work, sent as they are painted (see
`tools/engines/offline/stages.py`); a painter with none to show (litellm's, or an edit of a single change)
sends the completed events only, which OpenAI's reference allows ("fewer partial images may be sent").
Nothing is sent until the first image event is ready, so a request that fails before then gets an ordinary
JSON error with its status; a failure after that ends the stream with an `error` event in OpenAI's shape.

The same path is ZarkAI's direct images endpoint (`{"prompt", "workspace_id", "aspect_ratio"}` → `file_id`,
`name`, `mime_type`): a body that names a `workspace_id` gets those fields too, beside OpenAI's `created`
and `data`. MKA1's endpoint (`mka1.py`) is this surface with narrower rules, so `serve_generation` serves
both, each with its `Rules`. Every image made is saved in the Space; `url` is its signed link.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from easel.agent.runtime import Runtime
from easel.agent.surfaces.idempotency import refuse_streaming
from easel.agent.surfaces.image_apis.common import (
    OPENAI_MODELS,
    PHOTO_IMAGES,
    Incoming,
    accept_model,
    decode_base64,
    form_files,
    generate,
    json_with_images,
    max_upload,
    read_form,
    runtime,
    small_json,
    with_end_user,
)
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord, Principal
from easel.spaces.web import absolute, openai_shape
from easel.tools.engines.base import OnPartial, PartialImage
from easel.tools.image_args import ArgumentError, parse_size, ratio_size
from easel.tools.image_gen import Created

log = logging.getLogger("easel.images")

# Every error under /v1/images/ is OpenAI's, 405 and 404 included, except on Zekron's image tokens
# (`/v1/images/gen-…`, `zekron.py`), whose longer prefix wins.
ERROR_PATHS = ("/v1/images/",)
error_shape = openai_shape

MAX_PROMPT = 4000  # what `image_gen` takes; OpenAI's own limits (1000 to 32000) depend on the model
MAX_EDIT_IMAGES = 16  # OpenAI's limit for GPT image models; an engine may take fewer (then 400)
QUALITIES = ("auto", "low", "medium", "high", "standard", "hd")
COMMON_FIELDS = frozenset({
    "prompt", "model", "n", "quality", "response_format", "size", "user", "output_format", "background",
    "stream", "workspace_id", "seed", "negative_prompt", "moderation", "output_compression", "partial_images"})


@dataclass(frozen=True)
class Rules:
    """What one OpenAI-shaped surface accepts."""

    api: str  # recorded with the usage
    fields: frozenset[str]
    max_prompt: int = MAX_PROMPT
    models: tuple[str, ...] = OPENAI_MODELS
    sizes: tuple[str, ...] | None = None  # None: any WIDTHxHEIGHT the engines take, a preset, or "auto"
    styles: tuple[str, ...] | None = None  # None: any described style
    qualities: tuple[str, ...] = QUALITIES


GENERATIONS = Rules(api="openai", fields=COMMON_FIELDS | {"style", "aspect_ratio"})
EDITS = Rules(api="openai",
              fields=COMMON_FIELDS | {"strength", "images", "file_ids", "mask", "image", "image[]",
                                      "input_fidelity"})
VARIATIONS = Rules(api="openai", fields=frozenset({"prompt", "model", "n", "response_format", "size", "user",
                                                   "image", "workspace_id", "seed"}))
VARIATION_PROMPT = "A variation of this image"


@dataclass(frozen=True)
class Parsed:
    args: dict[str, Any]  # `image_gen`'s arguments
    response_format: str
    workspace_id: str | None
    user: str | None
    gpt_image: bool = False  # a GPT image model was named: its reply fields too
    stream: bool = False
    partial_images: int = 0


def gpt_image_model(model: Any) -> bool:
    return isinstance(model, str) and model.startswith("gpt-image")


def _bad(message: str, param: str, code: str = "invalid_request") -> EaselError:
    return EaselError(400, code, message, param=param)


def _text(body: Mapping[str, Any], name: str, *, limit: int = 2000) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(f"'{name}' must be a string of at most {limit} characters", name)
    return value


def _choice(body: Mapping[str, Any], name: str, allowed: tuple[str, ...],
            code: str = "invalid_request") -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise _bad(f"Invalid value for '{name}': {value!r}. Supported values are: {', '.join(allowed)}",
                   name, code)
    return str(value)


def _number(body: Mapping[str, Any], name: str, lo: float, hi: float, *, integer: bool) -> float | None:
    """JSON numbers, or the strings a multipart form carries; booleans are not numbers here."""
    value = body.get(name)
    if value is None:
        return None
    kind = "an integer" if integer else "a number"
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        number = int(value) if integer else float(value)
        if integer and isinstance(value, float) and value != number:
            raise ValueError
    except (ValueError, OverflowError):  # OverflowError: int() of an infinite float
        raise _bad(f"'{name}' must be {kind}", name) from None
    if not lo <= number <= hi:
        raise _bad(f"Invalid '{name}': {value}. Expected {kind} from {lo:g} to {hi:g}", name)
    return number


def _prompt(body: Mapping[str, Any], limit: int) -> str:
    value = body.get("prompt")
    if value is None:
        raise _bad("Missing required parameter: 'prompt'", "prompt", "missing_prompt")
    if not isinstance(value, str) or not value.strip():
        raise _bad("'prompt' must be a non-empty string", "prompt", "invalid_prompt")
    if len(value) > limit:
        raise _bad(f"'prompt' is {len(value)} characters; the limit is {limit}", "prompt", "invalid_prompt")
    return value


def _size(body: Mapping[str, Any], rules: Rules) -> dict[str, str]:
    if rules.sizes is not None:
        size = _choice(body, "size", rules.sizes, "invalid_size")
        return {"size": size} if size and size != "auto" else {}
    size, ratio = _text(body, "size", limit=20), _text(body, "aspect_ratio", limit=20)
    try:
        if size and size.strip().lower() != "auto":
            parse_size(size)
            return {"size": size}
        if ratio:
            ratio_size(ratio)
            return {"aspect_ratio": ratio}
    except ArgumentError as exc:
        raise _bad(str(exc), "size" if size else "aspect_ratio", "invalid_size") from None
    return {}


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name)
    if value in (None, False, "false", "False", "0"):
        return False
    if value in (True, "true", "True", "1"):
        return True
    raise _bad(f"'{name}' must be a boolean", name)


def parse(body: Mapping[str, Any], rules: Rules, rt: Runtime) -> Parsed:
    """OpenAI's request fields, checked in OpenAI's terms, turned into `image_gen`'s arguments."""
    unknown = sorted(set(body) - rules.fields)
    if unknown:
        raise _bad(f"Unrecognized request argument supplied: {unknown[0]}", unknown[0])
    stream = _flag(body, "stream")
    accept_model(body.get("model"), rt=rt, aliases=rules.models)
    args: dict[str, Any] = {"prompt": _prompt(body, rules.max_prompt), **_size(body, rules)}
    optional: dict[str, Any] = {
        "n": _number(body, "n", 1, 10, integer=True),
        "seed": _number(body, "seed", 0, 2**32 - 1, integer=True),
        "strength": _number(body, "strength", 0, 1, integer=False),
        "quality": _choice(body, "quality", rules.qualities),
        "output_format": _choice(body, "output_format", ("png", "jpeg", "jpg", "webp")),
        "background": _choice(body, "background", ("transparent", "opaque", "auto")),
        "negative_prompt": _text(body, "negative_prompt"),
        "style": (_choice(body, "style", rules.styles) if rules.styles else _text(body, "style", limit=200)),
    }
    args |= {k: v for k, v in optional.items() if v is not None}
    if args.get("background") == "transparent" and args.get("output_format") in ("jpeg", "jpg"):
        raise _bad("A transparent background needs output_format 'png' or 'webp': JPEG has no alpha", "background")
    # Accepted as OpenAI takes them. Moderation and input fidelity have no effect on Easel's painters (no
    # moderation model; edits keep their sources' detail); the compression level is checked, and the
    # painter's own JPEG/WebP quality is used.
    _choice(body, "moderation", ("auto", "low"))
    _choice(body, "input_fidelity", ("high", "low"))
    _number(body, "output_compression", 0, 100, integer=True)
    partials = int(_number(body, "partial_images", 0, 3, integer=True) or 0)
    if partials and not stream:
        raise _bad("Partial images are sent only in a stream: set 'stream' to true, or omit 'partial_images'",
                   "partial_images")
    gpt_image = gpt_image_model(body.get("model"))
    default_format = "b64_json" if gpt_image else "url"
    return Parsed(args=args, response_format=_choice(body, "response_format", ("url", "b64_json")) or default_format,
                  workspace_id=_text(body, "workspace_id", limit=100), user=_text(body, "user", limit=200),
                  gpt_image=gpt_image, stream=stream, partial_images=partials)


async def images_response(request: Request, created: Created, parsed: Parsed) -> dict[str, Any]:
    """OpenAI's `{"created", "data"}`; each item also names its `file_id` in the Space. With a
    `workspace_id` (ZarkAI's direct endpoint) the first image's `file_id`, `name` and `mime_type` too."""
    space = runtime(request).space
    data = []
    for f in created.files:
        item: dict[str, Any] = {}
        if parsed.response_format == "b64_json":
            item["b64_json"] = base64.b64encode(await space.read(f)).decode()
        else:
            item["url"] = absolute(request, space.signed_path(f))
        item["revised_prompt"] = f.metadata.get("revised_prompt") or created.job.prompt
        item["file_id"] = f.id
        data.append(item)
    body: dict[str, Any] = {"created": int(time.time()), "data": data, "usage": usage(created)}
    if parsed.gpt_image:
        first = created.files[0]
        body |= {"size": f"{first.width}x{first.height}", "quality": created.job.quality or "auto",
                 "output_format": created.job.output_format, "background": background(first, created)}
    if parsed.workspace_id is not None:
        first = created.files[0]
        body |= {"file_id": first.id, "name": first.name, "mime_type": first.mime_type}
    return body


def background(f: FileRecord, created: Created) -> str:
    """The background the image has, as OpenAI reports it: `transparent` or `opaque` where the painter says
    (a landscape asked to be transparent is `opaque`: it fills its frame), else what was asked."""
    made = f.metadata.get("background")
    return str(made) if made in ("transparent", "opaque") else created.job.background or "auto"


def usage(created: Created) -> dict[str, Any]:
    """OpenAI's image usage. Painters that report tokens (litellm's, from the provider) give them;
    otherwise the prompt's text tokens are estimated and no image tokens are counted."""
    reported = created.result.usage or {}
    text = int(reported.get("text_tokens", -(-len(created.job.prompt) // 4)))
    image = int(reported.get("image_tokens", 0))
    output = int(reported.get("output_tokens", 0))
    return {"input_tokens": text + image, "output_tokens": output, "total_tokens": text + image + output,
            "input_tokens_details": {"text_tokens": text, "image_tokens": image}}


# -- streaming ----------------------------------------------------------------------------------------
StreamKind = Literal["image_generation", "image_edit"]
_DONE = object()


def _settings(parsed: Parsed) -> dict[str, Any]:
    """What every stream event repeats: the requested size, quality, background and format."""
    args = parsed.args
    fmt = args.get("output_format") or "png"
    return {"size": args.get("size") or "auto", "quality": args.get("quality") or "auto",
            "background": args.get("background") or "auto", "output_format": "jpeg" if fmt == "jpg" else fmt}


def _sse(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


async def _completed(request: Request, kind: StreamKind, created: Created, parsed: Parsed) -> list[bytes]:
    space = runtime(request).space
    out = []
    for f in created.files:
        out.append(_sse({
            "type": f"{kind}.completed", "b64_json": base64.b64encode(await space.read(f)).decode(),
            "created_at": int(time.time()), **_settings(parsed), "size": f"{f.width}x{f.height}",
            "quality": created.job.quality or "auto", "background": background(f, created),
            "output_format": created.job.output_format, "usage": usage(created), "file_id": f.id}))
    return out


async def stream_images(request: Request, kind: StreamKind, parsed: Parsed,
                        paint: Callable[[OnPartial], Awaitable[Created]]) -> Response:
    """OpenAI's image stream. The painting runs in a task; its partial images and then its completed
    images become events. Until the first event is ready nothing is sent, so an early failure (a refused
    prompt, a budget, an unreadable image) is still an ordinary JSON error with its status."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    settings = _settings(parsed)

    async def on_partial(partial: PartialImage) -> None:
        await queue.put(_sse({"type": f"{kind}.partial_image", "b64_json": base64.b64encode(partial.data).decode(),
                              "created_at": int(time.time()), **settings,
                              "partial_image_index": partial.index}))

    async def run() -> None:
        try:
            created = await paint(on_partial)
            for event in await _completed(request, kind, created, parsed):
                await queue.put(event)
            await queue.put(_DONE)
        except BaseException as exc:
            await queue.put(exc)
            raise

    task = asyncio.get_running_loop().create_task(run())
    first = await queue.get()
    if isinstance(first, BaseException):
        await asyncio.gather(task, return_exceptions=True)
        raise first

    async def events() -> AsyncIterator[bytes]:
        item = first
        try:
            while item is not _DONE:
                if isinstance(item, EaselError):
                    yield _sse({"type": "error", "error": openai_error(item)})
                    return
                if isinstance(item, BaseException):
                    log.error("an image stream failed", exc_info=item)
                    yield _sse({"type": "error", "error": {"type": "server_error", "code": "internal_error",
                                                           "message": "The image failed; the server logged why",
                                                           "param": None}})
                    return
                yield item
                item = await queue.get()
        finally:
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


def openai_error(exc: EaselError) -> dict[str, Any]:
    error: dict[str, Any] = openai_shape(exc)["error"]
    return error


async def serve_generation(request: Request, rules: Rules) -> Response:
    principal = await authenticate(request)
    parsed = parse(await small_json(request), rules, runtime(request))
    user = with_end_user(principal, parsed.user)
    if parsed.stream:
        refuse_streaming(request)  # before anything runs: a stream is never replayed
        def paint(on_partial: OnPartial) -> Awaitable[Created]:
            return generate(request, user, parsed.args, api=rules.api, workspace_id=parsed.workspace_id,
                            partial_images=parsed.partial_images, on_partial=on_partial)

        return await stream_images(request, "image_generation", parsed, paint)
    created = await generate(request, user, parsed.args, api=rules.api, workspace_id=parsed.workspace_id)
    return JSONResponse(await images_response(request, created, parsed))


async def generations(request: Request) -> Response:
    return await serve_generation(request, GENERATIONS)


# -- edits --------------------------------------------------------------------------------------------
@dataclass
class EditInput:
    images: list[Incoming | str]  # sent images, or file ids in the Space, in the client's order
    mask: Incoming | str | None


def _multipart_edit(form: FormData) -> tuple[dict[str, Any], EditInput]:
    fields: dict[str, Any] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            fields[name] = "(file)"  # so an unexpected file field is reported like any unknown field
        elif name in fields:
            raise _bad(f"'{name}' was sent more than once", name)
        else:
            fields[name] = value
    masks = form_files(form, "mask")
    if len(masks) > 1:
        raise _bad("Send at most one mask", "mask")
    images: list[Incoming | str] = list(form_files(form, "image", "image[]"))
    return fields, EditInput(images=images, mask=masks[0] if masks else None)


def _json_reference(ref: Any, param: str) -> Incoming | str:
    """OpenAI's JSON image reference: `{"file_id": ...}` or `{"image_url": "data:image/...;base64,..."}`."""
    if isinstance(ref, dict) and isinstance(ref.get("file_id"), str):
        return str(ref["file_id"])
    if isinstance(ref, dict) and isinstance(ref.get("image_url"), str):
        url = ref["image_url"]
        if not url.startswith("data:"):
            raise _bad(f"{param}.image_url must be a data: URL; send other images by file_id (upload them "
                       "to /v1/storage/files first)", param)
        return Incoming(name="image", param=param, data=decode_base64(url, param=f"{param}.image_url"))
    raise _bad(f"{param} must be an object with 'file_id' or 'image_url'", param)


def _json_edit(body: dict[str, Any]) -> EditInput:
    refs = body.get("images") or []
    ids = body.get("file_ids") or []
    if not isinstance(refs, list) or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _bad("'images' must be a list of image references and 'file_ids' a list of file ids", "images")
    if len(refs) + len(ids) > MAX_EDIT_IMAGES:  # before any base64 is decoded
        raise _bad(f"At most {MAX_EDIT_IMAGES} images can be edited together", "images", "too_many_images")
    found = [_json_reference(r, f"images[{i}]") for i, r in enumerate(refs)]
    mask = _json_reference(body["mask"], "mask") if body.get("mask") is not None else None
    return EditInput(images=[*found, *ids], mask=mask)


async def _mask_bytes(request: Request, principal: Principal, workspace_id: str | None,
                      mask: Incoming | str | None) -> bytes | None:
    if mask is None:
        return None
    if isinstance(mask, Incoming):
        return await mask.read()
    space = runtime(request).space
    return await space.read(await space.file(await space.workspace(principal, workspace_id), mask))


async def edits(request: Request) -> Response:
    principal = await authenticate(request)
    form: FormData | None = None
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await read_form(request, max_files=MAX_EDIT_IMAGES + 1, max_file_bytes=max_upload(request))
            fields, given = _multipart_edit(form)
        else:
            # Inline base64 is for a few images; more go as multipart parts or by file id.
            fields = await json_with_images(request)
            given = _json_edit(fields)
        parsed = parse(fields, EDITS, runtime(request))
        if parsed.stream:
            refuse_streaming(request)
        if not given.images:
            raise _bad("An image to edit is required: send 'image' (or 'image[]')", "image")
        if len(given.images) > MAX_EDIT_IMAGES:
            raise _bad(f"At most {MAX_EDIT_IMAGES} images can be edited together", "image", "too_many_images")
        user = with_end_user(principal, parsed.user)
        mask = await _mask_bytes(request, principal, parsed.workspace_id, given.mask)
        if parsed.stream:
            def paint(on_partial: OnPartial) -> Awaitable[Created]:
                return generate(request, user, parsed.args, api=EDITS.api, workspace_id=parsed.workspace_id,
                                sources=given.images, accept=PHOTO_IMAGES, mask=mask,
                                partial_images=parsed.partial_images, on_partial=on_partial)

            # The form's parts are read while the stream is being prepared: the sources are stored (or
            # refused) before the first event, so the form may be closed once the stream has begun.
            return await stream_images(request, "image_edit", parsed, paint)
        created = await generate(request, user, parsed.args, api=EDITS.api, workspace_id=parsed.workspace_id,
                                 sources=given.images, accept=PHOTO_IMAGES, mask=mask)
    finally:
        if form is not None:
            await form.close()
    return JSONResponse(await images_response(request, created, parsed))


async def variations(request: Request) -> Response:
    """OpenAI's variations (DALL·E 2's endpoint): one image in, `n` variations out, each an edit of the image
    with a seed of its own."""
    principal = await authenticate(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _bad("Send the image as multipart/form-data with an 'image' part", "image")
    form = await read_form(request, max_files=1, max_file_bytes=max_upload(request))
    try:
        fields, given = _multipart_edit(form)
        if given.mask is not None:
            raise _bad("Variations take no mask", "mask")
        if "prompt" in fields:
            raise _bad("Unrecognized request argument supplied: prompt", "prompt")
        parsed = parse({**fields, "prompt": VARIATION_PROMPT}, VARIATIONS, runtime(request))
        if len(given.images) != 1:
            raise _bad("Send exactly one 'image' to make variations of", "image")
        created = await generate(request, with_end_user(principal, parsed.user),
                                 parsed.args | {"operation": "edit"},
                                 api=VARIATIONS.api, workspace_id=parsed.workspace_id, sources=given.images,
                                 accept=PHOTO_IMAGES)
    finally:
        await form.close()
    return JSONResponse(await images_response(request, created, parsed))


routes: list[BaseRoute] = [
    Route("/v1/images/generations", generations, methods=["POST"]),
    Route("/v1/images/edits", edits, methods=["POST"]),
    Route("/v1/images/variations", variations, methods=["POST"]),
]
