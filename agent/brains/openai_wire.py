"""The fast lane: a chat stream in OpenAI's wire format, read here instead of through litellm's stream wrapper.

litellm still decides everything around the stream: which provider a model string names, its key, base URL
and headers (`route_for`), which parameters that model takes (`request_body`, litellm's `get_optional_params`),
what the usage costs and what an error means (`mapped_error`, litellm's `exception_type`). Only the bytes of
the stream are read here, with httpx (over aiohttp's transport) and orjson: litellm's wrapper builds two
pydantic objects per chunk (the OpenAI SDK's, then its own), 550-770 µs of CPU a chunk on this loaded
machine; this reader 27 µs a chunk in a burst, ~125 µs when each chunk is a read of its own (bench/).
Providers that speak another wire format, or that litellm needs to authenticate itself, never come here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from easel.agent.brains.model import ModelSettings

FAST_PROVIDERS = ("openai", "azure")
MAX_CONNECTIONS = 10_000  # every open chat stream holds one connection to its provider (as in litellm_model)


@dataclass(frozen=True)
class Route:
    """Where a model's stream comes from: the provider's name of the model, the full URL, the headers."""

    provider: str
    model: str
    url: str
    headers: dict[str, str]


class WireHTTPError(Exception):
    """The provider answered with an HTTP error; litellm's `exception_type` turns it into its own class."""

    def __init__(self, status_code: int, message: str, headers: httpx.Headers) -> None:
        super().__init__(message)
        self.status_code, self.message, self.headers = status_code, message, headers


