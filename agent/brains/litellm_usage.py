"""What a streamed completion cost, and the chunks litellm keeps while it streams.

Tokens come from litellm's usage object and are priced by litellm when it knows the model. When a provider
reports no usage, the tokens are counted here as litellm would have counted them from the chunks it kept,
chunks that `LitellmChatModel` lets go of as they pass (see `held_chunks`).
"""

from __future__ import annotations

from typing import Any

from easel.agent.brains.model import Usage

_unpriced_models: set[str] = set()  # models litellm has no price for: don't pay for the exception twice


def held_chunks(response: Any) -> list[Any] | None:
    """The list in which litellm keeps every chunk of a stream, to rebuild the whole response for its
    logging once the stream ends. Easel assembles text, tool calls and usage itself and has no litellm
    callbacks, so the list only costs: ~2 KB per chunk for as long as the stream lasts, and 10-30 ms of CPU
    at its end rebuilding a response nobody reads (bench/changes.md). It is emptied as chunks go by. The
    provider's usage still arrives: litellm keeps the usage chunk, which comes after the last one it hands
    over, and builds the final usage from it. (litellm >=1.106,<1.107: `CustomStreamWrapper.chunks`.)"""
    chunks = getattr(response, "chunks", None)
    return chunks if type(chunks) is list else None


def estimated_usage(litellm: Any, model: str, messages: list[dict[str, Any]], completion: str) -> Any:
    """Tokens counted as litellm would when the provider reports none (it would count the chunks that
    `held_chunks` let go): the prompt from the messages, the completion from its text and tool calls."""
    try:
        prompt_tokens = int(litellm.token_counter(model=model, messages=messages))
        completion_tokens = int(litellm.token_counter(model=model, text=completion)) if completion else 0
    except Exception:  # counting is best effort; a turn never fails over it
        return None
    return litellm.Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                         total_tokens=prompt_tokens + completion_tokens)


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def usage_of(litellm: Any, model: str, usage: Any) -> Usage:
    """Tokens from litellm's usage object, priced by litellm when it knows the model (else 0.0)."""
    if usage is None:
        return Usage()
    prompt = int(_field(usage, "prompt_tokens") or 0)
    completion = int(_field(usage, "completion_tokens") or 0)
    return Usage(prompt, completion, _cost(litellm, model, prompt, completion, usage))


def _cost(litellm: Any, model: str, prompt: int, completion: int, usage: Any) -> float:
    if model in _unpriced_models or not (prompt or completion) or litellm is None:
        return 0.0
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt, completion_tokens=completion, usage_object=usage
        )
        return float(prompt_cost) + float(completion_cost)
    except Exception:  # unknown model or odd usage: cost is informative, never worth failing a turn
        _unpriced_models.add(model)
        return 0.0
