"""The `/v1/chat` request, validated with pydantic into the contract's errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from easel.spaces.errors import EaselError

MAX_MESSAGES = 200
MAX_CONTENT_CHARS = 100_000


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str | list[dict[str, Any]] | None = ""
    # Ours: an assistant message may carry the file ids it returned (from ai_complete.media), so a
    # stateless client that replays its history lets the model refer to those images.
    file_ids: list[str] = Field(default_factory=list, max_length=32)

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if self.content is None:
            return ""
        # OpenAI-style content parts: keep the text parts; images come in through file_ids.
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")

    @field_validator("content")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        # Counted over the text parts too: a list of parts is the same message in another shape.
        parts = [value] if isinstance(value, str) else [str(p.get("text", "")) for p in value or ()
                                                         if p.get("type") == "text"]
        if sum(map(len, parts)) > MAX_CONTENT_CHARS:
            raise ValueError(f"a message may hold at most {MAX_CONTENT_CHARS} characters")
        return value


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    messages: list[ChatMessage] = Field(max_length=MAX_MESSAGES)
    workspace_id: str
    tools: list[str] | None = None
    tool_choice: str = "auto"
    temperature: float = Field(0.0, ge=0.0, le=1.0)
    max_tokens: int = Field(4000, ge=1, le=32_000)
    stream: bool = False
    # Ours: `media_preview` events (the painter's intermediate states) before each `media_item`.
    previews: bool = False
    file_ids: list[str] = Field(default_factory=list, max_length=32)
    folder_ids: list[str] = Field(default_factory=list, max_length=16)
    model: str | None = None
    conversation_id: str | None = None

    @model_validator(mode="after")
    def _has_a_message(self) -> ChatRequest:
        # Even a kept conversation needs the new user message this turn answers.
        if not self.messages:
            raise ValueError("messages must hold at least one message")
        if self.messages[-1].role != "user":
            raise ValueError("the last message must be the user's")
        return self


_FIELD_CODES = {"workspace_id": "invalid_request", "messages": "invalid_request"}


def parse_chat_request(body: dict[str, Any]) -> ChatRequest:
    try:
        return ChatRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "is required"
        raise EaselError(400, _FIELD_CODES.get(str(first["loc"][0]) if first["loc"] else "", "invalid_request"),
                         f"{where}: {message}", param=where) from None
