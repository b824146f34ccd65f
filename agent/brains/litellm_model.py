"""`ChatModel` over `litellm.acompletion`: the only place in Easel that calls it.

One streamed completion per `stream()` call. Text deltas are passed on as they arrive; tool-call fragments
are assembled here (litellm hands them over as raw deltas); usage comes from the final usage chunk.
Transient failures (429, 5xx, connection errors) are retried with backoff, but only while nothing has
been yielded to the caller, so a retry can never duplicate text the user already saw. Every failure
leaves as an `EaselError` whose message is safe to show: no keys, no api_base.

This is the hot path of every turn, so per-call work is kept to building one kwargs dict and a
per-chunk attribute walk; litellm is imported once, lazily (its import costs seconds).
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from easel.agent.brains.litellm_usage import estimated_usage, held_chunks, usage_of
from easel.agent.brains.model import ModelEvent, ModelReply, ModelSettings, TextDelta, ToolCall
from easel.spaces.errors import EaselError

_litellm: Any = None
MAX_PROVIDER_CONNECTIONS = 10_000


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


class LitellmChatModel:
    """The production `ChatModel`. `backoff_base_s`/`max_backoff_s` shape the retry waits (tests shrink
    them); a Retry-After from the provider wins over the computed backoff, capped at `max_backoff_s`."""

    def __init__(self, *, backoff_base_s: float = 0.5, max_backoff_s: float = 20.0) -> None:
        self.backoff_base_s = backoff_base_s
        self.max_backoff_s = max_backoff_s

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
        acompletion = (_litellm or load_litellm()).acompletion
        kwargs = _request_kwargs(settings, messages, tools, tool_choice, temperature, max_tokens)
        attempt = 0
        while True:
            reply = _ReplyBuilder()
            yielded = False
            response: Any = None
            try:
                response = await acompletion(**kwargs)
                held = held_chunks(response)
                async for chunk in response:
                    text = reply.add(chunk)
                    if held:
                        held.clear()
                    if text:
                        yielded = True
                        yield TextDelta(text)
            except (GeneratorExit, asyncio.CancelledError):
                await _close_quietly(response)  # the caller stopped listening: release the connection
                raise
            except Exception as exc:
                if not yielded and attempt < settings.max_retries and is_retriable(exc):
                    await asyncio.sleep(self._delay(exc, attempt))
                    attempt += 1
                    continue
                raise to_easel_error(exc, settings) from exc
            if reply.usage is None and held is not None:
                reply.usage = estimated_usage(_litellm, settings.model, messages, reply.completion())
            yield reply.build(settings.model)
            return

    def _delay(self, exc: Exception, attempt: int) -> float:
        retry_after = retry_after_seconds(exc)
        if retry_after is not None:
            return min(retry_after, self.max_backoff_s)
        return min(self.backoff_base_s * 2**attempt, self.max_backoff_s)


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
    """Accumulates one streamed completion; `add` returns the chunk's text, if any."""

    __slots__ = ("parts", "tools", "usage", "finish_reason")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.tools: _ToolCallAssembler | None = None
        self.usage: Any = None
        self.finish_reason: str | None = None

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
            if self.tools is None:
                self.tools = _ToolCallAssembler()
            for fragment in tool_calls:
                self.tools.add(fragment)
        content = delta.content
        if content:
            self.parts.append(content)
            return content
        return None

    def completion(self) -> str:
        """What the model produced, as text: for counting its tokens when the provider did not."""
        text = "".join(self.parts)
        if self.tools is not None:
            text += "".join(c.name + c.arguments for c in self.tools.calls())
        return text

    def build(self, model: str) -> ModelReply:
        calls = self.tools.calls() if self.tools is not None else ()
        return ModelReply(
            text="".join(self.parts),
            tool_calls=calls,
            usage=usage_of(_litellm, model, self.usage),
            finish_reason=self.finish_reason,
        )


# -- failures ---------------------------------------------------------------------------------------------


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def _is_timeout(exc: BaseException) -> bool:
    """A timeout, also one litellm wrapped: a read timeout mid-stream arrives as an APIConnectionError
    whose message says so (aiohttp's "Timeout on reading data from socket")."""
    if isinstance(exc, TimeoutError) or (_litellm and isinstance(exc, _litellm.exceptions.Timeout)):
        return True
    return "timeout" in type(exc).__name__.lower() or "timeout" in str(getattr(exc, "message", "")).lower()


