"""OpenAI's Responses API with its `image_generation` tool: `POST /v1/responses`, streamed and not.

The turn runs as for every chat surface; each image the model makes is an `image_generation_call` output item
whose `result` is the image in base64 (and which is saved in the Space like any other). The tool's settings
(size, quality, background, output_format) apply to every image the model makes in the response. Responses
are kept as conversations, so `previous_response_id` continues one: "make it darker" edits the last image.
A response id names its conversation and how many of its messages it covers, so continuing from an earlier
response than the latest starts a branch (a new conversation with the messages up to that response).

Streamed, the events are OpenAI's: `response.created`, `response.in_progress`, message items with
`response.output_text.delta`, and for each image `response.image_generation_call.in_progress`,
`.generating`, `.partial_image` (when `partial_images` asks) and `.completed`, then `response.completed`.
Partial images are the painter's own intermediate states, sent while it paints (the same ones as OpenAI's image
streams and chat previews); a painter with none to show (litellm's) sends none.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.agent.surfaces import turns
from easel.agent.surfaces.idempotency import refuse_streaming
from easel.agent.surfaces.image_inputs import ImageInputs
from easel.agent.surfaces.response_items import OutputItems
from easel.agent.turn import conversation
from easel.agent.turn.events import Event
from easel.spaces import ids
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError, not_found
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.space import Space
from easel.spaces.web import json_body, openai_shape
from easel.tools.base import Tool, ToolContext, ToolOutcome

ERROR_PATHS = ("/v1/responses",)
error_shape = openai_shape
MODEL = "easel"
WORKSPACE_HEADER = "x-easel-workspace"
RESPONSE_ID = re.compile(r"^resp_([0-9a-f]{16})_(\d{1,6})$")
MAX_IMAGES = 32
log = logging.getLogger("easel.responses")


class ImageGenerationTool(BaseModel):
    """OpenAI's `image_generation` tool settings; what Easel has no use for is accepted and not used."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["image_generation"]
    size: str | None = None
    quality: Literal["auto", "low", "medium", "high"] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
    partial_images: int = Field(0, ge=0, le=3)

    def arguments(self) -> dict[str, Any]:
        """What these settings fix in every `image_gen` call ("auto" leaves the choice to the model)."""
        fixed: dict[str, Any] = {}
        if self.size and self.size != "auto":
            fixed["size"] = self.size
        for name in ("quality", "background", "output_format"):
            if (value := getattr(self, name)) is not None and value != "auto":
                fixed[name] = value
        return fixed


class ResponsesRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    input: str | list[dict[str, Any]]
    instructions: str | None = Field(None, max_length=100_000)
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: str | dict[str, Any] = "auto"
    previous_response_id: str | None = None
    stream: bool = False
    store: bool = True
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_output_tokens: int | None = Field(None, ge=1, le=32_000)
    metadata: dict[str, str] | None = None


def parse(body: dict[str, Any]) -> ResponsesRequest:
    try:
        return ResponsesRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        message = "is required" if first["type"] == "missing" else first["msg"].removeprefix("Value error, ")
        raise EaselError(400, "invalid_request", f"{where}: {message}", param=where) from None


def image_tool(req: ResponsesRequest) -> ImageGenerationTool | None:
    found = None
    for i, tool in enumerate(req.tools):
        if tool.get("type") != "image_generation":
            raise EaselError(400, "invalid_request", f"tools.{i}: tools of type {tool.get('type')!r} are not "
                             "supported here; Easel offers the image_generation tool", param=f"tools.{i}")
        try:
            found = ImageGenerationTool.model_validate(tool)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(["tools", str(i), *map(str, first["loc"])])
            raise EaselError(400, "invalid_request", f"{where}: {first['msg']}", param=where) from None
    return found


def tool_choice(req: ResponsesRequest, tool: ImageGenerationTool | None) -> str | dict[str, Any] | None:
    choice = req.tool_choice
    if tool is None:
        return None
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "image_generation":
        return {"type": "function", "function": {"name": "image_gen"}}
    raise EaselError(400, "invalid_request", "tool_choice must be auto, none, required or "
                     '{"type": "image_generation"}', param="tool_choice")


