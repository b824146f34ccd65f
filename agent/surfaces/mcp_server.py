"""The MCP server behind `/mcp` (`mcp_surface.py`): its tools, resources and the official SDK's session manager.

The SDK takes most of a second to import, so this module is imported at the first MCP request (on a worker
thread), not when the server starts; `mcp_surface.py` authenticates each request before handing it here.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from easel.agent.runtime import Runtime
from easel.agent.surfaces.mcp_surface import WORKSPACE_HEADER
from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.web import absolute
from easel.tools.base import ToolContext
from easel.tools.image_args import SCHEMA

URI = re.compile(r"^easel://files/(file-[0-9a-f-]{36})$")
RESOURCE_NOT_FOUND = -32002  # the MCP specification's code
INLINE_LIMIT = 8 * 1024 * 1024  # get_file returns bytes inline up to this size; larger ones only as a link
PAGE = 50

LIST_FILES = {
    "type": "object",
    "properties": {
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many, newest first"},
        "cursor": {"type": "string", "description": "next_cursor of the previous page"},
        "folder_id": {"type": "string", "description": "Only the files of this folder"},
    },
    "additionalProperties": False,
}
GET_FILE = {"type": "object", "properties": {"file_id": {"type": "string"}}, "required": ["file_id"],
            "additionalProperties": False}


def _tools() -> list[types.Tool]:
    fn = SCHEMA["function"]
    return [
        types.Tool(name="image_gen", description=fn["description"], input_schema=fn["parameters"]),
        types.Tool(name="list_files", description="List the images and documents in the workspace, newest first.",
                   input_schema=LIST_FILES),
        types.Tool(name="get_file", description="Fetch one file of the workspace: the image itself (as image "
                   "content) and a link to it as a resource.", input_schema=GET_FILE),
    ]


class Caller:
    """Who is calling and where, read from the HTTP request that carried the MCP message."""

    def __init__(self, ctx: ServerRequestContext[Any, Any]) -> None:
        request = ctx.request
        if not isinstance(request, Request):
            raise MCPError(code=types.INVALID_REQUEST, message="This server is reached over HTTP only")
        self.request = request
        self.rt: Runtime = request.app.state.runtime
        self.principal: Principal = request.scope["state"]["easel_principal"]

    async def workspace(self) -> Workspace:
        return await self.rt.space.workspace(self.principal, self.request.headers.get(WORKSPACE_HEADER) or None)

    def describe(self, f: FileRecord) -> dict[str, Any]:
        return {"file_id": f.id, "uri": f"easel://files/{f.id}", "name": f.name, "mime_type": f.mime_type,
                "size_bytes": f.size_bytes, "width": f.width, "height": f.height, "created_at": f.created_at,
                "url": absolute(self.request, self.rt.space.signed_path(f))}


def _link(f: FileRecord) -> types.ResourceLink:
    return types.ResourceLink(type="resource_link", uri=f"easel://files/{f.id}", name=f.name,
                              mime_type=f.mime_type, size=f.size_bytes)


def _text(value: Any) -> types.TextContent:
    return types.TextContent(type="text", text=json.dumps(value))


def _failed(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


async def _image_gen(caller: Caller, workspace: Workspace, args: dict[str, Any]) -> types.CallToolResult:
    tool = caller.rt.tools.get("image_gen")
    assert tool is not None

    async def quiet(*_: Any) -> None:
        return None

    ctx = ToolContext(space=caller.rt.space, workspace=workspace, principal=caller.principal,
                      on_generating=quiet, on_file=quiet, api="mcp")
    outcome = await tool.run(args, ctx)
    if not outcome.ok:
        return _failed(outcome.error or "The image could not be made")
    content: list[Any] = [_text({**outcome.content, "files": [caller.describe(f) for f in outcome.files]})]
    for f in outcome.files:
        data = await caller.rt.space.read(f)
        content += [types.ImageContent(type="image", data=base64.b64encode(data).decode(), mime_type=f.mime_type),
                    _link(f)]
    return types.CallToolResult(content=content, is_error=False)


async def _list_files(caller: Caller, workspace: Workspace, args: dict[str, Any]) -> types.CallToolResult:
    limit = args.get("limit", 20)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        return _failed("limit must be an integer from 1 to 100")
    folder_id = args.get("folder_id")
    if folder_id is not None:
        await caller.rt.space.folder(workspace, str(folder_id))
    page = await caller.rt.space.list_files(workspace, limit=limit, cursor=args.get("cursor"),
                                            folder_id=folder_id)
    listing = {"files": [caller.describe(f) for f in page.files], "next_cursor": page.next_cursor}
    return types.CallToolResult(content=[_text(listing), *[_link(f) for f in page.files]], is_error=False)


async def _get_file(caller: Caller, workspace: Workspace, args: dict[str, Any]) -> types.CallToolResult:
    record = await caller.rt.space.file(workspace, str(args.get("file_id", "")))
    content: list[Any] = [_text(caller.describe(record))]
    if record.is_image and record.size_bytes <= INLINE_LIMIT:
        data = await caller.rt.space.read(record)
        content.append(types.ImageContent(type="image", data=base64.b64encode(data).decode(),
                                          mime_type=record.mime_type))
    content.append(_link(record))
    return types.CallToolResult(content=content, is_error=False)


TOOLS = {"image_gen": _image_gen, "list_files": _list_files, "get_file": _get_file}


async def list_tools(ctx: ServerRequestContext[Any, Any],
                     params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=_tools())


async def call_tool(ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams) -> types.CallToolResult:
    run = TOOLS.get(params.name)
    if run is None:
        return _failed(f"Unknown tool {params.name!r}; this server has {', '.join(TOOLS)}")
    caller = Caller(ctx)
    try:
        return await run(caller, await caller.workspace(), dict(params.arguments or {}))
    except EaselError as exc:  # not found, no credit left, …: a result the assistant can read
        return _failed(f"{exc.message} ({exc.code})")


async def list_resources(ctx: ServerRequestContext[Any, Any],
                         params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
    caller = Caller(ctx)
    try:
        page = await caller.rt.space.list_files(await caller.workspace(), limit=PAGE,
                                                cursor=params.cursor if params else None)
    except EaselError as exc:
        raise MCPError(code=types.INVALID_PARAMS, message=exc.message) from None
    return types.ListResourcesResult(next_cursor=page.next_cursor, resources=[
        types.Resource(uri=f"easel://files/{f.id}", name=f.name, mime_type=f.mime_type, size=f.size_bytes)
        for f in page.files])


async def list_templates(ctx: ServerRequestContext[Any, Any],
                         params: types.PaginatedRequestParams | None) -> types.ListResourceTemplatesResult:
    return types.ListResourceTemplatesResult(resource_templates=[types.ResourceTemplate(
        uri_template="easel://files/{file_id}", name="file", description="A file of the workspace")])


async def read_resource(ctx: ServerRequestContext[Any, Any],
                        params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
    caller = Caller(ctx)
    uri = str(params.uri)
    m = URI.match(uri)
    try:
        if m is None:
            raise EaselError(404, "not_found", "Resources here are easel://files/{file id}")
        record = await caller.rt.space.file(await caller.workspace(), m[1])
    except EaselError as exc:
        raise MCPError(code=RESOURCE_NOT_FOUND, message=f"Resource not found: {exc.message}", data=uri) from None
    data = await caller.rt.space.read(record)
    return types.ReadResourceResult(contents=[types.BlobResourceContents(
        uri=uri, mime_type=record.mime_type, blob=base64.b64encode(data).decode())])


def server() -> Server[Any]:
    return Server("easel", version="0.1.0", instructions="Easel makes and changes images (image_gen) and keeps "
                  "them in the caller's workspace; list_files and get_file read it back.",
                  on_list_tools=list_tools, on_call_tool=call_tool, on_list_resources=list_resources,
                  on_list_resource_templates=list_templates, on_read_resource=read_resource)


def session_manager() -> StreamableHTTPSessionManager:
    """Stateless: every HTTP request is a session of its own, answered as JSON."""
    return StreamableHTTPSessionManager(server(), stateless=True, json_response=True)
