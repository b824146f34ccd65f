"""What a chat model's failure means for Easel: retried or not, and the contract's error for it.

Both lanes of `LitellmChatModel` end here: litellm's (its exception classes) and the fast lane (litellm's
classes too, via `openai_wire.mapped_error`, plus `StreamBroke` for a stream that stopped mid-answer). Every
message is safe to show: no keys, no api_base.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import sys
import time
from typing import Any

import httpx

from easel.agent.brains.model import ModelSettings
from easel.agent.brains.openai_wire import StreamBroke
from easel.spaces.errors import EaselError

log = logging.getLogger("easel.model")


def _lib() -> Any:
    """litellm, if it was imported (its exception classes are only worth checking then)."""
    return sys.modules.get("litellm")

def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def _is_timeout(exc: BaseException) -> bool:
    """A timeout, also one litellm wrapped: a read timeout mid-stream arrives as an APIConnectionError
    whose message says so (aiohttp's "Timeout on reading data from socket")."""
    if isinstance(exc, TimeoutError) or ((lib := _lib()) is not None and isinstance(exc, lib.exceptions.Timeout)):
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
    if isinstance(exc, httpx.TransportError):  # the fast lane could not connect, or lost the connection
        return True
    if isinstance(exc, StreamBroke):
        return isinstance(exc.original_exception, httpx.TransportError)
    lib = _lib()
    return lib is not None and isinstance(exc, lib.exceptions.APIConnectionError)


def failure_kind(exc: BaseException) -> str:
    """The kinds the image engine counts too (`tools.engines.litellm_errors.Kind`), for the metric of
    upstream errors."""
    if _is_timeout(exc) or _is_timeout(getattr(exc, "original_exception", None) or exc):
        return "timeout"
    status = _status(exc)
    if status == 429:
        return "rate_limited"
    if isinstance(exc, Exception) and is_retriable(exc):
        return "transient"
    return "refused" if status in (400, 413, 415, 422) else "fatal"


def _headers_of(exc: BaseException) -> Any:
    for source in (exc, getattr(exc, "response", None)):
        for attr in ("litellm_response_headers", "headers"):
            headers = getattr(source, attr, None) if source is not None else None
            if headers:
                return headers
    return None


# Google APIs (Gemini) say how long to wait in the error body, as a google.rpc.RetryInfo detail.
_RETRY_DELAY = re.compile(r"""["']retryDelay["']\s*:\s*["'](\d+(?:\.\d+)?)s["']""")


def _retry_delay_in_body(exc: BaseException) -> float | None:
    for source in (exc, getattr(exc, "original_exception", None)):
        if source is not None:
            found = _RETRY_DELAY.search(str(getattr(source, "message", None) or source))
            if found:
                return float(found[1])
    return None


def retry_after_seconds(exc: BaseException) -> float | None:
    """Seconds from Retry-After (delta-seconds or HTTP date) or retry-after-ms, when the provider sent one;
    else from a RetryInfo `retryDelay` in the error body (Google APIs send their wait there)."""
    headers = _headers_of(exc)
    if headers is None:
        return _retry_delay_in_body(exc)
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return _retry_delay_in_body(exc)
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, AttributeError):
        return None


_PREFIXES = re.compile(
    r"^(?:\s*(?:litellm\.)?[A-Za-z_]*(?:Error|Exception|Timeout)(?:\s+[A-Za-z]*Error)?\s*[:\-]\s*)+")
# A provider's error body that litellm quotes whole (b'{"error": ...}' or {"error": ...}).
_QUOTED_BODY = re.compile(r"^b?'?(\{.*\})'?$", re.S)
_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{4,}|Bearer\s+\S+|(?:api[_-]?key|token|key)=[^&\s]+|://[^/\s@]+@)", re.I
)


def plain_reason(exc: BaseException, settings: ModelSettings, limit: int = 160) -> str:
    """The provider's own words, without litellm's class-name prefixes or anything secret."""
    text = str(getattr(exc, "message", None) or exc)
    text = text.split(" Original exception:")[0].split(" LiteLLM Retried:")[0]
    text = _provider_words(_PREFIXES.sub("", text).strip())
    for secret in (settings.api_key, settings.api_base):
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _SECRETS.sub("[redacted]", " ".join(text.split()))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or type(exc).__name__


def _provider_words(text: str) -> str:
    """The message inside a provider's JSON error body, when litellm quotes the whole body: Anthropic's
    {"type": "error", "error": {"message"}}, Google's {"error": {"code", "message", "status"}}, Ollama's
    {"error": "..."}, OpenAI's {"error": {"message"}}."""
    quoted = _QUOTED_BODY.match(text)
    if not quoted:
        return text
    try:
        body = json.loads(quoted[1])
    except ValueError:
        return text
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"].strip():
        return str(error["message"])
    if isinstance(error, str) and error.strip():
        return error
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"].strip():
        return str(body["message"])
    return text


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
    lib = _lib()
    errors = lib.exceptions if lib is not None else None
    if isinstance(exc, StreamBroke) or (errors is not None and isinstance(exc, errors.MidStreamFallbackError)):
        inner = exc.original_exception or exc
        if _is_timeout(inner):
            return _upstream("The chat model stopped sending mid-answer (timed out)", 504)
        if getattr(exc, "is_pre_first_chunk", False) and inner is not exc and isinstance(inner, Exception):
            # An HTTP error that litellm only raises once the stream is read (Gemini's 429 and 5xx): the
            # provider's answer before anything streamed, not a broken stream.
            return to_easel_error(inner, settings)
        if _status(inner) == 429:
            return _rate_limited(inner)
        # The transport's own words differ by lane (aiohttp's, httpx's, a JSON parser's) and say nothing a
        # user can act on: they go to the log, the client gets one message for every way a stream breaks.
        log.warning("the chat model's stream broke off: %s", plain_reason(inner, settings))
        return _upstream("The chat model's stream broke off mid-answer")
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