class ConfiguredImageGen:
    """`image_gen` with the request's tool settings fixed in every call the model makes."""

    name = "image_gen"

    def __init__(self, base: Tool, fixed: dict[str, Any]) -> None:
        self.base = base
        self.fixed = fixed

    def schema(self) -> dict[str, Any]:
        return self.base.schema()

    async def run(self, arguments: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        merged = {**arguments, **self.fixed}
        if "size" in self.fixed:
            merged.pop("aspect_ratio", None)
        return await self.base.run(merged, ctx)


# -- input ---------------------------------------------------------------------------------------------
def _text_of(content: Any, where: str) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    if isinstance(content, str):
        return content, []
    if not isinstance(content, list):
        raise EaselError(400, "invalid_request", f"{where}.content must be a string or a list of parts",
                         param=f"{where}.content")
    texts, images = [], []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            texts.append(str(part.get("text", "")))
        elif kind == "input_image":
            images.append((f"{where}.content.{j}", part))
        else:
            raise EaselError(400, "invalid_request", f"{where}.content.{j}: parts of type {kind!r} are not "
                             "supported; send input_text and input_image", param=f"{where}.content.{j}")
    return "\n".join(texts), images


async def _image(inputs: ImageInputs, where: str, part: dict[str, Any]) -> FileRecord:
    if part.get("file_id"):
        return await inputs.file(part["file_id"], param=f"{where}.file_id")
    return await inputs.resolve(part.get("image_url"), param=f"{where}.image_url")


def input_items(req: ResponsesRequest) -> list[dict[str, Any]]:
    return [{"role": "user", "content": req.input}] if isinstance(req.input, str) else req.input


async def read_input(req: ResponsesRequest, inputs: ImageInputs,
                     history: conversation.History) -> list[FileRecord]:
    """The request's input appended to the history; returns the images of the last user message."""
    items = input_items(req)
    if req.instructions:
        history.messages.insert(0, {"role": "system", "content": req.instructions})
    attached: list[FileRecord] = []
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    if not users:
        raise EaselError(400, "invalid_request", "input must hold a user message", param="input")
    count = 0
    for i, item in enumerate(items):
        where = f"input.{i}"
        if item.get("type") == "image_generation_call":  # an earlier output, passed back by the client
            if item.get("result"):
                made = await inputs.resolve(f"data:image/png;base64,{item['result']}", param=f"{where}.result")
                history.earlier.setdefault(made.id, conversation.MADE)
            continue
        role = item.get("role")
        if role not in ("user", "assistant", "system", "developer") or item.get("type", "message") != "message":
            raise EaselError(400, "invalid_request", f"{where}: input items must be messages (or earlier "
                             "image_generation_call outputs)", param=where)
        text, images = _text_of(item.get("content"), where)
        count += len(images)
        if count > MAX_IMAGES:
            raise EaselError(400, "too_many_images", f"A request may carry at most {MAX_IMAGES} images")
        files = [await _image(inputs, w, part) for w, part in images]
        if i == users[-1]:
            attached += files
        elif files:
            history.earlier.update({f.id: conversation.REFERENCED for f in files if f.id not in history.earlier})
            text = f"{text}\n[images: {', '.join(f.id for f in files)}]".strip()
        message = {"role": "system" if role == "developer" else role, "content": text}
        history.messages.append(message)
        history.new.append({**message, **({"file_ids": [f.id for f in files]} if files else {})})
    return attached


def _cut(stored: list[dict[str, Any]], turns: int) -> int | None:
    """Where the conversation stood after its `turns`-th user message had been answered."""
    seen = 0
    for i, message in enumerate(stored):
        if message.get("role") == "user":
            if seen == turns:
                return i
            seen += 1
    return len(stored) if seen == turns else None


async def previous(space: Space, workspace: Workspace, response_id: str | None) -> tuple[conversation.History, int]:
    """The conversation a response continues and how many user turns it had: its own conversation, or a
    branch of it (a new conversation with the messages up to that response) when that was not its latest."""
    if response_id is None:
        return conversation.History(ids.short_id("conv")), 0
    m = RESPONSE_ID.match(response_id)
    missing = not_found(f"Response {response_id!r} not found")
    if m is None:
        raise missing
    try:
        kept = await space.conversation(workspace, f"conv-{m[1]}")
    except EaselError:
        raise missing from None
    stored = await space.conversation_messages(kept)
    turns = int(m[2])
    upto = _cut(stored, turns)
    if upto is None:
        raise missing
    if upto == len(stored):
        return conversation.resumed(kept.id, stored), turns
    branch = conversation.resumed(ids.short_id("conv"), stored[:upto])
    branch.new = stored[:upto]  # the branch keeps the messages it grew from
    return branch, turns


# -- the route -----------------------------------------------------------------------------------------
async def _workspace(request: Request, principal: Principal) -> Workspace:
    return await turns.runtime(request).space.workspace(principal, request.headers.get(WORKSPACE_HEADER) or None)


async def create(request: Request) -> Response:
    principal = await authenticate(request)
    req = parse(await json_body(request))
    if req.stream:
        refuse_streaming(request)  # before anything runs: a stream is never replayed
    rt = turns.runtime(request)
    workspace = await _workspace(request, principal)
    model = None if req.model == MODEL else req.model
    rt.model_settings(model)  # an unknown model is refused before anything is stored
    tool = image_tool(req)
    choice = tool_choice(req, tool)
    history, turns_before = await previous(rt.space, workspace, req.previous_response_id)
    inputs = ImageInputs(request, rt.space, workspace)
    links = await rt.space.links(workspace)
    tools: list[Tool] = [ConfiguredImageGen(rt.tools.select(["image_gen"])[0], tool.arguments())] if tool else []
    async with inputs.kept_only_if_used():
        attached = await read_input(req, inputs, history)
        setup = await turns.setup_turn(
            request, principal, workspace, history=history, attached=attached, tools=tools, tool_choice=choice,
            model=model, temperature=min(req.temperature, 1.0), max_tokens=req.max_output_tokens or 4000,
            media=lambda f: turns.media_object(request, f, path=rt.space.lasting_path(links, f)),
            previews=tool.partial_images if tool and req.stream else 0)
    user_turns = turns_before + sum(1 for item in input_items(req) if item.get("role") == "user")
    items = OutputItems(rt.space, workspace, settings=tool,
                        shell=_shell(req, f"resp_{history.conversation_id.removeprefix('conv-')}_{user_turns}"))

    async def run(emit: Any) -> list[dict[str, Any]]:
        done = await turns.run_turn(rt, setup, emit, api="responses", keep=req.store)
        return items.finish(done)

    if not req.stream:
        async def collect(event: Event) -> None:
            await items.on(event)

        return JSONResponse((await run(collect))[-1]["response"])

    async def runner(send: turns.Send) -> None:
        async def emit_all(payloads: list[dict[str, Any]]) -> None:
            for payload in payloads:
                await send({"event": payload["type"], "data": json.dumps(payload)})

        async def emit(event: Event) -> None:
            await emit_all(await items.on(event))

        await emit_all(items.start())
        try:
            await emit_all(await run(emit))
        except EaselError as exc:
            await emit_all(items.failed(exc))
        except Exception:
            log.exception("a response failed")
            await emit_all(items.failed(EaselError(500, "internal_error", "The turn failed; the server logged why")))

    return turns.sse(runner)


def _shell(req: ResponsesRequest, response_id: str) -> dict[str, Any]:
    """The response object's fields that do not change as it is made."""
    return {"id": response_id, "object": "response", "created_at": int(time.time()), "model": req.model,
            "instructions": req.instructions, "tools": req.tools, "tool_choice": req.tool_choice,
            "temperature": req.temperature, "top_p": 1.0, "max_output_tokens": req.max_output_tokens,
            "previous_response_id": req.previous_response_id, "parallel_tool_calls": True, "store": req.store,
            "metadata": req.metadata or {}, "text": {"format": {"type": "text"}}, "truncation": "disabled",
            "reasoning": {"effort": None, "summary": None}, "error": None, "incomplete_details": None,
            "user": None}


routes = [Route("/v1/responses", create, methods=["POST"])]
