"""OpenAI's chat completions: `POST /v1/chat/completions` (streamed and not) and `GET /v1/models`, for the
chat frontends and SDKs that speak only this.

Model `easel` is the configured brain with Easel's tools. Stateless like OpenAI: the history is what the
client sends. Each image made comes back in the assistant's content as a Markdown image with a lasting link
(the frontends store that Markdown and show it again weeks later), and its media object in the extension
field `easel.media`; images in the history are recognised from those links. Images sent in `image_url`
parts are `data:` URLs or Easel's own links, never fetched from elsewhere.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.agent.surfaces import turns
from easel.agent.surfaces.idempotency import refuse_streaming
from easel.agent.surfaces.image_inputs import ImageInputs, markdown_files
from easel.agent.turn import conversation
from easel.agent.turn.events import AiChunk, AiComplete, Event, MediaItem
from easel.spaces import ids
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.web import json_body, openai_shape

ERROR_PATHS = ("/v1/chat/completions", "/v1/models")
error_shape = openai_shape
MODEL = "easel"  # the configured brain, with Easel's tools
WORKSPACE_HEADER = "x-easel-workspace"
MAX_IMAGES = 32
log = logging.getLogger("easel.openai_chat")


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class CompletionRequest(BaseModel):
    # Sampling knobs Easel has no use for (top_p, penalties, seed, …) are accepted and not used, as other
    # OpenAI-compatible servers do; what would change the reply's shape is refused below.
    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, ge=1, le=32_000)
    max_completion_tokens: int | None = Field(None, ge=1, le=32_000)
    n: int = Field(1, ge=1, le=1)
    tools: list[Any] | None = None
    tool_choice: Literal["auto", "none", "required"] = "auto"
    user: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> CompletionRequest:
        if self.tools:
            raise ValueError("client-side tools are not supported: Easel runs its own image_gen tool")
        if self.messages[-1].role != "user":
            raise ValueError("the last message must be the user's")
        return self


def parse(body: dict[str, Any]) -> CompletionRequest:
    try:
        return CompletionRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        message = "is required" if first["type"] == "missing" else first["msg"].removeprefix("Value error, ")
        code = "invalid_model" if where == "model" and first["type"] != "missing" else "invalid_request"
        raise EaselError(400, code, f"{where}: {message}" if where != "body" else message,
                         param=None if where == "body" else where) from None


def _parts(message: Message, index: int) -> tuple[str, list[tuple[str, Any]]]:
    """The text of a message and its image URLs, each with where it came from (for errors)."""
    if message.content is None or isinstance(message.content, str):
        return message.content or "", []
    texts, images = [], []
    for j, part in enumerate(message.content):
        where = f"messages.{index}.content.{j}"
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            image = part.get("image_url")
            images.append((where, image.get("url") if isinstance(image, dict) else image))
        else:
            raise EaselError(400, "invalid_request", f"{where}: content parts of type {kind!r} are not "
                             "supported; send text and image_url parts", param=where)
    return "\n".join(texts), images


async def read_history(request: Request, req: CompletionRequest,
                       inputs: ImageInputs) -> tuple[conversation.History, list[FileRecord]]:
    """The client's messages as the model reads them; the last user message's images are attached,
    earlier ones (sent or made) are offered as earlier images of the conversation."""
    history = conversation.History(ids.short_id("conv"))
    attached: list[FileRecord] = []
    last = len(req.messages) - 1
    for i, m in enumerate(req.messages):
        text, images = _parts(m, i)
        if len(attached) + len(images) > MAX_IMAGES:
            raise EaselError(400, "too_many_images", f"A request may carry at most {MAX_IMAGES} images")
        files = [await inputs.resolve(url, param=where) for where, url in images]
        if m.role == "assistant":
            text, made = markdown_files(text, inputs.hosts)
            history.earlier.update({f: conversation.MADE for f in made if f not in history.earlier})
        elif i == last:
            attached += files
        else:
            history.earlier.update({f.id: conversation.REFERENCED for f in files if f.id not in history.earlier})
            if files:
                text = f"{text}\n[images: {', '.join(f.id for f in files)}]".strip()
        history.messages.append({"role": "system" if m.role == "developer" else m.role, "content": text})
    return history, attached


async def _workspace(request: Request, principal: Principal) -> Workspace:
    rt = turns.runtime(request)
    return await rt.space.workspace(principal, request.headers.get(WORKSPACE_HEADER) or None)


def _model_name(requested: str) -> str | None:
    return None if requested == MODEL else requested  # None: the configured brain


class Reply:
    """The OpenAI shape of one turn: content is the text with each image as Markdown where it was made."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{secrets.token_hex(12)}"
        self.created = int(time.time())
        self.model = model
        self.content: list[str] = []
        self.after_image = False

    def chunk(self, delta: dict[str, Any], *, finish: str | None = None,
              easel: dict[str, Any] | None = None) -> str:
        body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
                **({"easel": easel} if easel else {})}
        return json.dumps(body, separators=(",", ":"))

    def text_of(self, event: Event) -> str | None:
        if isinstance(event, AiChunk):
            text = event.content
            if self.after_image:  # what follows an image starts a paragraph of its own
                self.after_image = False
                text = "\n\n" + text.lstrip("\n")
            self.content.append(text)
            return text
        if isinstance(event, MediaItem):
            media = event.media
            alt = media["name"].replace("[", "(").replace("]", ")")
            before = "" if not self.content or self.content[-1].endswith("\n\n") else "\n\n"
            text = f"{before}![{alt}]({media['url']})"
            self.after_image = True
            self.content.append(text)
            return text
        return None

    @staticmethod
    def usage(done: AiComplete) -> dict[str, Any]:
        u = done.usage
        return {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"],
                "total_tokens": u["total_tokens"]}

    def whole(self, done: AiComplete) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(self.content),
                                                     "refusal": None},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": self.usage(done), "system_fingerprint": None,
                "easel": {"media": done.media, "tool_calls": done.tool_calls, "cost_usd": done.usage["cost_usd"]}}