class StreamBroke(Exception):
    """The stream stopped mid-answer: the connection dropped, a read timed out, or a chunk was not JSON.
    `original_exception` says which (as litellm's MidStreamFallbackError does)."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original) or type(original).__name__)
        self.original_exception = original


def route_for(litellm: Any, settings: ModelSettings) -> Route | None:
    """The fast lane's route for `settings`, or None when litellm's own path must carry the model (another
    wire format, a model litellm bridges to the Responses API, Azure AD tokens, an unknown provider)."""
    try:
        model, provider, dynamic_key, api_base = litellm.get_llm_provider(
            settings.model, api_base=settings.api_base, api_key=settings.api_key)
    except Exception:  # litellm's own path reports it, with its words
        return None
    if provider not in FAST_PROVIDERS or getattr(litellm, "route_all_chat_openai_to_responses", False):
        return None
    info = litellm.model_cost.get(model) or litellm.model_cost.get(f"{provider}/{model}") or {}
    if info.get("mode") == "responses":
        return None
    secret = litellm.get_secret_str
    headers = {"content-type": "application/json", "accept": "text/event-stream", **(litellm.headers or {})}
    if provider == "openai":
        key = settings.api_key or dynamic_key or litellm.api_key or litellm.openai_key or secret("OPENAI_API_KEY")
        base = (api_base or litellm.api_base or secret("OPENAI_BASE_URL") or secret("OPENAI_API_BASE")
                or "https://api.openai.com/v1")
        if not key:
            return None  # litellm's path says what is missing, in its words
        headers["authorization"] = f"Bearer {key}"
        organization = litellm.organization or secret("OPENAI_ORGANIZATION")
        if organization:
            headers["openai-organization"] = organization
        return Route(provider, model, base.rstrip("/") + "/chat/completions", headers)
    key = (settings.api_key or dynamic_key or litellm.api_key or litellm.azure_key
           or secret("AZURE_OPENAI_API_KEY") or secret("AZURE_API_KEY"))
    base = api_base or litellm.api_base or secret("AZURE_API_BASE")
    if not key or not base:
        return None  # Azure AD tokens and the like: litellm's client knows them
    version = litellm.api_version or secret("AZURE_API_VERSION") or litellm.AZURE_DEFAULT_API_VERSION
    headers["api-key"] = key
    url = f"{base.rstrip('/')}/openai/deployments/{model}/chat/completions?api-version={version}"
    return Route(provider, model, url, headers)


def request_body(litellm: Any, route: Route, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
                 tool_choice: str | dict[str, Any] | None, temperature: float, max_tokens: int) -> bytes:
    """The JSON body litellm would send: its per-model parameter mapping (e.g. max_completion_tokens for
    reasoning models, unsupported parameters dropped)."""
    params = litellm.get_optional_params(
        model=route.model, custom_llm_provider=route.provider, temperature=temperature, max_tokens=max_tokens,
        stream=True, stream_options={"include_usage": True}, tools=tools or None,
        tool_choice=tool_choice if tools else None, drop_params=True, messages=messages)
    extra = params.pop("extra_body", None) or {}
    return orjson.dumps({"model": route.model, "messages": messages, **params, **extra})


def mapped_error(litellm: Any, route: Route, exc: WireHTTPError) -> Exception:
    """The exception litellm's own path would have raised for this HTTP error (RateLimitError, NotFoundError,
    ContextWindowExceededError, ...): its provider error class, then its `exception_type` mapping."""
    from litellm.llms.azure.common_utils import AzureOpenAIError
    from litellm.llms.openai.common_utils import OpenAIError

    provider_error: Any = AzureOpenAIError if route.provider == "azure" else OpenAIError
    error = provider_error(status_code=exc.status_code, message=exc.message, headers=exc.headers)
    try:
        litellm.exception_type(model=route.model, original_exception=error, custom_llm_provider=route.provider)
    except Exception as mapped:  # exception_type raises what it maps to
        return mapped
    return error


def _error_text(body: bytes) -> str:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode(errors="replace")[:500]
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return body.decode(errors="replace")[:500]


class WireClient:
    """One httpx client per event loop (tests run several loops; a server runs one)."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # httpx's API over aiohttp's connection and its C HTTP parser: httpx's own transport (httpcore, h11
            # in pure Python) costs ~210 µs of CPU per chunk of a paced stream, this one ~125 µs (uvloop).
            limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
            self._client = httpx.AsyncClient(transport=AiohttpTransport(limits=limits), limits=limits)
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = self._loop = None

    async def chunks(self, route: Route, body: bytes, timeout_s: float) -> AsyncIterator[dict[str, Any]]:
        """The stream's chunks as dicts, in order, until `[DONE]` or the end of the body. An HTTP error raises
        `WireHTTPError`; a failure once the stream has begun raises `StreamBroke`."""
        client = self.client()
        request = client.build_request("POST", route.url, content=body, headers=route.headers,
                                       timeout=httpx.Timeout(timeout_s))
        try:
            response = await client.send(request, stream=True)
        except httpx.ConnectTimeout as exc:
            # httpx-aiohttp maps every aiohttp connection error (refused, DNS) to ConnectTimeout: only a
            # real timeout stays one (timeouts are not retried; a refused connection is).
            if isinstance(exc.__cause__, TimeoutError):
                raise
            raise httpx.ConnectError(str(exc), request=request) from exc.__cause__
        try:
            if response.status_code >= 400:
                raw = await response.aread()
                raise WireHTTPError(response.status_code, _error_text(raw), response.headers)
            async for chunk in _events(response):
                yield chunk
        finally:
            await response.aclose()


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Server-sent events, parsed as the spec says (data lines joined, comments and other fields skipped),
    each event's data decoded as one JSON object."""
    rest = b""
    data: list[bytes] = []
    try:
        async for received in response.aiter_bytes():
            lines = (rest + received).split(b"\n") if rest else received.split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line.endswith(b"\r"):
                    line = line[:-1]
                if not line:
                    if data:
                        payload = data[0] if len(data) == 1 else b"\n".join(data)
                        data = []
                        if payload == b"[DONE]":
                            return
                        yield _decoded(payload)
                elif line.startswith(b"data:"):
                    data.append(line[6:] if line[5:6] == b" " else line[5:])
        if rest.startswith(b"data:"):
            data.append(rest[6:] if rest[5:6] == b" " else rest[5:])
        if data and data != [b"[DONE]"]:
            yield _decoded(b"\n".join(data))
    except httpx.TransportError as exc:  # a cut, a read timeout: the stream had begun
        raise StreamBroke(exc) from exc


def _decoded(payload: bytes) -> dict[str, Any]:
    try:
        chunk = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise StreamBroke(ValueError(f"the stream sent a chunk that is not JSON: {payload[:80]!r}")) from exc
    if not isinstance(chunk, dict):
        raise StreamBroke(ValueError("the stream sent a chunk that is not a JSON object"))
    error = chunk.get("error")
    if error is not None:
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise StreamBroke(ValueError(str(message or error)))
    return chunk
