"""`ChatModel` over litellm: the only place in Easel that calls `litellm.acompletion`.

One streamed completion per `stream()` call, by one of two lanes:

- the fast lane (`openai_wire.py`) for providers that speak OpenAI's wire format (OpenAI, Azure OpenAI, any
  `openai/` model with an api_base): litellm resolves the route and the parameters, prices the usage and maps
  errors, and the stream is read with httpx and orjson, ~15x cheaper per chunk. `EASEL_FAST_LANE=0` turns it off.
- litellm's own `acompletion` stream for every other provider.

Either way text deltas are passed on as they arrive, tool-call fragments are assembled here, usage comes
from the final usage chunk, and a model stuck repeating one chunk is stopped (`REPEAT_LIMIT`). Transient
failures (429, 5xx, connection errors) are retried with backoff, but only while nothing has been yielded to
the caller, so a retry can never duplicate text the user already saw. Every failure leaves as an
`EaselError` whose message is safe to show (`litellm_errors.py`).

litellm is imported once, lazily (its import costs seconds).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from easel.agent.brains import openai_wire
from easel.agent.brains.litellm_errors import failure_kind, is_retriable, retry_after_seconds, to_easel_error
from easel.agent.brains.litellm_usage import estimated_usage, held_chunks, let_go, usage_of
from easel.agent.brains.model import ModelEvent, ModelReply, ModelSettings, TextDelta, ToolCall
from easel.spaces import metrics
from easel.spaces.errors import EaselError

_litellm: Any = None
MAX_PROVIDER_CONNECTIONS = 10_000
# The same chunk of text this many times in a row ends the turn (litellm's own guard, which Easel switches off
# by letting go of litellm's kept chunks, uses 100). Chunks of two characters or fewer never count: "\n\n",
# " |" and the like repeat in honest answers.
REPEAT_LIMIT = 100

__all__ = ["LitellmChatModel", "load_litellm", "is_retriable", "retry_after_seconds", "to_easel_error"]


def load_litellm() -> Any:
    """Import litellm once. The env var must be set before the import, or litellm fetches its cost map
    from the network at import time."""
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        # litellm's HTTP pool allows 500 connections per host (1,000 in all), read once at import. Every
        # open chat stream holds one connection to its provider, so stream 501 to the same provider would
        # wait for another to end; the server's own limits (EASEL_MAX_CONCURRENT) bound streams instead.
        os.environ.setdefault("AIOHTTP_CONNECTOR_LIMIT", str(MAX_PROVIDER_CONNECTIONS))
        os.environ.setdefault("AIOHTTP_CONNECTOR_LIMIT_PER_HOST", str(MAX_PROVIDER_CONNECTIONS))
        import litellm

        litellm.suppress_debug_info = True  # it otherwise prints "Give Feedback" banners on every error
        _litellm = litellm
    return _litellm


class ModelRepeating(EaselError):
    def __init__(self, chunk: str, times: int) -> None:
        super().__init__(502, "upstream_error", f"The chat model repeated the same words {times} times in a row "
                         f"({chunk[:40]!r}); its answer was stopped")


class LitellmChatModel:
    """The production `ChatModel`. `backoff_base_s`/`max_backoff_s` shape the retry waits (tests shrink
    them); a Retry-After from the provider wins over the computed backoff, capped at `max_backoff_s`.
    `fast_lane=False` sends every provider through litellm's own stream."""

    def __init__(self, *, backoff_base_s: float = 0.5, max_backoff_s: float = 20.0, fast_lane: bool = True,
                 repeat_limit: int = REPEAT_LIMIT) -> None:
        self.backoff_base_s = backoff_base_s
        self.max_backoff_s = max_backoff_s
        self.fast_lane = fast_lane
        self.repeat_limit = repeat_limit
        self._routes: dict[ModelSettings, openai_wire.Route | None] = {}
        self._wire = openai_wire.WireClient()

    async def aclose(self) -> None:
        """Close the fast lane's connections (at shutdown)."""
        await self._wire.aclose()

    def route(self, settings: ModelSettings) -> openai_wire.Route | None:
        """The fast lane's route for these settings, or None for litellm's own path (resolved once)."""
        if not self.fast_lane:
            return None
        if settings not in self._routes:
            self._routes[settings] = openai_wire.route_for(_litellm or load_litellm(), settings)
        return self._routes[settings]

    async def stream(
        self,
        *,
        settings: ModelSettings,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        tool_choice: str | dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
    ) -> AsyncIterator[ModelEvent]:
        litellm = _litellm or load_litellm()
        route = self.route(settings)
        mapped: Callable[[Exception], Exception] = lambda exc: exc  # noqa: E731
        opener: Callable[[_ReplyBuilder], AsyncGenerator[str, None]]
        if route is not None:
            body = openai_wire.request_body(litellm, route, messages, tools, tool_choice, temperature, max_tokens)
            opener = lambda reply: self._wire_texts(route, body, settings.timeout_s, reply)  # noqa: E731
            mapped = lambda exc: (openai_wire.mapped_error(litellm, route, exc)  # noqa: E731
                                  if isinstance(exc, openai_wire.WireHTTPError) else exc)
        else:
            kwargs = _request_kwargs(settings, messages, tools, tool_choice, temperature, max_tokens)
            opener = lambda reply: _litellm_texts(litellm.acompletion, kwargs, reply)  # noqa: E731
        attempt = 0
        while True:
            reply = _ReplyBuilder(self.repeat_limit)
            yielded = False
            texts = opener(reply)
            try:
                async for text in texts:
                    yielded = True
                    yield TextDelta(text)
            except (GeneratorExit, asyncio.CancelledError):
                await texts.aclose()  # the caller stopped listening: release the connection
                raise
            except EaselError:
                raise
            except Exception as exc:
                exc = mapped(exc)
                metrics.UPSTREAM_ERRORS.labels("chat", failure_kind(exc)).inc()
                if not yielded and attempt < settings.max_retries and is_retriable(exc) and self._can_wait(exc):
                    await asyncio.sleep(self._delay(exc, attempt))
                    attempt += 1
                    continue
                raise to_easel_error(exc, settings) from exc
            if reply.usage is None and reply.estimate_usage:
                reply.usage = estimated_usage(litellm, settings.model, messages, reply.completion())
            yield reply.build(settings.model, settings.token_price)
            return

    async def _wire_texts(self, route: openai_wire.Route, body: bytes, timeout_s: float,
                          reply: _ReplyBuilder) -> AsyncGenerator[str, None]:
        reply.estimate_usage = True
        add = reply.add_wire
        async for chunk in self._wire.chunks(route, body, timeout_s):
            text = add(chunk)
            if text:
                yield text

    def _can_wait(self, exc: Exception) -> bool:
        """A Retry-After past the longest wait we allow fails at once: waiting the cap and asking again
        early only earns another 429, and the caller is better told how long to wait (429 + Retry-After)."""
        retry_after = retry_after_seconds(exc)
        return retry_after is None or retry_after <= self.max_backoff_s

    def _delay(self, exc: Exception, attempt: int) -> float:
        retry_after = retry_after_seconds(exc)
        if retry_after is not None:
            return min(retry_after, self.max_backoff_s)
        return min(self.backoff_base_s * 2**attempt, self.max_backoff_s)