async def completions(request: Request) -> Response:
    principal = await authenticate(request)
    req = parse(await json_body(request))
    if req.stream:
        refuse_streaming(request)  # before anything runs: a stream is never replayed
    rt = turns.runtime(request)
    workspace = await _workspace(request, principal)
    rt.model_settings(_model_name(req.model))  # an unknown model is refused before any image is stored
    inputs = ImageInputs(request, rt.space, workspace)
    links = await rt.space.links(workspace)
    async with inputs.kept_only_if_used():
        history, attached = await read_history(request, req, inputs)
        setup = await turns.setup_turn(
            request, principal, workspace, history=history, attached=attached, tools=rt.tools.select(["image_gen"]),
            tool_choice=req.tool_choice, model=_model_name(req.model), temperature=min(req.temperature, 1.0),
            max_tokens=req.max_completion_tokens or req.max_tokens or 4000,
            media=lambda f: turns.media_object(request, f, path=rt.space.lasting_path(links, f)))
    reply = Reply(req.model)

    if req.stream:
        include_usage = bool(req.stream_options and req.stream_options.include_usage)

        async def runner(send: turns.Send) -> None:
            await send(reply.chunk({"role": "assistant", "content": ""}))

            async def emit(event: Event) -> None:
                text = reply.text_of(event)
                if text is not None:
                    extra = {"media": [event.media]} if isinstance(event, MediaItem) else None
                    await send(reply.chunk({"content": text}, easel=extra))

            try:
                done = await turns.run_turn(rt, setup, emit, api="chat_completions", keep=False)
            except EaselError as exc:
                await send(json.dumps(openai_shape(exc)))
                return
            except Exception:
                log.exception("chat completion failed")
                await send(json.dumps(openai_shape(EaselError(500, "internal_error",
                                                              "The turn failed; the server logged why"))))
                return
            await send(reply.chunk({}, finish="stop"))
            if include_usage:
                await send(json.dumps({"id": reply.id, "object": "chat.completion.chunk", "created": reply.created,
                                       "model": reply.model, "choices": [], "usage": reply.usage(done)},
                                      separators=(",", ":")))
            await send("[DONE]")

        return turns.sse(runner)

    async def collect(event: Event) -> None:
        reply.text_of(event)

    done = await turns.run_turn(rt, setup, collect, api="chat_completions", keep=False)
    return JSONResponse(reply.whole(done))


async def models(request: Request) -> Response:
    await authenticate(request)
    settings = turns.runtime(request).settings
    names = list(dict.fromkeys([MODEL, *settings.allowed_models]))
    return JSONResponse({"object": "list", "data": [
        {"id": name, "object": "model", "created": 0, "owned_by": "easel"} for name in names]})


routes = [Route("/v1/chat/completions", completions, methods=["POST"]),
          Route("/v1/models", models, methods=["GET"])]
