"""The chat turn, in named steps: build the context, ask the model, run the tools it called, finish.

The turn only emits events; whoever runs it decides how they travel (SSE, or collected into one JSON
reply). Tool work is spawned on `Background` and awaited through a shield, so a client that goes away
cancels the model's stream but never an image that is being painted.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from easel.agent.brains.model import ChatModel, ModelReply, ModelSettings, TextDelta, ToolCall, Usage
from easel.agent.turn.background import Background
from easel.agent.turn.conversation import History
from easel.agent.turn.events import AiChunk, AiComplete, Event, MediaItem, MediaPreview, ToolState, ToolStatus
from easel.spaces import metrics, safejson
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.space import Space
from easel.tools.base import Tool, ToolContext, ToolOutcome
from easel.tools.engines.base import PartialImage

Emit = Callable[[Event], Awaitable[None]]


@dataclass
class TurnSetup:
    """Everything a turn needs, checked before it starts (so bad input never reaches the model)."""

    space: Space
    model: ChatModel
    model_settings: ModelSettings
    background: Background
    principal: Principal
    workspace: Workspace
    tools: list[Tool]
    tool_choice: str | dict[str, Any] | None
    temperature: float
    max_tokens: int
    max_rounds: int
    system_prompt: str
    history: History
    media_object: Callable[[FileRecord], dict[str, Any]]
    # How long a tool waits for an asynchronous job (a video) before answering with its id: None for a
    # streamed turn (it waits, sending progress), EASEL_VIDEO_WAIT_S for one answered as a whole.
    tool_wait_s: float | None = None
    previews: int = 0  # intermediate states sent (as `media_preview`) for each image a call makes


@dataclass
class CallRecord:
    call: ToolCall
    arguments: dict[str, Any] | None
    problem: str = ""  # why the arguments could not be read, when they could not
    outcome: ToolOutcome | None = None


@dataclass
class Turn:
    setup: TurnSetup
    emit: Emit
    text: list[str] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    async def run(self) -> AiComplete:
        messages = self.build_context()
        for round_no in range(self.setup.max_rounds + 1):
            reply = await self.ask_model(messages, self._tool_choice(round_no))
            if not reply.tool_calls:
                self._remember({"role": "assistant", "content": reply.text})
                break
            assistant = {"role": "assistant", "content": reply.text or None,
                         "tool_calls": [{"id": c.id, "type": "function",
                                         "function": {"name": c.name, "arguments": c.arguments}}
                                        for c in reply.tool_calls]}
            messages.append(assistant)
            self._remember(assistant)
            for message in await self.run_tools(reply.tool_calls):
                messages.append({k: v for k, v in message.items() if k != "file_ids"})
                self._remember(message)
        return self.finish()

    # -- step 1 -------------------------------------------------------------------------------------
    def build_context(self) -> list[dict[str, Any]]:
        return [{"role": "system", "content": self.setup.system_prompt}, *self.setup.history.messages]

    # -- step 2 -------------------------------------------------------------------------------------
    def _tool_choice(self, round_no: int) -> str | dict[str, Any] | None:
        if not self.setup.tools:
            return None
        if round_no == self.setup.max_rounds:
            return "none"  # the last round is for the model's closing words
        return self.setup.tool_choice if round_no == 0 else "auto"

    async def ask_model(self, messages: list[dict[str, Any]], tool_choice: str | dict[str, Any] | None) -> ModelReply:
        pending_break = bool(self.text) and not self.text[-1].endswith(("\n", " "))
        stream = self.setup.model.stream(
            settings=self.setup.model_settings, messages=messages,
            tools=[t.schema() for t in self.setup.tools], tool_choice=tool_choice,
            temperature=self.setup.temperature, max_tokens=self.setup.max_tokens)
        async for item in stream:
            if isinstance(item, TextDelta):
                if not item.text:
                    continue
                if pending_break:  # text of a new round starts a new paragraph
                    pending_break = False
                    await self._say("\n\n")
                await self._say(item.text)
            else:
                self.usage = self.usage + item.usage
                return item
        return ModelReply(text="")

    async def _say(self, text: str) -> None:
        self.text.append(text)
        await self.emit(AiChunk(text))

    # -- step 3 -------------------------------------------------------------------------------------
    async def run_tools(self, calls: tuple[ToolCall, ...]) -> list[dict[str, Any]]:
        records = [CallRecord(c, *_parse_arguments(c.arguments)) for c in calls]
        self.calls += records
        for r in records:
            await self.emit(ToolStatus(r.call.name, r.call.id, "in_progress", arguments=r.arguments or {}))
        tasks = [self.setup.background.spawn(self._run_one(r)) for r in records]
        # Shielded: if the client leaves and this turn is cancelled, the painting goes on and is saved.
        await asyncio.shield(asyncio.gather(*tasks))
        return [_tool_message(r) for r in records]

    async def _run_one(self, record: CallRecord) -> None:
        call = record.call
        tool = next((t for t in self.setup.tools if t.name == call.name), None)
        if tool is None:
            metrics.TOOL_CALLS.labels("unknown", "none", "unknown_tool").inc()  # the name is the model's
            record.outcome = ToolOutcome.failed(f"There is no tool named {call.name!r} in this conversation")
        elif record.arguments is None:
            metrics.TOOL_CALLS.labels(tool.name, "none", "invalid_arguments").inc()
            record.outcome = ToolOutcome.failed(f"The arguments are not a valid JSON object ({record.problem}); "
                                                "send them again")
        else:
            record.outcome = await tool.run(record.arguments, self._tool_context(call))
        outcome = record.outcome
        await self.emit(ToolStatus(call.name, call.id, cast(ToolState, outcome.state), error=outcome.error,
                                   code=outcome.code, job_id=outcome.details.get("job_id")))

    def _tool_context(self, call: ToolCall) -> ToolContext:
        async def generating() -> None:
            await self.emit(ToolStatus(call.name, call.id, "generating"))

        async def on_file(record: FileRecord) -> None:
            media = self.setup.media_object(record)
            self.media.append(media)
            await self.emit(MediaItem(media))

        async def progress(percent: int, job_id: str) -> None:
            await self.emit(ToolStatus(call.name, call.id, "generating", progress=percent, job_id=job_id))

        async def on_partial(partial: PartialImage) -> None:
            data = f"data:{partial.mime_type};base64,{base64.b64encode(partial.data).decode()}"
            await self.emit(MediaPreview(call.id, partial.index, data=data))

        return ToolContext(space=self.setup.space, workspace=self.setup.workspace, principal=self.setup.principal,
                           on_generating=generating, on_file=on_file, on_progress=progress,
                           wait_s=self.setup.tool_wait_s, partial_images=self.setup.previews,
                           on_partial=on_partial if self.setup.previews else None)

    # -- step 4 -------------------------------------------------------------------------------------
    def _remember(self, message: dict[str, Any]) -> None:
        self.setup.history.new.append(message)

    def finish(self) -> AiComplete:
        tool_cost = sum(r.outcome.cost_usd for r in self.calls if r.outcome)
        u = self.usage
        priced = u.priced and all(r.outcome.priced for r in self.calls if r.outcome)
        return AiComplete(
            response="".join(self.text), conversation_id=self.setup.history.conversation_id, media=self.media,
            tool_calls=[{"tool": r.call.name, "call_id": r.call.id, "arguments": r.arguments or {},
                         "status": r.outcome.state if r.outcome else "failed",
                         "file_ids": [f.id for f in r.outcome.files] if r.outcome else [],
                         **({"error": r.outcome.error} if r.outcome and r.outcome.error else {}),
                         **({"code": r.outcome.code} if r.outcome and r.outcome.code else {}),
                         **({k: v for k, v in r.outcome.details.items() if k != "status"} if r.outcome else {})}
                        for r in self.calls],
            usage={"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
                   "total_tokens": u.prompt_tokens + u.completion_tokens,
                   # null when the chat model's tokens or a painting have no price: unknown, not free
                   "cost_usd": round(u.cost_usd + tool_cost, 6) if priced else None},
        )


def _parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str]:
    """The model's arguments, or None and why not: the model is as much a stranger as a client, and
    a 5,000-digit number or 20,000 brackets from it must become a tool error it can correct."""
    try:
        parsed = safejson.loads(raw or "{}")
    except safejson.UnsafeJson as exc:
        return None, str(exc)
    if not isinstance(parsed, dict):
        return None, f"they are a JSON {type(parsed).__name__}, not an object"
    return parsed, ""


def _tool_message(record: CallRecord) -> dict[str, Any]:
    outcome = record.outcome or ToolOutcome.failed("The tool did not finish")
    message: dict[str, Any] = {"role": "tool", "tool_call_id": record.call.id, "content": json.dumps(outcome.content)}
    if outcome.files:
        message["file_ids"] = [f.id for f in outcome.files]  # stored with the conversation, not sent
    return message