async def _litellm_texts(acompletion: Any, kwargs: dict[str, Any],
                         reply: _ReplyBuilder) -> AsyncGenerator[str, None]:
    response = await acompletion(**kwargs)
    held = held_chunks(response)
    reply.estimate_usage = held is not None
    add = reply.add
    try:
        async for chunk in response:
            text = add(chunk)
            if held:
                let_go(held)
            if text:
                yield text
    except (GeneratorExit, asyncio.CancelledError):
        await _close_quietly(response)
        raise


def _request_kwargs(
    settings: ModelSettings,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    tool_choice: str | dict[str, Any] | None,
    temperature: float,
    max_tokens: int,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": messages,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},  # fresh per call: litellm hands it on to providers
        "timeout": settings.timeout_s,
        "num_retries": 0,  # retries are ours (they must stop at the first token); litellm's would not
        # A provider that lacks e.g. temperature should not fail the turn; litellm drops what it can't send.
        "drop_params": True,
    }
    if tools:
        kwargs["tools"] = tools
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
    if settings.api_base:
        kwargs["api_base"] = settings.api_base
    if settings.api_key:
        kwargs["api_key"] = settings.api_key
    return kwargs


async def _close_quietly(response: Any) -> None:
    aclose = getattr(response, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:  # closing is best effort; the original exit reason matters more
            pass


def _get(obj: Any, name: str) -> Any:
    """Attribute or key: litellm yields pydantic objects, but custom providers may slip dicts through."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class _ToolCallAssembler:
    """Joins streamed tool-call fragments. Fragments are keyed by `index`; a new `id` at an index that
    already holds a call starts a new call (some providers reuse index 0 for every call). Without an
    index, an `id` names the call and an id-less fragment continues the latest one."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._names: list[str] = []
        self._args: list[list[str]] = []
        self._slot_by_index: dict[int, int] = {}
        self._slot_by_id: dict[str, int] = {}

    def add(self, delta: Any) -> None:
        index = _get(delta, "index")
        call_id = _get(delta, "id") or ""
        slot = self._slot_for(index, call_id)
        if call_id and not self._ids[slot]:
            self._ids[slot] = call_id
            self._slot_by_id[call_id] = slot
        function = _get(delta, "function")
        if function is None:
            return
        name = _get(function, "name")
        if name and not self._names[slot]:  # some providers repeat the name on every fragment
            self._names[slot] = name
        arguments = _get(function, "arguments")
        if arguments:
            self._args[slot].append(arguments)

    def _slot_for(self, index: int | None, call_id: str) -> int:
        if index is not None:
            slot = self._slot_by_index.get(index)
            if slot is not None and not (call_id and self._ids[slot] and self._ids[slot] != call_id):
                return slot
            slot = self._new_slot()
            self._slot_by_index[index] = slot
            return slot
        if call_id:
            known = self._slot_by_id.get(call_id)
            return known if known is not None else self._new_slot()
        return len(self._ids) - 1 if self._ids else self._new_slot()

    def _new_slot(self) -> int:
        self._ids.append("")
        self._names.append("")
        self._args.append([])
        return len(self._ids) - 1

    def calls(self) -> tuple[ToolCall, ...]:
        # An argument-less call arrives as ""; "{}" is what it means and what the tool can decode.
        return tuple(
            ToolCall(self._ids[i] or f"call_{i}", self._names[i], "".join(self._args[i]) or "{}")
            for i in range(len(self._ids))
            if self._names[i] or self._args[i]
        )


class _ReplyBuilder:
    """Accumulates one streamed completion; `add` (litellm's chunk objects) and `add_wire` (the fast lane's
    dicts) return the chunk's text, if any, and raise `ModelRepeating` past the repetition limit."""

    __slots__ = ("parts", "tools", "usage", "finish_reason", "estimate_usage", "repeat_limit", "repeats")

    def __init__(self, repeat_limit: int = REPEAT_LIMIT) -> None:
        self.parts: list[str] = []
        self.tools: _ToolCallAssembler | None = None
        self.usage: Any = None
        self.finish_reason: str | None = None
        self.estimate_usage = False  # count tokens at the end if the provider reported none
        self.repeat_limit = repeat_limit
        self.repeats = 0

    def add(self, chunk: Any) -> str | None:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = usage
        choices = chunk.choices
        if not choices:
            return None
        choice = choices[0]
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        delta = choice.delta
        if delta is None:
            return None
        tool_calls = delta.tool_calls
        if tool_calls:
            self._tool_fragments(tool_calls)
        content = delta.content
        return self._text(content) if content else None

    def add_wire(self, chunk: dict[str, Any]) -> str | None:
        usage = chunk.get("usage")
        if usage:
            self.usage = usage
        choices = chunk.get("choices")
        if not choices:
            return None
        choice = choices[0]
        finish_reason = choice.get("finish_reason")
        if finish_reason:
            self.finish_reason = finish_reason
        delta = choice.get("delta")
        if not delta:
            return None
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            self._tool_fragments(tool_calls)
        content = delta.get("content")
        return self._text(content) if content else None

    def _tool_fragments(self, fragments: Any) -> None:
        if self.tools is None:
            self.tools = _ToolCallAssembler()
        for fragment in fragments:
            self.tools.add(fragment)

    def _text(self, content: str) -> str:
        parts = self.parts
        if len(content) > 2 and parts and parts[-1] == content:
            self.repeats += 1
            if self.repeats >= self.repeat_limit:
                raise ModelRepeating(content, self.repeats)
        else:
            self.repeats = 1
        parts.append(content)
        return content

    def completion(self) -> str:
        """What the model produced, as text: for counting its tokens when the provider did not."""
        text = "".join(self.parts)
        if self.tools is not None:
            text += "".join(c.name + c.arguments for c in self.tools.calls())
        return text

    def build(self, model: str, token_price: tuple[float, float] | None = None) -> ModelReply:
        calls = self.tools.calls() if self.tools is not None else ()
        return ModelReply(
            text="".join(self.parts),
            tool_calls=calls,
            usage=usage_of(_litellm, model, _usage_object(_litellm, self.usage), token_price),
            finish_reason=self.finish_reason,
        )


def _usage_object(litellm: Any, usage: Any) -> Any:
    """The fast lane's usage dict as litellm's Usage, so that litellm prices it exactly as on its own path
    (cached and reasoning tokens included)."""
    if type(usage) is not dict or litellm is None:
        return usage
    try:
        return litellm.Usage(**usage)
    except (TypeError, ValueError):  # an odd usage shape (pydantic's errors are ValueErrors): the plain numbers
        return usage  # still count
