"""The turn's events as the Responses API's output items and stream events.

Text becomes `message` items (a new one after each image, as the turn speaks again), each image an
`image_generation_call` item with its bytes in base64. Every stream event carries a `sequence_number`; the
final `response` object is built from the same items, so streamed and whole replies say the same.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from typing import Any

from easel.agent.turn.events import AiChunk, AiComplete, Event, MediaItem, MediaPreview, ToolStatus
from easel.spaces.errors import EaselError
from easel.spaces.records import Workspace
from easel.spaces.space import Space


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


class OutputItems:
    def __init__(self, space: Space, workspace: Workspace, *, settings: Any, shell: dict[str, Any]) -> None:
        self.space = space
        self.workspace = workspace
        self.settings = settings  # the request's image_generation tool, or None
        self.shell = shell
        self.output: list[dict[str, Any]] = []
        self.seq = 0
        self.message: int | None = None  # the index of the message item being written
        self.calls: dict[str, int] = {}  # tool call id -> index of its first image item
        self.task_call: dict[asyncio.Task[Any] | None, str] = {}

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        payload = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        return payload

    def response(self, status: str, **extra: Any) -> dict[str, Any]:
        return {**self.shell, "status": status, "output": self.output, **extra}

    def start(self) -> list[dict[str, Any]]:
        return [self._event("response.created", response=self.response("in_progress", output=[])),
                self._event("response.in_progress", response=self.response("in_progress", output=[]))]

    # -- text -------------------------------------------------------------------------------------------
    def _open_message(self) -> list[dict[str, Any]]:
        part: dict[str, Any] = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        item: dict[str, Any] = {"id": _id("msg"), "type": "message", "status": "in_progress", "role": "assistant",
                                "content": [part]}
        self.output.append(item)
        self.message = index = len(self.output) - 1
        return [self._event("response.output_item.added", output_index=index,
                            item={**item, "content": []}),
                self._event("response.content_part.added", item_id=item["id"], output_index=index,
                            content_index=0, part={**part})]

    def _close_message(self) -> list[dict[str, Any]]:
        if self.message is None:
            return []
        index, self.message = self.message, None
        item = self.output[index]
        item["status"] = "completed"
        part = item["content"][0]
        return [self._event("response.output_text.done", item_id=item["id"], output_index=index,
                            content_index=0, text=part["text"], logprobs=[]),
                self._event("response.content_part.done", item_id=item["id"], output_index=index,
                            content_index=0, part=part),
                self._event("response.output_item.done", output_index=index, item=item)]

    def _text(self, delta: str) -> list[dict[str, Any]]:
        events = self._open_message() if self.message is None else []
        item = self.output[self.message]  # type: ignore[index]
        item["content"][0]["text"] += delta
        return events + [self._event("response.output_text.delta", item_id=item["id"],
                                     output_index=self.message, content_index=0, delta=delta, logprobs=[])]

    # -- images -----------------------------------------------------------------------------------------
    def _open_call(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"id": _id("ig"), "type": "image_generation_call", "status": "in_progress",
                                "result": None}
        self.output.append(item)
        index = len(self.output) - 1
        return [self._event("response.output_item.added", output_index=index, item=dict(item)),
                self._event("response.image_generation_call.in_progress", item_id=item["id"], output_index=index)]

    def _generating(self, index: int) -> dict[str, Any]:
        self.output[index]["status"] = "generating"
        return self._event("response.image_generation_call.generating", item_id=self.output[index]["id"],
                           output_index=index)

    async def _image(self, call_id: str | None, media: dict[str, Any]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        index = self.calls.get(call_id or "", -1)
        if index < 0 or self.output[index]["result"] is not None:  # a second image of the same call
            events += self._close_message() + self._open_call()
            index = len(self.output) - 1
            events.append(self._generating(index))
        item = self.output[index]
        data = await self.space.read(await self.space.file(self.workspace, media["file_id"]))
        meta = media.get("metadata") or {}
        item.update(status="completed", result=base64.b64encode(data).decode(),
                    revised_prompt=meta.get("revised_prompt") or meta.get("prompt"),
                    size=f"{media['width']}x{media['height']}",
                    output_format=media["mime_type"].removeprefix("image/"),
                    quality=getattr(self.settings, "quality", None) or "auto",
                    background=getattr(self.settings, "background", None) or "auto",
                    easel=media)
        events.append(self._event("response.image_generation_call.completed", item_id=item["id"],
                                  output_index=index))
        events.append(self._event("response.output_item.done", output_index=index, item=item))
        return events

    def _call_ended(self, status: ToolStatus) -> list[dict[str, Any]]:
        index = self.calls.get(status.call_id, -1)
        if index < 0 or self.output[index]["result"] is not None:
            return []
        item = self.output[index]
        item.update(status="failed", error=status.error)
        return [self._event("response.output_item.done", output_index=index, item=item)]

    # -- the turn's events ------------------------------------------------------------------------------
    async def on(self, event: Event) -> list[dict[str, Any]]:
        if isinstance(event, AiChunk):
            return self._text(event.content) if event.content else []
        if isinstance(event, ToolStatus):
            if event.status == "in_progress":
                events = self._close_message() + self._open_call()
                self.calls[event.call_id] = len(self.output) - 1
                return events
            if event.status == "generating":
                # A call's images are announced from the task that runs it: remember which call that is.
                self.task_call[asyncio.current_task()] = event.call_id
                return [self._generating(self.calls[event.call_id])]
            return self._call_ended(event)
        if isinstance(event, MediaPreview):
            return self._partial(event)
        if isinstance(event, MediaItem):
            return await self._image(self.task_call.get(asyncio.current_task()), event.media)
        return []

    def _partial(self, preview: MediaPreview) -> list[dict[str, Any]]:
        """An intermediate state the painter sent (the turn asked for them only when `partial_images` did)."""
        index = self.calls.get(preview.call_id, -1)
        if index < 0 or self.output[index]["result"] is not None or preview.data is None:
            return []
        return [self._event("response.image_generation_call.partial_image", item_id=self.output[index]["id"],
                            output_index=index, partial_image_index=preview.index,
                            partial_image_b64=preview.data.partition(",")[2])]

    def finish(self, done: AiComplete) -> list[dict[str, Any]]:
        """The last events; the final one, `response.completed`, carries the whole response."""
        events = self._close_message()
        u = done.usage
        usage = {"input_tokens": u["prompt_tokens"], "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": u["completion_tokens"], "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": u["total_tokens"]}
        return events + [self._event("response.completed", response=self.response("completed", usage=usage))]

    def failed(self, error: EaselError) -> list[dict[str, Any]]:
        return self._close_message() + [self._event("response.failed", response=self.response(
            "failed", error={"code": error.code, "message": error.message}, usage=None))]
