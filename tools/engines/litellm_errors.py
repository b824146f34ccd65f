"""Which provider failures are worth retrying, and the `EaselError` a failure finally becomes.

litellm raises its own exception types (subclasses of the OpenAI SDK's) carrying `status_code`, the
provider's response and its headers. We read those by duck typing so this module needs no litellm
import: 429, 5xx and connection failures are transient; a 4xx refusal is final and becomes
`generation_failed` with the provider's own words; credentials and routing problems are
`upstream_error`. Secrets are scrubbed from every message we build.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from easel.spaces.errors import EaselError

Kind = Literal["rate_limited", "transient", "refused", "timeout", "fatal"]

# 4xx answers that mean "this request, as asked, will not be painted": the chat model can rephrase.
_REFUSAL_STATUSES = frozenset({400, 413, 415, 422})
_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)+(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")
_MAX_MESSAGE = 500


@dataclass(frozen=True)
class Failure:
    kind: Kind
    status: int | None
    message: str
    retry_after_s: float | None = None
    detail: str = ""  # for the log, where `message` had to leave it out

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limited", "transient")

    def to_error(self, *, provider: str, attempts: int, noun: str = "image") -> EaselError:
        """The error to raise once this failure is final (`attempts` calls were made); `noun` is what was asked
        for (image or video)."""
        status = f"HTTP {self.status}" if self.status else "no HTTP status"
        tried = f" after {attempts} attempts" if attempts > 1 else ""
        if self.kind == "refused":
            return EaselError(422, "generation_failed", self.message)
        if self.kind == "rate_limited":
            headers = {"Retry-After": str(math.ceil(self.retry_after_s))} if self.retry_after_s else None
            return EaselError(
                429,
                "rate_limited",
                f"{provider} is rate limiting {noun} requests ({status}){tried}: {self.message}",
                headers=headers,
            )
        if self.kind == "timeout":
            return EaselError(
                502, "upstream_error", f"{provider} did not answer in time{tried}: {self.message}"
            )
        return EaselError(502, "upstream_error", f"{provider} failed ({status}){tried}: {self.message}")


def classify(exc: BaseException, *, secrets: Iterable[str | None] = ()) -> Failure:
    status = _status(exc)
    message = scrub(provider_message(exc), secrets)
    retry_after = retry_after_seconds(_headers(exc))
    if _is_timeout(exc):
        return Failure("timeout", status, message)
    if status == 429:
        return Failure("rate_limited", status, message, retry_after)
    if _is_connection_error(exc):  # litellm gives these a status of 500 that no server sent
        # The HTTP client's own words (aiohttp's TransferEncodingError, ...) tell a client nothing it can use.
        return Failure("transient", None, "the connection failed or broke off before the answer was complete",
                       detail=message)
    if status is not None and status >= 500:
        return Failure("transient", status, message, retry_after)
    if status in _REFUSAL_STATUSES:
        return Failure("refused", status, message)
    return Failure("fatal", status, message)


def provider_message(exc: BaseException) -> str:
    """The provider's own sentence (`{"error": {"message": ...}}`), else litellm's text without its
    `litellm.BadRequestError: ... OpenAIException - ` prefixes."""
    for body in (getattr(exc, "body", None), _response_json(exc)):
        text = _message_from_body(body)
        if text:
            return _shorten(text)
    text = _PREFIX.sub("", str(getattr(exc, "message", None) or exc)).strip()
    try:
        text = _message_from_body(json.loads(text)) or text
    except ValueError:
        pass
    return _shorten(text or type(exc).__name__)


def retry_after_seconds(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date; None if absent."""
    if not headers:
        return None
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        value = lowered.get("retry-after")
        if value is None:
            return None
        if value.strip().replace(".", "", 1).isdigit():
            return max(0.0, float(value))
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    except (ValueError, TypeError, OverflowError):
        return None


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None


def _headers(exc: BaseException) -> Mapping[str, str] | None:
    # litellm copies the provider's headers onto the exception; the SDK keeps them on `response`.
    for candidate in (
        getattr(exc, "litellm_response_headers", None),
        getattr(exc, "headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if candidate:
            try:
                return dict(candidate.items())
            except (AttributeError, TypeError):
                continue
    return None


def _response_json(exc: BaseException) -> Any:
    import httpx

    response = getattr(exc, "response", None)
    try:
        return response.json() if response is not None else None
    # Not JSON (ValueError), a placeholder response without content or a stream never read (httpx.StreamError),
    # or no `json` at all on what a provider's SDK hung there (AttributeError).
    except (ValueError, httpx.StreamError, AttributeError):
        return None


def _message_from_body(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    inner = body.get("error", body)
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        return inner["message"]
    if isinstance(inner, str):
        return inner
    return body.get("message") if isinstance(body.get("message"), str) else None


def _is_timeout(exc: BaseException) -> bool:
    import httpx
    import openai

    # A connect timeout means the provider was unreachable: that is a connection error, retried.
    if isinstance(exc, httpx.ConnectTimeout):
        return False
    return isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError)


def _is_connection_error(exc: BaseException) -> bool:
    import httpx
    import openai

    return isinstance(exc, openai.APIConnectionError | httpx.TransportError | ConnectionError)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