def is_retriable(exc: Exception) -> bool:
    """429, 5xx and connection failures are worth another try; timeouts are not (the wait was the
    whole budget) and neither is anything the provider will answer the same way again."""
    if _is_timeout(exc) or _is_timeout(getattr(exc, "original_exception", None) or exc):
        return False
    status = _status(exc)
    if status is not None and (status == 429 or status >= 500):
        return True
    return _litellm is not None and isinstance(exc, _litellm.exceptions.APIConnectionError)


def _headers_of(exc: BaseException) -> Any:
    for source in (exc, getattr(exc, "response", None)):
        for attr in ("litellm_response_headers", "headers"):
            headers = getattr(source, attr, None) if source is not None else None
            if headers:
                return headers
    return None


def retry_after_seconds(exc: BaseException) -> float | None:
    """Seconds from Retry-After (delta-seconds or HTTP date) or retry-after-ms, when the provider sent one."""
    headers = _headers_of(exc)
    if headers is None:
        return None
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, AttributeError):
        return None


_PREFIXES = re.compile(r"^(?:\s*(?:litellm\.)?[A-Za-z]*(?:Error|Exception|Timeout)\s*[:\-]\s*)+")
_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{4,}|Bearer\s+\S+|(?:api[_-]?key|token|key)=[^&\s]+|://[^/\s@]+@)", re.I
)


def plain_reason(exc: BaseException, settings: ModelSettings, limit: int = 160) -> str:
    """The provider's own words, without litellm's class-name prefixes or anything secret."""
    text = str(getattr(exc, "message", None) or exc)
    text = text.split(" Original exception:")[0].split(" LiteLLM Retried:")[0]
    text = _PREFIXES.sub("", text)
    for secret in (settings.api_key, settings.api_base):
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _SECRETS.sub("[redacted]", " ".join(text.split()))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or type(exc).__name__


def _names_model(exc: BaseException, settings: ModelSettings) -> bool:
    text = str(getattr(exc, "message", None) or exc).lower()
    bare = settings.model.split("/", 1)[-1].lower()
    return "model" in text and (bare in text or "does not exist" in text or "not found" in text)


def to_easel_error(exc: Exception, settings: ModelSettings) -> EaselError:
    """The contract's error for a litellm failure: 429 → rate_limited (with Retry-After when known);
    rejected credentials → 502; unknown model → 400 invalid_model; timeouts → 504; anything else,
    a stream that broke mid-way included → 502 upstream_error with the provider's words, secrets removed."""
    if isinstance(exc, EaselError):
        return exc
    errors = _litellm.exceptions if _litellm is not None else None
    if errors is not None and isinstance(exc, errors.MidStreamFallbackError):
        inner = exc.original_exception or exc
        if _is_timeout(inner):
            return _upstream("The chat model stopped sending mid-answer (timed out)", 504)
        if _status(inner) == 429:
            return _rate_limited(inner)
        return _upstream(f"The chat model's stream broke off: {plain_reason(inner, settings)}")
    status = _status(exc)
    if _is_timeout(exc):
        return _upstream(f"The chat model did not answer within {settings.timeout_s:g} s", 504)
    if status == 429:
        return _rate_limited(exc)
    if status in (401, 403):
        return _upstream("The chat model's provider rejected the configured credentials")
    if errors is not None and isinstance(exc, errors.ContextWindowExceededError):
        return _upstream("The conversation is too long for the chat model's context window")
    if errors is not None and isinstance(exc, errors.ContentPolicyViolationError):
        return _upstream("The chat model's provider refused the request (content policy)")
    if "llm provider not provided" in str(exc).lower():
        reason = "names no provider litellm knows (write it as provider/model)"
        return EaselError(400, "invalid_model", f"The chat model '{settings.model}' {reason}")
    if status == 404 or (status == 400 and _names_model(exc, settings)):
        reason = plain_reason(exc, settings)
        return EaselError(400, "invalid_model", f"The chat model '{settings.model}' is unknown: {reason}")
    where = f" (HTTP {status})" if status else ""
    return _upstream(f"The chat model's provider failed{where}: {plain_reason(exc, settings)}")


def _upstream(message: str, status: int = 502) -> EaselError:
    return EaselError(status, "upstream_error", message)


def _rate_limited(exc: BaseException) -> EaselError:
    retry_after = retry_after_seconds(exc)
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after is not None else None
    message = "The chat model's provider is rate limiting requests"
    return EaselError(429, "rate_limited", message, headers=headers)
