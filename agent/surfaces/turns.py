"""What every chat surface shares: a turn's setup from what the surface read, running it with its usage
record, media objects, and a turn streamed as Server-Sent Events in another API's wire format.

Surfaces import this module; it imports no surface.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.requests import Request

from easel.agent.runtime import Runtime
from easel.agent.turn import context, conversation
from easel.agent.turn.events import AiComplete, Event
from easel.agent.turn.loop import Turn, TurnSetup
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.web import absolute
from easel.tools.base import Tool

log = logging.getLogger("easel.turns")
PING_EVERY_S = 15.0


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def media_object(request: Request, f: FileRecord, *, path: str | None = None) -> dict[str, Any]:
    """The contract's media object; `path` replaces the expiring signed link (a lasting link, say)."""
    url = absolute(request, path or request.app.state.space.signed_path(f))
    return {"file_id": f.id, "name": f.name, "mime_type": f.mime_type, "size_bytes": f.size_bytes,
            "width": f.width, "height": f.height, "url": url, "metadata": f.metadata}


async def earlier_images(rt: Runtime, workspace: Workspace, history: conversation.History) -> list[
        tuple[FileRecord, str]]:
    """Earlier images are context, not input: one deleted since, or never this workspace's, is left out."""
    found = await rt.space.existing_files(workspace, list(history.earlier))
    return [(found[i], origin) for i, origin in history.earlier.items() if i in found]


async def setup_turn(request: Request, principal: Principal, workspace: Workspace, *, history: conversation.History,
                     attached: list[FileRecord], tools: list[Tool], tool_choice: str | dict[str, Any] | None,
                     model: str | None, temperature: float, max_tokens: int,
                     media: Callable[[FileRecord], dict[str, Any]], previews: int = 0) -> TurnSetup:
    rt = runtime(request)
    model_settings = rt.model_settings(model)
    images = context.usable_images(attached=attached, folders=[],
                                   earlier=await earlier_images(rt, workspace, history))
    await rt.ensure_chat_affordable(principal, model_settings)
    return TurnSetup(
        space=rt.space, model=rt.chat_model, model_settings=model_settings, background=rt.background,
        principal=principal, workspace=workspace, tools=tools, tool_choice=tool_choice, temperature=temperature,
        max_tokens=max_tokens, max_rounds=rt.settings.max_tool_rounds, system_prompt=context.system_prompt(images),
        history=history, media_object=media, previews=previews)


async def run_turn(rt: Runtime, setup: TurnSetup, emit: Callable[[Event], Awaitable[None]], *, api: str,
                   keep: bool) -> AiComplete:
    """Run the turn; `keep` stores it as a conversation (stateless surfaces do not). Usage is recorded
    either way: the model's own tokens and cost here, each image in its own generation record."""
    turn = Turn(setup, emit)
    done = await turn.run()
    if keep:
        await conversation.save(setup.space, setup.workspace, setup.history)
    u = turn.usage
    await rt.ledger.record(setup.principal, kind="chat", api=api, workspace_id=setup.workspace.id,
                           model=setup.model_settings.model, prompt_tokens=u.prompt_tokens,
                           completion_tokens=u.completion_tokens, cost_usd=u.cost_usd,
                           file_ids=[m["file_id"] for m in done.media])
    return done


# What a runner sends: a `data:` payload, or {"event": name, "data": payload} for named events.
Send = Callable[[str | dict[str, str]], Awaitable[None]]


async def _pump(run: Callable[[Send], Coroutine[Any, Any, None]]) -> AsyncIterator[str | dict[str, str]]:
    """The runner in a task of its own, its output yielded as it comes. When the client leaves, the
    response stops iterating and the runner is cancelled (painting in flight is shielded by the turn)."""
    queue: asyncio.Queue[str | dict[str, str] | None] = asyncio.Queue()
    task = asyncio.get_running_loop().create_task(run(queue.put))
    task.add_done_callback(lambda _: queue.put_nowait(None))
    try:
        while (item := await queue.get()) is not None:
            yield item
        if not task.cancelled() and task.exception() is not None:
            log.error("a streamed turn failed outside its runner", exc_info=task.exception())
    finally:
        if not task.done():
            task.cancel()


def sse(run: Callable[[Send], Coroutine[Any, Any, None]]) -> EventSourceResponse:
    """`data: <payload>` lines as the runner sends them, and a comment line as a ping every 15 s of quiet
    (clients of OpenAI's APIs skip comments)."""
    return EventSourceResponse(_pump(run), sep="\n", ping=PING_EVERY_S,
                               headers={"cache-control": "no-store", "x-accel-buffering": "no"})
