"""The Space over HTTP: workspaces, files and folders (ZarkAI's shapes, plus `workspace_id` and `url`)."""

from __future__ import annotations

import asyncio
import base64
import os
from email.utils import formatdate
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from easel.spaces import uploads
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.ranges import parse_range
from easel.spaces.records import FileRecord, Folder, Workspace
from easel.spaces.space import Space
from easel.spaces.web import absolute, json_body, optional_text, query_int

INLINE_LIMIT = 4 * 1024 * 1024  # under this, a retrieve carries the bytes (ZarkAI)
WHOLE_READ_LIMIT = 4 * 1024 * 1024  # a local file up to this size is read whole, in one trip to a thread


class BlobResponse(FileResponse):
    """Starlette's FileResponse reads 64 KB per trip to a worker thread, and a trip costs ~0.18 ms here: a
    20 MB download spent ~58 ms on trips alone. 1 MB reads make it 20 trips (docs/benchmarks.md)."""

    chunk_size = 1024 * 1024


def _space(request: Request) -> Space:
    space: Space = request.app.state.space
    return space


def file_object(request: Request, f: FileRecord) -> dict[str, Any]:
    return {
        "fileId": f.id, "name": f.name, "sizeBytes": f.size_bytes, "mimeType": f.mime_type,
        "createdAt": f.created_at, "workspaceId": f.workspace_id, "folderId": f.folder_id,
        "width": f.width, "height": f.height, "origin": f.origin,
        "url": absolute(request, _space(request).signed_path(f)),
        **({"metadata": f.metadata} if f.metadata else {}),
    }


def media_object(request: Request, f: FileRecord) -> dict[str, Any]:
    """The contract's media object (chat replies, stream events, conversations), its url freshly signed."""
    media = {"file_id": f.id, "name": f.name, "mime_type": f.mime_type, "size_bytes": f.size_bytes,
             "width": f.width, "height": f.height,
             "url": absolute(request, _space(request).signed_path(f)), "metadata": f.metadata}
    poster = f.metadata.get("poster_file_id") if f.mime_type.startswith("video/") else None
    if isinstance(poster, str):  # a video's first frame, for <video poster=...>
        media["poster_url"] = absolute(request, _space(request).signed_path_of(poster))
    return media


def _workspace_object(w: Workspace, default_id: str) -> dict[str, Any]:
    return {"id": w.id, "name": w.name, "createdAt": w.created_at, "default": w.id == default_id}


def _folder_object(f: Folder) -> dict[str, Any]:
    return {"folderId": f.id, "name": f.name, "workspaceId": f.workspace_id, "createdAt": f.created_at}


async def _workspace(request: Request, given: str | None = None) -> Workspace:
    principal = await authenticate(request)
    return await _space(request).workspace(principal, given or request.query_params.get("workspace_id"))


def _name(body: dict[str, Any]) -> str:
    name = optional_text(body, "name", limit=1000)
    if name is None:
        raise EaselError(400, "invalid_request", "name (a string) is required", param="name")
    return name


# -- workspaces --------------------------------------------------------------------------------------
async def list_workspaces(request: Request) -> Response:
    principal = await authenticate(request)
    found = await _space(request).list_workspaces(principal)
    return JSONResponse({"workspaces": [_workspace_object(w, principal.default_workspace_id) for w in found]})


async def create_workspace(request: Request) -> Response:
    principal = await authenticate(request)
    name = _name(await json_body(request))
    created = await _space(request).create_workspace(principal.account_id, name)
    return JSONResponse(_workspace_object(created, principal.default_workspace_id), status_code=201)


# -- files -------------------------------------------------------------------------------------------
async def upload_file(request: Request) -> Response:
    principal = await authenticate(request)
    space = _space(request)
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    upload = await uploads.receive(request, space, max_bytes=limit)
    try:
        given = upload.fields.get("workspace_id") or request.query_params.get("workspace_id")
        workspace = await space.workspace(principal, given)
        folder_id = (upload.fields.get("folder_id") or request.query_params.get("folder_id")
                     or request.path_params.get("folder_id"))
        if folder_id:
            await space.folder(workspace, folder_id)
        kind = await uploads.inspect(upload, max_pixels=request.app.state.settings.max_pixels)
        assert upload.file_id is not None and upload.writer is not None  # inspect() checked both
        record = await space.commit_upload(upload.file_id, upload.writer, workspace.id, name=upload.filename,
                                           mime_type=kind.mime_type, width=kind.width, height=kind.height,
                                           folder_id=folder_id)
    except BaseException:
        await upload.discard()
        raise
    return JSONResponse(file_object(request, record))


async def list_files(request: Request) -> Response:
    workspace = await _workspace(request)
    folder_id = request.query_params.get("folder_id") or request.path_params.get("folder_id")
    if folder_id:
        await _space(request).folder(workspace, folder_id)
    page = await _space(request).list_files(
        workspace, limit=query_int(request, "limit", default=10, lo=1, hi=100),
        cursor=request.query_params.get("cursor"), folder_id=folder_id)
    return JSONResponse({
        "files": [file_object(request, f) for f in page.files],
        "pagination": {"hasMore": page.next_cursor is not None, "cursor": page.next_cursor},
    })


async def get_file(request: Request) -> Response:
    workspace = await _workspace(request)
    record = await _space(request).file(workspace, request.path_params["file_id"])
    body = file_object(request, record)
    if record.size_bytes < INLINE_LIMIT:
        data = await _space(request).read(record)
        body = {"type": "content", **body,
                "data": {"encoding": "base64", "content": base64.b64encode(data).decode()}}
    else:
        body = {"type": "metadata", **body}
    return JSONResponse(body)


