"""`POST /v1/chat`'s replies as pydantic models, for the OpenAPI document. The request is
`agent.turn.contract.ChatRequest`, the model the route validates with."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


class MediaObject(Wire):
    file_id: str
    name: str
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    url: str = Field(description="A signed link that works in an <img> tag without a key, until it expires")
    metadata: dict[str, Any] = Field(description="operation, prompt, revised_prompt, model, seed, style, "
                                     "source_file_ids, cost_usd")


class ToolCallSummary(Wire):
    tool: str
    call_id: str
    arguments: dict[str, Any]
    status: Literal["completed", "failed"]
    file_ids: list[str] = []
    error: str | None = None


class ChatUsage(Wire):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float | None = Field(description="The turn's cost in USD, its images included; null when the chat "
                                   "model's tokens or a painting have no price (litellm does not know the model "
                                   "and EASEL_PRICES names none): unknown, not free")


class ChatReply(Wire):
    id: str
    conversation_id: str
    model: str
    response: str = Field(description="The assistant's whole text")
    media: list[MediaObject]
    tool_calls: list[ToolCallSummary]
    usage: ChatUsage
    created_at: str


STREAM_DESCRIPTION = (
    "With `stream: true`: Server-Sent Events, each one line `data: <JSON object>` and a blank line, nothing "
    "else. `type` is one of ai_chunk {content}, tool_status {tool, call_id, status, arguments?, error?}, "
    "media_item {a media object}, ping, error {code, error} (last), ai_complete {response, media, tool_calls, "
    "usage, conversation_id} (last). Exactly one of ai_complete or error ends every stream.")
