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


# -- /v1/conversations ---------------------------------------------------------------------------------------
class ConversationSummary(Wire):
    id: str
    title: str
    workspace_id: str
    created_at: str
    updated_at: str
    message_count: int
    last_image: MediaObject | None = Field(description="The newest image of the thread, if any is still there")


class ConversationPagination(Wire):
    has_more: bool
    cursor: str | None


class ConversationList(Wire):
    conversations: list[ConversationSummary] = Field(description="Most recently updated first")
    pagination: ConversationPagination


class ThreadToolCall(Wire):
    tool: str
    call_id: str
    arguments: dict[str, Any]
    status: Literal["completed", "failed"]
    file_ids: list[str]
    error: str | None = None


class ThreadEntry(Wire):
    role: str = Field(description="user, or assistant: one entry per reply, its rounds joined")
    content: str
    file_ids: list[str]
    media: list[MediaObject] = Field(description="The entry's images that are still in the Space")
    tool_calls: list[ThreadToolCall] | None = Field(None, description="Assistant entries only")


class ConversationThread(ConversationSummary):
    messages: list[ThreadEntry]


class ConversationRename(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="Runs of white space become one space")


class ConversationDeleted(Wire):
    id: str
    deleted: Literal[True]


# -- OpenAI's chat completions and models -------------------------------------------------------------------
class CompletionMessage(Wire):
    role: Literal["assistant"]
    content: str = Field(description="The reply's text, each image it made as Markdown where it was made")
    refusal: None


class CompletionChoice(Wire):
    index: int
    message: CompletionMessage
    logprobs: None
    finish_reason: str


class CompletionUsage(Wire):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class EaselExtras(Wire):
    """What Easel adds to an OpenAI reply: the images as media objects, the tool calls and the cost."""

    media: list[MediaObject]
    tool_calls: list[ToolCallSummary]
    cost_usd: float | None = Field(description="null when the chat model is unpriced")


class ChatCompletion(Wire):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage
    system_fingerprint: str | None
    easel: EaselExtras


class ModelObject(Wire):
    id: str = Field(description="easel (the configured brain) and the allowed overrides")
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(Wire):
    object: Literal["list"]
    data: list[ModelObject]


COMPLETION_STREAM = (
    "With `stream: true`: Server-Sent Events of `chat.completion.chunk` objects (the images as Markdown in "
    "`delta.content`, and as media objects in `easel.media`), then `data: [DONE]`; an error mid-stream is one "
    "event in OpenAI's error shape.")


# -- OpenAI's Responses API ----------------------------------------------------------------------------------
class ResponseUsage(Wire):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: dict[str, int]
    output_tokens_details: dict[str, int]


class ResponseError(Wire):
    code: str
    message: str


class ResponseObject(Wire):
    id: str = Field(description="resp_<conversation>_<turns>: previous_response_id continues it")
    object: Literal["response"]
    created_at: int
    model: str
    status: Literal["completed", "failed", "in_progress"]
    output: list[dict[str, Any]] = Field(description="message items, and an image_generation_call item (its "
                                         "result the image in base64) for each image made")
    usage: ResponseUsage | None
    error: ResponseError | None
    previous_response_id: str | None
    instructions: str | None
    tools: list[dict[str, Any]]
    metadata: dict[str, str]


RESPONSE_STREAM = (
    "With `stream: true`: OpenAI's Responses events (`event:` and `data:` lines): response.created, "
    "response.in_progress, output text deltas, response.image_generation_call.* for each image, then "
    "response.completed (or response.failed, with the error).")


# -- MCP (streamable HTTP, stateless) ------------------------------------------------------------------------
class JsonRpcRequest(Wire):
    """One JSON-RPC message of the MCP protocol (initialize, tools/list, tools/call, resources/read, ...)."""

    jsonrpc: Literal["2.0"]
    method: str
    id: int | str | None = Field(None, description="Absent for a notification (answered 202, no body)")
    params: dict[str, Any] | None = None


class JsonRpcError(Wire):
    code: int
    message: str
    data: Any = None


class JsonRpcReply(Wire):
    jsonrpc: Literal["2.0"]
    id: int | str | None
    result: dict[str, Any] | None = None
    error: JsonRpcError | None = None
