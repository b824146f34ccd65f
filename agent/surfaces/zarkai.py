"""`POST /v1/chat`: check everything, then run the turn, streamed or as one JSON reply."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.agent.runtime import Runtime
from easel.agent.surfaces.idempotency import refuse_streaming
from easel.agent.surfaces.sse import EventStream, event_stream
from easel.agent.turn import context, conversation
from easel.agent.turn.contract import ChatRequest, parse_chat_request
from easel.agent.turn.events import AiComplete, ErrorEvent, Event
from easel.agent.turn.loop import Turn, TurnSetup
from easel.spaces import request_context
from easel.spaces.auth import authenticate
from easel.spaces.db import now_iso
from easel.spaces.errors import EaselError
from easel.spaces.records import Principal, Workspace
from easel.spaces.routes import media_object
from easel.spaces.web import json_body
from easel.tools.base import Tool

log = logging.getLogger("easel.chat")
FOLDER_IMAGES = 50  # the most recent images of each folder in folder_ids that the model is told of
PREVIEWS = 3  # `"previews": true`: up to this many intermediate states of each image (OpenAI's most)


def tool_choice_for(choice: str, tools: list[Tool]) -> str | dict[str, Any] | None:
    if not tools:
        return None
    if choice in ("auto", "none", "required"):
        return choice
    if any(t.name == choice for t in tools):
        return {"type": "function", "function": {"name": choice}}
    raise EaselError(400, "unknown_tool", f"tool_choice names no available tool: {choice!r}", param="tool_choice")


async def _usable(rt: Runtime, workspace: Workspace, req: ChatRequest,
                  history: conversation.History) -> list[context.Usable]:
    space = rt.space
    attached = await space.files(workspace, list(dict.fromkeys(req.file_ids + req.messages[-1].file_ids)))
    folders = []
    for folder_id in req.folder_ids:
        folder = await space.folder(workspace, folder_id)
        page = await space.list_files(workspace, limit=FOLDER_IMAGES, folder_id=folder.id)
        folders.append((folder.name, page.files))
    # Earlier images are context, not input: one deleted since, or never ours, is simply left out.
    found = await space.existing_files(workspace, list(history.earlier))
    earlier = [(found[i], origin) for i, origin in history.earlier.items() if i in found]
    return context.usable_images(attached=attached, folders=folders, earlier=earlier)


async def prepare(request: Request, principal: Principal, req: ChatRequest) -> TurnSetup:
    rt: Runtime = request.app.state.runtime
    workspace = await rt.space.workspace(principal, req.workspace_id)
    tools = rt.tools.select(req.tools)
    choice = tool_choice_for(req.tool_choice, tools)
    model_settings = rt.model_settings(req.model)
    history = await conversation.load(rt.space, workspace, req)
    images = await _usable(rt, workspace, req, history)
    return TurnSetup(
        space=rt.space, model=rt.chat_model, model_settings=model_settings, background=rt.background,
        principal=principal, workspace=workspace, tools=tools, tool_choice=choice, temperature=req.temperature,
        max_tokens=req.max_tokens, max_rounds=rt.settings.max_tool_rounds,
        system_prompt=context.system_prompt(images, tools=[t.name for t in tools]), history=history,
        media_object=lambda f: media_object(request, f),
        tool_wait_s=None if req.stream else rt.settings.video_wait_s,
        previews=PREVIEWS if req.previews and req.stream else 0)


async def _run(rt: Runtime, setup: TurnSetup, emit: Any) -> AiComplete:
    turn = Turn(setup, emit)
    done = await turn.run()
    await conversation.save(setup.space, setup.workspace, setup.history)
    u = turn.usage  # the model's own tokens and cost; each image has its own generation record
    await rt.ledger.record(setup.principal, kind="chat", api="chat", workspace_id=setup.workspace.id,
                           model=setup.model_settings.model, prompt_tokens=u.prompt_tokens,
                           completion_tokens=u.completion_tokens, cost_usd=u.cost_usd,
                           file_ids=[m["file_id"] for m in done.media])
    return done


async def chat(request: Request) -> Response | EventStream:
    principal = await authenticate(request)
    req = parse_chat_request(await json_body(request))
    if req.stream:
        refuse_streaming(request)  # before anything runs: a stream is never replayed
    request_context.note(prompt=req.messages[-1].text)
    setup = await prepare(request, principal, req)
    rt: Runtime = request.app.state.runtime
    await rt.ensure_chat_affordable(principal, setup.model_settings)
    model = setup.model_settings.model

    if req.stream:
        async def runner(emit: Any) -> None:
            try:
                await emit(await _run(rt, setup, emit))
            except EaselError as exc:
                await emit(ErrorEvent(exc.code, exc.message))
            except Exception:
                log.exception("chat turn failed")
                await emit(ErrorEvent("internal_error", "The turn failed; the server logged why"))

        return event_stream(runner)

    async def ignore(event: Event) -> None:
        return None

    done = await _run(rt, setup, ignore)
    return JSONResponse({
        "id": f"chat-{secrets.token_hex(8)}", "conversation_id": done.conversation_id, "model": model,
        "response": done.response, "media": done.media, "tool_calls": done.tool_calls, "usage": done.usage,
        "created_at": now_iso(),
    })


routes = [Route("/v1/chat", chat, methods=["POST"])]
