"""The chat-model seam: what the turn asks of a brain, and what it gets back.

The loop only knows `ChatModel.stream`. `agent/brains/litellm_model.py` implements it over
`litellm.acompletion` (the one place that calls it); tests may pass any object with this method.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ModelSettings:
    """Which model to call and how. `api_key` is never logged or echoed."""

    model: str
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 120.0
    max_retries: int = 2  # retries of 429/5xx before the first token
    # The operator's price in USD per million (input, output) tokens (EASEL_PRICES); it wins over litellm's.
    token_price: tuple[float, float] | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text, exactly as the model produced it


@dataclass(frozen=True)
class Usage:
    """Tokens and what they cost. `priced` is False when nobody could put a price on them (litellm does not
    know the model and EASEL_PRICES names none, or the provider reported no usage that could be counted):
    then `cost_usd` is only what is known, and the usage is shown as unpriced, never as free."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = True

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost_usd + other.cost_usd,
            self.priced and other.priced,
        )


@dataclass(frozen=True)
class ModelReply:
    """The last item of every stream: the whole text, the assembled tool calls, usage."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = Usage()
    finish_reason: str | None = None


ModelEvent = TextDelta | ModelReply


class ChatModel(Protocol):
    def stream(
        self,
        *,
        settings: ModelSettings,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        tool_choice: str | dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
    ) -> AsyncIterator[ModelEvent]:
        """Yield `TextDelta`s as text arrives, then exactly one `ModelReply`. Failures raise
        `spaces.errors.EaselError` (`upstream_error`, `rate_limited`, `invalid_model`, ...)."""
        ...
