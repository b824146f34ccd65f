"""`/v1/conversations`: the conversations kept by the server, listed, reopened, renamed and deleted.

A reopened thread is drawn the way the stream showed it: each user message, then one assistant entry per
reply (its text, the images it made as media objects with freshly signed links, and its tool calls), so a
frontend redraws a thread a week later exactly as it first saw it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.spaces import safejson
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.records import Conversation, FileRecord, Workspace
from easel.spaces.routes import media_object
from easel.spaces.space import Space
from easel.spaces.web import json_body, query_int

Media = Callable[[FileRecord], dict[str, Any]]


def _space(request: Request) -> Space:
    space: Space = request.app.state.space
    return space


async def _workspace(request: Request) -> Workspace:
    principal = await authenticate(request)
    return await _space(request).workspace(principal, request.query_params.get("workspace_id"))


def summary(c: Conversation, last_image: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "workspace_id": c.workspace_id, "created_at": c.created_at,
            "updated_at": c.updated_at, "message_count": c.message_count, "last_image": last_image}


# -- the thread --------------------------------------------------------------------------------------
def _text(content: Any) -> str:
    return content if isinstance(content, str) else ""


def _arguments(raw: Any) -> dict[str, Any]:
    try:  # the model's raw text, kept as it came: it may be anything (spaces/safejson.py)
        parsed = safejson.loads(raw or "{}")
    except (TypeError, safejson.UnsafeJson):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _outcome(message: dict[str, Any]) -> dict[str, Any]:
    try:
        content = json.loads(message.get("content") or "{}")
    except (TypeError, json.JSONDecodeError):
        content = {}
    failed = isinstance(content, dict) and content.get("status") == "failed"
    return {"status": "failed" if failed else "completed", "file_ids": message.get("file_ids") or [],
            **({"error": content.get("error")} if failed else {})}


def _reply(run: list[dict[str, Any]]) -> dict[str, Any]:
    """One assistant entry from a run of assistant and tool messages, text joined as the stream sent it."""
    text = ""
    calls: dict[str, dict[str, Any]] = {}
    file_ids: list[str] = []
    for m in run:
        if m["role"] == "assistant":
            piece = _text(m.get("content"))
            if piece and text and not text.endswith(("\n", " ")):
                text += "\n\n"  # as the turn does between rounds
            text += piece
            file_ids += m.get("file_ids") or []
            for c in m.get("tool_calls") or []:
                fn = c.get("function") or {}
                calls[c.get("id", "")] = {"tool": fn.get("name", ""), "call_id": c.get("id", ""),
                                          "arguments": _arguments(fn.get("arguments")), "status": "failed",
                                          "file_ids": [], "error": "The tool did not finish"}
        elif (call := calls.get(m.get("tool_call_id", ""))) is not None:
            call.pop("error", None)
            call.update(_outcome(m))
            file_ids += m.get("file_ids") or []
    return {"role": "assistant", "content": text, "file_ids": file_ids, "tool_calls": list(calls.values())}


def thread(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    for m in messages:
        if m.get("role") in ("assistant", "tool"):
            run.append(m)
            continue
        if run:
            entries.append(_reply(run))
            run = []
        entries.append({"role": m.get("role", "user"), "content": _text(m.get("content")),
                        "file_ids": m.get("file_ids") or []})
    if run:
        entries.append(_reply(run))
    return entries


def _with_media(entries: list[dict[str, Any]], files: dict[str, FileRecord], media: Media) -> list[dict[str, Any]]:
    # A file deleted since is left out of `media`; its id stays in `file_ids` and in the tool call.
    return [{**e, "media": [media(files[i]) for i in dict.fromkeys(e["file_ids"]) if i in files]} for e in entries]


# -- routes ------------------------------------------------------------------------------------------
async def list_conversations(request: Request) -> Response:
    workspace = await _workspace(request)
    space = _space(request)
    found, cursor = await space.list_conversations(
        workspace, limit=query_int(request, "limit", default=20, lo=1, hi=100),
        cursor=request.query_params.get("cursor") or None)
    files = await space.existing_files(workspace, [c.last_file_id for c in found if c.last_file_id])
    return JSONResponse({
        "conversations": [summary(c, media_object(request, files[c.last_file_id])
                                  if c.last_file_id in files else None) for c in found],
        "pagination": {"has_more": cursor is not None, "cursor": cursor},
    })


async def _conversation(request: Request) -> tuple[Workspace, Conversation]:
    workspace = await _workspace(request)
    return workspace, await _space(request).conversation(workspace, request.path_params["conversation_id"])


async def get_conversation(request: Request) -> Response:
    workspace, conversation = await _conversation(request)
    space = _space(request)
    entries = thread(await space.conversation_messages(conversation))
    files = await space.existing_files(workspace, [i for e in entries for i in e["file_ids"]])
    last = files.get(conversation.last_file_id or "")
    return JSONResponse({**summary(conversation, media_object(request, last) if last else None),
                         "messages": _with_media(entries, files, lambda f: media_object(request, f))})


async def rename_conversation(request: Request) -> Response:
    workspace, conversation = await _conversation(request)
    body = await json_body(request)
    title = body.get("title")
    if not isinstance(title, str):
        raise EaselError(400, "invalid_request", "title (a string) is required", param="title")
    renamed = await _space(request).rename_conversation(conversation, title)
    files = await _space(request).existing_files(workspace, [renamed.last_file_id] if renamed.last_file_id else [])
    last = files.get(renamed.last_file_id or "")
    return JSONResponse(summary(renamed, media_object(request, last) if last else None))


async def delete_conversation(request: Request) -> Response:
    _, conversation = await _conversation(request)
    await _space(request).delete_conversation(conversation)
    return JSONResponse({"id": conversation.id, "deleted": True})


routes = [
    Route("/v1/conversations", list_conversations, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}", get_conversation, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}", rename_conversation, methods=["PATCH"]),
    Route("/v1/conversations/{conversation_id}", delete_conversation, methods=["DELETE"]),
]
