"""What the adapters share: run one generation for a caller, take the images a request carries into the
Space, read bodies within a size limit, and the model names an API may ask for.

Every adapter ends in `generate`, which is `ImageService.create` plus what a direct API call needs around
it: the workspace, source images sent with the request (decoded, then stored as uploads so they have file
ids), and a mask. A request that fails leaves nothing behind: the uploads it stored are removed again.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from easel.agent.runtime import Runtime
from easel.spaces import request_context, uploads
from easel.spaces.errors import EaselError
from easel.spaces.media import IMAGE_TYPES, MAX_PIXELS, safe_name
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.space import Space
from easel.spaces.web import capped, json_body, json_limit
from easel.tools.base import ToolContext
from easel.tools.engines.base import OnPartial
from easel.tools.image_args import ArgumentError, ImageGenArgs, parse_args
from easel.tools.image_gen import Created

MB = 1024 * 1024
FORM_OVERHEAD = 256 * 1024  # boundaries, part headers and the text fields beside the files
ALL_IMAGES = frozenset(IMAGE_TYPES.values())
PHOTO_IMAGES = frozenset({"image/png", "image/jpeg", "image/webp"})  # what OpenAI and AiArt take
# Names OpenAI clients send. Easel has one painter, so each of these means "the configured image model".
OPENAI_MODELS = ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "dall-e-2", "dall-e-3")


@dataclass(frozen=True)
class Incoming:
    """An image sent with a request (inline base64 or a multipart part), not yet in the Space."""

    name: str
    param: str  # the request field it came in, for error messages
    claimed_type: str | None = None
    data: bytes | None = None
    part: UploadFile | None = None

    async def read(self) -> bytes:
        # A multipart part stays spooled (on disk when large) until now, so one image is in memory at a time.
        if self.data is not None:
            return self.data
        assert self.part is not None, "an Incoming holds either data or a part"
        await self.part.seek(0)
        return await self.part.read()


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def max_upload(request: Request) -> int:
    return int(request.app.state.settings.max_upload_mb) * MB


async def small_json(request: Request) -> dict[str, Any]:
    """A JSON body of options and a prompt, within the server's JSON limit (1 MB unless configured)."""
    return await json_body(request)


