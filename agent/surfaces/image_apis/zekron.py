"""Zekron (seed 001): generate and edit (`POST /v1/generate`), images by token (`GET /v1/images/{token}`),
balance (`GET /v1/balance`) and history (`GET /v1/generations`), in Zekron's envelopes.

A token is the generation's usage id: it names the generation's first image for 24 hours, to the account
that made it only (another account's token is answered as one that does not exist). The image itself
stays in the Space after the link expires. Amounts are decimal strings in the ledger's currency (USD).
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from easel.agent.surfaces.image_apis.common import (
    ALL_IMAGES,
    Incoming,
    accept_model,
    decode_base64,
    engine_notes,
    generate,
    json_with_images,
    money,
    runtime,
)
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.media import EXT_FOR_MIME, safe_name
from easel.spaces.records import Principal, UsageRecord
from easel.spaces.web import absolute, query_int

log = logging.getLogger("easel.zekron")

ERROR_PATHS = ("/v1/generate", "/v1/images/gen-", "/v1/balance", "/v1/generations")  # tokens are gen-…
MODEL = "zekron-image-1"
SIZES = ("512x512", "1024x1024", "1024x768", "768x1024")
DEFAULT_SIZE = "1024x1024"
MAX_IMAGES = 2
MAX_PROMPT = 4000  # Zekron states none; this is what `image_gen` takes
TOKEN_TTL = timedelta(hours=24)
# Our codes where Zekron's table names the same failure differently.
CODES = {"insufficient_credits": "insufficient_balance"}


def error_shape(exc: EaselError) -> dict[str, Any]:
    """Zekron's envelope. `code` is the plain code of its table, so clients can branch on it; `support`
    carries a reference for this one failure (in Zekron's CODE_REF_TIME form), also written to the log."""
    code = "method_not_allowed" if exc.status == 405 else CODES.get(exc.code, exc.code)
    reference = f"{code.upper()}_{secrets.token_hex(3).upper()}_{int(time.time())}"
    log.info("zekron error %s (%d): %s", reference, exc.status, exc.message)
    support = f"Contact support with error code: {reference}"
    return {"success": False, "error": {"message": exc.message, "code": code, "support": support}}


def _bad(code: str, message: str, param: str) -> EaselError:
    return EaselError(400, code, message, param=param)


def _prompt(body: dict[str, Any]) -> str:
    prompt = body.get("prompt")
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
        raise _bad("missing_prompt", "The prompt field is required", "prompt")
    if not isinstance(prompt, str):
        raise _bad("invalid_prompt", "The prompt must be a string", "prompt")
    if len(prompt) > MAX_PROMPT:
        raise _bad("invalid_prompt", f"The prompt is {len(prompt)} characters; the limit is {MAX_PROMPT}",
                   "prompt")
    return prompt


def _size(body: dict[str, Any]) -> str | None:
    size = body.get("size")
    if size is not None and size not in SIZES:
        raise _bad("invalid_size", f"Invalid size {size!r}; available sizes: {', '.join(SIZES)}", "size")
    return size


def _images(body: dict[str, Any]) -> list[Incoming]:
    images = body.get("images")
    if images is None:
        return []
    if not isinstance(images, list):
        raise _bad("invalid_request", "images must be an array of {data, mime_type} objects", "images")
    if len(images) > MAX_IMAGES:  # before any base64 is decoded
        raise _bad("too_many_images", f"At most {MAX_IMAGES} images can be edited; {len(images)} were given",
                   "images")
    found = []
    for i, image in enumerate(images):
        if not isinstance(image, dict) or "data" not in image:
            raise _bad("invalid_request", f"images[{i}] must be an object with 'data' (base64) and "
                       "'mime_type'", f"images[{i}]")
        mime = image.get("mime_type")
        found.append(Incoming(name=f"source-{i + 1}{_ext(mime)}", param=f"images[{i}]",
                              claimed_type=mime if isinstance(mime, str) else None,
                              data=decode_base64(image["data"], param=f"images[{i}].data")))
    return found


def _ext(mime: Any) -> str:
    return EXT_FOR_MIME.get(mime, "") if isinstance(mime, str) else ""


def _expires_at(record: UsageRecord) -> datetime:
    return datetime.fromisoformat(record.created_at) + TOKEN_TTL


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # as `created_at` is written


def _kind(operation: str | None) -> str:
    return "create" if operation in (None, "generate") else "edit"


async def _usage(request: Request, principal: Principal, token: str) -> UsageRecord:
    record = await runtime(request).ledger.generation(principal, token)
    if record is None or (principal.only_workspace is not None and record.workspace_id != principal.only_workspace):
        raise EaselError(404, "not_found", "Image not found")
    return record


async def generate_image(request: Request) -> Response:
    principal = await authenticate(request)
    rt = runtime(request)
    body = await json_with_images(request)
    prompt = _prompt(body)
    accept_model(body.get("model"), rt=rt, aliases=(MODEL,))
    size, images = _size(body), _images(body)
    workspace_id = body.get("workspace_id")
    if workspace_id is not None and not isinstance(workspace_id, str):
        raise _bad("invalid_request", "workspace_id must be a string", "workspace_id")
    # A new image is 1024x1024 unless asked; an edit keeps its source's size unless asked.
    args: dict[str, Any] = {"prompt": prompt}
    if size or not images:
        args["size"] = size or DEFAULT_SIZE
    created = await generate(request, principal, args, api="zekron", workspace_id=workspace_id,
                             sources=images, accept=ALL_IMAGES)
    if created.usage_id is None:
        raise EaselError(500, "internal_error", "The generation was not recorded")
    record = await _usage(request, principal, created.usage_id)
    first = created.files[0]
    balance = await rt.ledger.balance(principal)
    data = {
        # Zekron's ids are integers: the account's own running number of its generations. The token, which
        # fetches the image, stays the generation's id. `model` is the name the client sent (or Zekron's
        # default); `engine` says which painter made it.
        "id": await rt.ledger.generation_number(principal, record), "token": record.id,
        "type": _kind(record.operation), "model": body.get("model") or MODEL, "engine": created.result.model,
        "prompt": prompt, "size": f"{first.width}x{first.height}",
        "image": {"url": absolute(request, f"/v1/images/{record.id}"),
                  "b64_json": base64.b64encode(await rt.space.read(first)).decode(),
                  "mime_type": first.mime_type, "expires_at": _iso(_expires_at(record))},
        "cost": money(created.cost_usd), "remaining_balance": money(balance["balance"]), "file_id": first.id,
        "revised_prompt": first.metadata.get("revised_prompt") or prompt,
    }
    if notes := engine_notes(created):
        data["notes"] = notes
    return JSONResponse({"success": True, "data": data, "created_at": record.created_at})


class TokenConvertor(Convertor[str]):
    """Zekron's image tokens are generation ids (`gen-…`): only they reach `image_by_token`, so the rest of
    /v1/images/ (OpenAI's generations, edits, variations) answers as OpenAI does, 405 included."""

    regex = "gen-[0-9a-f]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("zekron_token", TokenConvertor())


async def image_by_token(request: Request) -> Response:
    principal = await authenticate(request)
    record = await _usage(request, principal, request.path_params["token"])
    if not record.file_ids:
        raise EaselError(404, "not_found", "This generation made no image")
    expires = _expires_at(record)
    if expires <= datetime.now(expires.tzinfo):
        raise EaselError(410, "expired", f"This image link expired at {_iso(expires)}; the image is "
                         f"still in your Space as {record.file_ids[0]}")
    space = runtime(request).space
    try:
        found = await space.account_file(principal, record.file_ids[0])
    except EaselError:
        raise EaselError(404, "not_found", "The image was deleted from the Space") from None
    return Response(await space.read(found), media_type=found.mime_type, headers={
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(safe_name(found.name), safe='')}"})


async def balance(request: Request) -> Response:
    principal = await authenticate(request)
    b = await runtime(request).ledger.balance(principal)
    # No budget means no limit: `balance` is null and `unlimited` says why, rather than a made-up number.
    return JSONResponse({"success": True, "data": {
        "balance": money(b["balance"]), "total_spent": money(b["total_spent"]),
        "total_generations": b["total_generations"], "currency": "USD", "budget": money(b["budget"]),
        "unlimited": b["budget"] is None}})


def _history_item(request: Request, r: UsageRecord, number: int) -> dict[str, Any]:
    return {
        "id": number, "token": r.id, "prompt": r.prompt, "model": r.model, "size": r.size,
        "cost": money(r.cost_usd), "status": r.status, "type": _kind(r.operation),
        "image_url": absolute(request, f"/v1/images/{r.id}") if r.file_ids else None,
        "expires_at": _iso(_expires_at(r)), "created_at": r.created_at,
        "api": r.api, "on_behalf_of": r.on_behalf_of, "file_ids": r.file_ids,
    }


async def generations(request: Request) -> Response:
    principal = await authenticate(request)
    limit = query_int(request, "limit", default=20, lo=1, hi=100)
    offset = query_int(request, "offset", default=0, lo=0, hi=2**31)
    records, total = await runtime(request).ledger.generations(principal, limit=limit, offset=offset)
    return JSONResponse({"success": True, "data": {
        # Newest first, so the i-th on this page is the account's generation number total - offset - i.
        "generations": [_history_item(request, r, total - offset - i) for i, r in enumerate(records)],
        "pagination": {"total": total, "limit": limit, "offset": offset,
                       "has_more": offset + len(records) < total},
    }})


routes: list[BaseRoute] = [
    Route("/v1/generate", generate_image, methods=["POST"]),
    Route("/v1/images/{token:zekron_token}", image_by_token, methods=["GET"]),
    Route("/v1/balance", balance, methods=["GET"]),
    Route("/v1/generations", generations, methods=["GET"]),
]
