"""Images that OpenAI-shaped requests carry by URL: `data:` URLs and Easel's own file links, nothing else.

The server never fetches an arbitrary URL (that would let any caller make it reach hosts it can see and
they cannot). A `data:` image is decoded before it is accepted and kept as an upload, once per distinct
content (stateless clients send their whole history, images included, on every request). An Easel link is
read for its file id, which must be a file of the caller's workspace.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.requests import Request

from easel.spaces import uploads
from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord, Workspace
from easel.spaces.space import Space

MB = 1024 * 1024
FILE_PATH = re.compile(r"^/v1/storage/files/(file-[0-9a-f-]{36})/content$")
# A Markdown image or a bare link to one of Easel's files, as the chat surfaces write them into replies.
MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\((\S+?/v1/storage/files/file-[0-9a-f-]{36}/content\S*?)\)")
NOT_FETCHED = ("Easel does not fetch images from other servers: send the image inline as a data: URL "
               "(data:image/png;base64,...) or use a file link that this server gave you")


def own_hosts(request: Request) -> set[str]:
    hosts = {request.base_url.netloc}
    public = request.app.state.settings.public_url
    if public:
        hosts.add(urlsplit(public).netloc)
    return hosts


def file_id_of(url: str, hosts: set[str]) -> str | None:
    """The file id an Easel file link names (signed or lasting), or None for any other URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc not in hosts:
        return None
    m = FILE_PATH.match(parts.path)
    return m[1] if m else None


def decode_data_url(url: str, *, param: str, max_bytes: int) -> tuple[bytes, str | None]:
    header, comma, payload = url.partition(",")
    if not comma or not header.startswith("data:") or not header.endswith(";base64"):
        raise EaselError(400, "invalid_image_url", f"{param}: a data: URL must be base64 "
                         "(data:image/png;base64,...)", param=param)
    if len(payload) > max_bytes * 4 // 3 + 4:
        raise EaselError(413, "payload_too_large", f"{param}: the image is over the limit of "
                         f"{max_bytes // MB} MB", param=param)
    try:
        data = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise EaselError(400, "invalid_image_url", f"{param}: the data: URL is not valid base64",
                         param=param) from None
    if not data:
        raise EaselError(400, "invalid_image_url", f"{param}: the image is empty", param=param)
    return data, header[5:].removesuffix(";base64") or None


class ImageInputs:
    """Turns the image URLs of one request into files of its workspace."""

    def __init__(self, request: Request, space: Space, workspace: Workspace) -> None:
        self.space = space
        self.workspace = workspace
        self.hosts = own_hosts(request)
        self.max_bytes = int(request.app.state.settings.max_upload_mb) * MB
        self.stored: list[FileRecord] = []  # new uploads made by this request

    @asynccontextmanager
    async def kept_only_if_used(self) -> AsyncIterator[None]:
        """A request refused before its turn starts leaves none of the images it sent behind."""
        try:
            yield
        except BaseException:
            for record in self.stored:
                await self.space.delete_file(record)
            raise

    async def resolve(self, url: object, *, param: str) -> FileRecord:
        if not isinstance(url, str) or not url:
            raise EaselError(400, "invalid_image_url", f"{param} must be a URL string", param=param)
        if url.startswith("data:"):
            return await self._store(*decode_data_url(url, param=param, max_bytes=self.max_bytes), param=param)
        file_id = file_id_of(url, self.hosts)
        if file_id is None:
            raise EaselError(400, "invalid_image_url", f"{param}: {NOT_FETCHED}", param=param)
        record = await self.space.file(self.workspace, file_id)
        if not record.is_image:
            raise EaselError(400, "invalid_image", f"{param}: {file_id} is not an image", param=param)
        return record

    async def file(self, file_id: object, *, param: str) -> FileRecord:
        if not isinstance(file_id, str):
            raise EaselError(400, "invalid_request", f"{param} must be a file id string", param=param)
        record = await self.space.file(self.workspace, file_id)
        if not record.is_image:
            raise EaselError(400, "invalid_image", f"{param}: {file_id} is not an image", param=param)
        return record

    async def _store(self, data: bytes, claimed: str | None, *, param: str) -> FileRecord:
        same = await self.space.same_upload(self.workspace, hashlib.sha256(data).hexdigest())
        if same is not None and same.is_image:
            return same
        file_id, writer = self.space.upload_writer()
        ext = {"image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}.get(claimed or "", ".png")
        upload = uploads.Upload(file_id=file_id, writer=writer, filename=f"image{ext}",
                                claimed_type=claimed or "image/png")
        try:
            writer.write(data)
            kind = await uploads.inspect(upload)  # decoded before it is accepted (415 invalid_image)
            record = await self.space.commit_upload(file_id, writer, self.workspace.id, name=upload.filename,
                                                    mime_type=kind.mime_type, width=kind.width,
                                                    height=kind.height, folder_id=None)
        except EaselError as exc:
            await upload.discard()
            exc.param = exc.param or param
            raise
        except BaseException:
            await upload.discard()
            raise
        self.stored.append(record)
        return record


def markdown_files(text: str, hosts: set[str]) -> tuple[str, list[str]]:
    """An assistant message as the model should read it: each of Easel's Markdown images becomes
    `[image file-…]`, and the ids are returned so the turn can offer those images again."""
    found: list[str] = []

    def swap(m: re.Match[str]) -> str:
        file_id = file_id_of(m[2], hosts)
        if file_id is None:
            return m[0]
        found.append(file_id)
        return f"[image {file_id}: {m[1]}]"

    return MARKDOWN_IMAGE.sub(swap, text), found