async def json_with_images(request: Request) -> dict[str, Any]:
    """A JSON body carrying base64 images: together at most one upload's worth (EASEL_MAX_UPLOAD_MB, in
    base64) beside the JSON limit. Any more goes as multipart parts or by file id, so that no JSON body
    near 50 MB is ever read into memory."""
    return await json_body(request, max_bytes=max_upload(request) * 4 // 3 + json_limit(request))


async def read_form(request: Request, *, max_files: int, max_file_bytes: int) -> FormData:
    """A multipart form with at most `max_files` files of at most `max_file_bytes` each (413 beyond)."""
    refusal = f"Files are limited to {max_file_bytes // MB} MB each, {max_files} at most"
    form = await capped(request, max_files * max_file_bytes + FORM_OVERHEAD, refusal).form(
        max_files=max_files, max_fields=64)
    for name, value in form.multi_items():
        if isinstance(value, UploadFile) and (value.size or 0) > max_file_bytes:
            await form.close()
            raise EaselError(413, "payload_too_large", f"The file in '{name}' is over the limit of "
                             f"{max_file_bytes // MB} MB", param=name)
    return form


def form_files(form: FormData, *names: str) -> list[Incoming]:
    """The files sent under any of `names`, in order; a plain text value there is a mistake."""
    found = []
    for name, value in form.multi_items():
        if name not in names:
            continue
        if not isinstance(value, UploadFile):
            raise EaselError(400, "invalid_request", f"'{name}' must be a file, sent as a multipart file "
                             "part", param=name)
        found.append(Incoming(name=value.filename or "image", param=name, claimed_type=value.content_type,
                              part=value))
    return found


def decode_base64(text: Any, *, param: str) -> bytes:
    """Strict base64 (a `data:image/...;base64,` prefix is allowed): anything else is `invalid_base64`."""
    if not isinstance(text, str) or not text.strip():
        raise EaselError(400, "invalid_base64", f"{param} must be a non-empty base64 string", param=param)
    payload = text.strip()
    if payload.startswith("data:"):
        header, _, payload = payload.partition(",")
        if not header.endswith(";base64"):
            raise EaselError(400, "invalid_base64", f"{param} is a data URL without ';base64'", param=param)
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise EaselError(400, "invalid_base64", f"{param} is not valid base64", param=param) from None


def accept_model(requested: Any, *, rt: Runtime, aliases: Sequence[str]) -> None:
    """Easel paints with one configured model. A request may name it, or a name the API's own clients
    send by default (all mean that model); any other name is refused rather than silently replaced."""
    if requested is None:
        return
    configured = rt.images.engine.model
    names = list(dict.fromkeys([configured, configured.rsplit("/", 1)[-1], *aliases]))
    if not isinstance(requested, str) or requested not in names:
        raise EaselError(400, "invalid_model", f"Model {requested!r} is not available here; this server "
                         f"paints with {configured}. Accepted names: {', '.join(names)}", param="model")


def money(amount: float | None) -> str | None:
    """Amounts as decimal strings (Zekron's style) at the ledger's precision."""
    return None if amount is None else f"{amount:.6f}"


async def store_source(space: Space, workspace: Workspace, source: Incoming, *, max_bytes: int,
                       accept: frozenset[str], max_pixels: int = MAX_PIXELS) -> FileRecord:
    """Decode the image before accepting it, then keep it as an upload, so it is a source with a file id."""
    data = await source.read()
    if not data:
        raise EaselError(400, "invalid_image", f"The image in '{source.param}' is empty", param=source.param)
    if len(data) > max_bytes:
        raise EaselError(413, "payload_too_large", f"The image in '{source.param}' is over the limit of "
                         f"{max_bytes // MB} MB", param=source.param)
    file_id, writer = space.upload_writer()
    upload = uploads.Upload(file_id=file_id, writer=writer, filename=safe_name(source.name, default="image"),
                            claimed_type=source.claimed_type)
    try:
        writer.write(data)
        kind = await uploads.inspect(upload, max_pixels=max_pixels)
        if kind.mime_type not in accept:
            kinds = ", ".join(sorted(m.split("/")[1].upper() for m in accept))
            code = "unsupported_media_type" if kind.mime_type in ALL_IMAGES else "invalid_image"
            raise EaselError(415, code, f"The file in '{source.param}' is {kind.mime_type}; send one of: "
                             f"{kinds}", param=source.param)
        return await space.commit_upload(file_id, writer, workspace.id, name=upload.filename,
                                         mime_type=kind.mime_type, width=kind.width, height=kind.height,
                                         folder_id=None)
    except EaselError as exc:
        await upload.discard()
        if exc.code == "unsupported_media_type" and exc.param is None:  # a document: not what was asked for
            raise EaselError(415, "invalid_image", f"The file in '{source.param}' is not a PNG, JPEG, WebP "
                             "or GIF image", param=source.param) from None
        exc.param = exc.param or source.param
        raise
    except BaseException:
        await upload.discard()
        raise


def check_mask(mask: bytes, first: FileRecord) -> None:
    """OpenAI's rule: a PNG the size of the first image (its transparent pixels say where to paint)."""
    try:
        with Image.open(io.BytesIO(mask)) as img:
            fmt, size = img.format, img.size
            if fmt == "PNG" and size == (first.width, first.height):
                img.load()  # a full decode only once the header says it is worth it
    except Exception:
        raise EaselError(415, "invalid_image", "The mask is not a decodable PNG image",
                         param="mask") from None
    if fmt != "PNG":
        raise EaselError(415, "invalid_image", f"The mask must be a PNG, not {fmt}", param="mask")
    if size != (first.width, first.height):
        raise EaselError(400, "invalid_request", f"The mask is {size[0]}x{size[1]} but the image is "
                         f"{first.width}x{first.height}; they must be the same size", param="mask")


async def _no_progress() -> None:
    return None  # a direct API call answers once, at the end; there is no stream to tell


async def _no_file_event(record: FileRecord) -> None:
    return None


def parse_image_args(args: dict[str, Any]) -> ImageGenArgs:
    try:
        return parse_args(args)
    except ArgumentError as exc:
        raise EaselError(400, "invalid_request", str(exc)) from None


async def generate(request: Request, principal: Principal, args: dict[str, Any], *, api: str,
                   workspace_id: str | None = None, sources: Sequence[Incoming | str] = (),
                   mask: bytes | None = None, accept: frozenset[str] = ALL_IMAGES, partial_images: int = 0,
                   on_partial: OnPartial | None = None) -> Created:
    """Paint for `principal` as `api`. `args` are `image_gen`'s arguments; `sources` are the images to
    change, in the client's order: sent ones (stored first, as uploads) or file ids already in the Space.
    `on_partial` gets up to `partial_images` intermediate states of the first image as they are painted."""
    rt = runtime(request)
    request_context.note(prompt=str(args.get("prompt", "")))
    workspace = await rt.space.workspace(principal, workspace_id)
    if not rt.images.engine.model.startswith(("builtin/", "fake/")):
        await rt.ready()  # pricing a litellm model imports litellm, which must not happen on the event loop
    await rt.ledger.ensure_affordable(principal, None)  # an exhausted budget stores and paints nothing
    stored: list[FileRecord] = []
    try:
        ids = []
        for source in sources:
            if isinstance(source, Incoming):
                stored.append(await store_source(rt.space, workspace, source, max_bytes=max_upload(request),
                                                 accept=accept, max_pixels=rt.settings.max_pixels))
            ids.append(stored[-1].id if isinstance(source, Incoming) else source)
        parsed = parse_image_args({**args, "source_file_ids": ids})
        if mask is not None:
            if not ids:
                raise EaselError(400, "invalid_request", "A mask needs an image to edit", param="mask")
            first = await rt.space.file(workspace, ids[0])
            if first.is_image:  # anything else is refused by the service, as not an image
                check_mask(mask, first)
        ctx = ToolContext(space=rt.space, workspace=workspace, principal=principal,
                          on_generating=_no_progress, on_file=_no_file_event, api=api,
                          partial_images=partial_images, on_partial=on_partial)
        return await rt.images.create(parsed, ctx, mask=mask)
    except BaseException:
        for record in stored:
            await rt.space.delete_file(record)
        raise


def with_end_user(principal: Principal, user: Any) -> Principal:
    """OpenAI's `user` names the end user when `X-On-Behalf-Of` does not (the header wins)."""
    if principal.on_behalf_of or not isinstance(user, str) or not user.strip():
        return principal
    return dataclasses.replace(principal, on_behalf_of=user.strip()[:200])


def engine_notes(created: Created) -> list[str]:
    """What the engine said about the picture (e.g. a subject it could not draw), for replies that carry a
    message: nothing left out of a picture goes unmentioned."""
    return [str(note) for note in created.result.notes if str(note).strip()]


def with_notes(message: str, created: Created) -> str:
    return " ".join([message, *engine_notes(created)])