async def file_content(request: Request) -> Response:
    space = _space(request)
    file_id = request.path_params["file_id"]
    sig, expires = request.query_params.get("sig"), request.query_params.get("expires")
    link = request.query_params.get("link")
    if link is not None:  # a lasting link (Space.links)
        record = await space.open_link(file_id, link, request.query_params.get("until"))
    elif sig is not None and expires is not None:
        space.signer.verify(file_id, expires, sig)
        record = await space.signed_file(file_id)
    else:
        record = await space.file(await _workspace(request), file_id)
    return await content_response(request, space, record)


async def content_response(request: Request, space: Space, record: FileRecord) -> Response:
    """A file's bytes as a download: ETag, Range (206) for seeking, a presigned redirect where configured,
    `sendfile` where the bytes are local. The caller has already decided the file may be read."""
    etag = f'"{record.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=3600", "Accept-Ranges": "bytes",
               "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f"inline; filename*=UTF-8''{_quote(record.name)}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if request.app.state.settings.blob_redirect and (url := await space.presigned_url(record)):
        return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    wanted = request.headers.get("range")
    if wanted and request.headers.get("if-range", etag) == etag:
        span = parse_range(wanted, record.size_bytes)
        if span is not None:
            start, end = span
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{record.size_bytes}"
            return _bytes_response(request, space, record, headers, start, end, status=206)
    path = space.blobs.local_path(record.id)
    if path is None:
        return _bytes_response(request, space, record, headers, 0, record.size_bytes)
    if request.method == "GET" and wanted is None and record.size_bytes <= WHOLE_READ_LIMIT:
        return await _whole_response(path, record, headers)
    return BlobResponse(path, media_type=record.mime_type, headers=headers, stat_result=None)


def _read_whole(path: Path) -> tuple[bytes, float]:
    """A file's bytes and its mtime: open, fstat and read in one go (the stat, open, read and close that
    FileResponse makes four trips to a thread for)."""
    with open(path, "rb", buffering=0) as fh:  # a missing blob is the last-resort handler's 500, as before
        mtime = os.fstat(fh.fileno()).st_mtime
        return fh.readall(), mtime


async def _whole_response(path: Path, record: FileRecord, headers: dict[str, str]) -> Response:
    """A small local file, whole, with the headers BlobResponse would send: one trip to a thread instead of
    four to five, and no task listening for a disconnect while 1 MB is handed to the transport."""
    data, mtime = await asyncio.to_thread(_read_whole, path)
    headers["Last-Modified"] = formatdate(mtime, usegmt=True)
    return Response(data, media_type=record.mime_type, headers=headers)


def _bytes_response(request: Request, space: Space, record: FileRecord, headers: dict[str, str], start: int,
                    end: int, *, status: int = 200) -> Response:
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=record.mime_type)
    return StreamingResponse(space.blobs.stream(record.id, start, end), status_code=status,
                             media_type=record.mime_type, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


async def delete_file(request: Request) -> Response:
    workspace = await _workspace(request)
    record = await _space(request).file(workspace, request.path_params["file_id"])
    await _space(request).delete_file(record)
    return JSONResponse({"fileId": record.id, "deleted": True})


# -- folders -----------------------------------------------------------------------------------------
async def create_folder(request: Request) -> Response:
    body = await json_body(request)
    workspace = await _workspace(request, optional_text(body, "workspace_id", limit=100))
    name = _name(body)
    folder = await _space(request).create_folder(workspace, name)
    return JSONResponse(_folder_object(folder), status_code=201)


async def list_folders(request: Request) -> Response:
    workspace = await _workspace(request)
    folders = await _space(request).folders(workspace)
    return JSONResponse({"folders": [_folder_object(f) for f in folders]})


async def get_folder(request: Request) -> Response:
    workspace = await _workspace(request)
    folder = await _space(request).folder(workspace, request.path_params["folder_id"])
    return JSONResponse(_folder_object(folder))


async def delete_folder(request: Request) -> Response:
    workspace = await _workspace(request)
    folder = await _space(request).folder(workspace, request.path_params["folder_id"])
    removed = await _space(request).delete_folder(folder)
    return JSONResponse({"folderId": folder.id, "deleted": True, "filesDeleted": removed})


routes = [
    Route("/v1/workspaces", list_workspaces, methods=["GET"]),
    Route("/v1/workspaces", create_workspace, methods=["POST"]),
    Route("/v1/storage/files", upload_file, methods=["POST"]),
    Route("/v1/storage/files", list_files, methods=["GET"]),
    Route("/v1/storage/files/{file_id}", get_file, methods=["GET"]),
    Route("/v1/storage/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/storage/files/{file_id}/content", file_content, methods=["GET", "HEAD"]),
    Route("/v1/storage/folders", create_folder, methods=["POST"]),
    Route("/v1/storage/folders", list_folders, methods=["GET"]),
    Route("/v1/storage/folders/{folder_id}", get_folder, methods=["GET"]),
    Route("/v1/storage/folders/{folder_id}", delete_folder, methods=["DELETE"]),
    Route("/v1/storage/folders/{folder_id}/files", list_files, methods=["GET"]),
    Route("/v1/storage/folders/{folder_id}/files", upload_file, methods=["POST"]),
]
