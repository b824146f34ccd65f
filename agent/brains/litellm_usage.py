"""What a streamed completion cost, and the chunks litellm keeps while it streams.

Tokens come from litellm's usage object and are priced by litellm when it knows the model. When a provider
reports no usage, the tokens are counted here as litellm would have counted them from the chunks it kept,
chunks that `LitellmChatModel` lets go of as they pass (see `held_chunks`).
"""

from __future__ import annotations

import logging
from typing import Any

from easel.agent.brains.model import Usage

log = logging.getLogger(__name__)

# Models litellm's price map does not list. The map is the installed one (LITELLM_LOCAL_MODEL_COST_MAP), fixed
# for the life of the process, so its answer is remembered; any other pricing failure is not.
_unpriced_models: set[str] = set()
_priced_models: set[str] = set()
_said: set[tuple[str, str]] = set()


def say_once(model: str, what: str, message: str, *args: Any) -> None:
    """A warning logged once per model and kind of trouble: loud enough to be seen, not once per turn."""
    if (model, what) not in _said:
        _said.add((model, what))
        log.warning(message, *args)


def unmapped_errors(litellm: Any) -> tuple[type[BaseException], ...]:
    """What litellm raises for a model its price map lacks (ModelNotMappedError in litellm 1.106; NotFoundError
    where a lookup reports it as one)."""
    names = ("ModelNotMappedError", "NotFoundError")
    return tuple(getattr(litellm.exceptions, n) for n in names if isinstance(getattr(litellm.exceptions, n, None),
                                                                            type))


def held_chunks(response: Any) -> list[Any] | None:
    """The list in which litellm keeps every chunk of a stream, to rebuild the whole response for its
    logging once the stream ends. Easel assembles text, tool calls and usage itself and has no litellm
    callbacks, so the list only costs: ~2 KB per chunk for as long as the stream lasts, and 10-30 ms of CPU
    at its end rebuilding a response nobody reads (bench/changes.md). It is emptied as chunks go by,
    all but the latest chunk that carries usage (`let_go`), from which litellm builds the final usage.
    (litellm >=1.106,<1.107: `CustomStreamWrapper.chunks`.)"""
    chunks = getattr(response, "chunks", None)
    return chunks if type(chunks) is list else None


def let_go(held: list[Any]) -> None:
    """Empty litellm's kept chunks (`held_chunks`) but for the latest one that carries usage. litellm builds the
    stream's final usage chunk from the chunks it kept, and providers that report usage on a chunk that also
    carries content or a finish reason (Anthropic's `message_delta`, Gemini's last candidate, Ollama's `done`
    line) have that usage only in this list: emptied, their turns were priced from estimated tokens."""
    kept = None
    for chunk in reversed(held):
        if getattr(chunk, "usage", None) is not None:
            kept = chunk
            break
    held.clear()
    if kept is not None:
        held.append(kept)


def estimated_usage(litellm: Any, model: str, messages: list[dict[str, Any]], completion: str) -> Any:
    """Tokens counted as litellm would when the provider reports none (it would count the chunks that
    `held_chunks` let go): the prompt from the messages, the completion from its text and tool calls."""
    try:
        prompt_tokens = int(litellm.token_counter(model=model, messages=messages))
        completion_tokens = int(litellm.token_counter(model=model, text=completion)) if completion else 0
    except Exception as exc:  # a turn never fails over counting; its usage is then shown as unpriced
        say_once(model, "count", "cannot count the tokens of %s (%s: %s); its usage is recorded as unpriced",
                 model, type(exc).__name__, str(exc)[:200])
        return None
    return litellm.Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                         total_tokens=prompt_tokens + completion_tokens)


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def usage_of(litellm: Any, model: str, usage: Any, token_price: tuple[float, float] | None = None) -> Usage:
    """Tokens from litellm's usage object, priced by the operator's `token_price` (USD per million input and
    output tokens) when there is one, else by litellm. No usage at all (nothing reported, nothing counted) is
    unpriced, as are tokens nobody has a price for: never free."""
    if usage is None:
        return Usage(priced=False)
    prompt = int(_field(usage, "prompt_tokens") or 0)
    completion = int(_field(usage, "completion_tokens") or 0)
    cost = _cost(litellm, model, prompt, completion, usage, token_price)
    return Usage(prompt, completion, cost or 0.0, priced=cost is not None)


def is_priced(litellm: Any, model: str, token_price: tuple[float, float] | None = None) -> bool:
    """Whether this chat model's tokens have a price, asked before a turn: an account with a budget is not
    let loose on a model whose use cannot be charged."""
    if token_price is not None or model in _priced_models:
        return True
    if model in _unpriced_models:
        return False
    priced = _cost(litellm, model, 1, 1, None, None) is not None
    if priced:
        _priced_models.add(model)
    return priced


def _cost(litellm: Any, model: str, prompt: int, completion: int, usage: Any,
          token_price: tuple[float, float] | None) -> float | None:
    """USD, or None when the tokens cannot be priced."""
    if token_price is not None:
        return (prompt * token_price[0] + completion * token_price[1]) / 1_000_000
    if not (prompt or completion):
        return 0.0
    if litellm is None or model in _unpriced_models:
        return None
    try:
        return _litellm_cost(litellm, model, prompt, completion, usage)
    except unmapped_errors(litellm):
        _unpriced_models.add(model)
        say_once(model, "unmapped", "litellm has no price for the chat model %s and EASEL_PRICES names none: its "
                 "usage is recorded as unpriced, and accounts with a budget cannot use it", model)
        return None
    except Exception as exc:  # anything else is this usage's trouble, not the model's: said, then plain counts
        say_once(model, type(exc).__name__, "litellm could not price a usage of %s (%s: %s); pricing its plain "
                 "token counts instead", model, type(exc).__name__, str(exc)[:200])
    if usage is None:
        return None
    try:
        return _litellm_cost(litellm, model, prompt, completion, None)
    except Exception as exc:  # said once; this usage stays unpriced (the next one is priced afresh)
        say_once(model, "plain:" + type(exc).__name__, "litellm could not price %s tokens (%s: %s); this usage is "
                 "recorded as unpriced", model, type(exc).__name__, str(exc)[:200])
        return None


def _litellm_cost(litellm: Any, model: str, prompt: int, completion: int, usage: Any) -> float:
    kwargs = {"usage_object": usage} if usage is not None else {}
    prompt_cost, completion_cost = litellm.cost_per_token(model=model, prompt_tokens=prompt,
                                                          completion_tokens=completion, **kwargs)
    return float(prompt_cost) + float(completion_cost)
