"""The painter behind litellm: the only module that calls `litellm.aimage_generation` / `aimage_edit`.

One `LitellmImageEngine` per configured image model. It maps each job onto what that model takes
(`litellm_params`), calls litellm with retries we control (`litellm_errors` decides what is transient),
and turns the answer into decoded images with a cost (`litellm_results`).

Retries are ours alone. litellm's OpenAI generation path hands requests to the OpenAI SDK with
`max_retries=2` forced onto any client it is given, which would multiply our attempts and wait on its
own schedule; so for `openai/...` models we pass an SDK client that cannot retry. The edits path uses
litellm's own HTTP client, which does not retry.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from easel.spaces import metrics
from easel.spaces.errors import EaselError
from easel.tools.engines.base import Capabilities, EngineImage, EngineResult, ImageJob
from easel.tools.engines.litellm_errors import classify
from easel.tools.engines.litellm_params import (
    PROFILES,
    CallPlan,
    Upload,
    capabilities_for,
    load_litellm,
    model_family,
    plan_call,
    prepare_mask,
    prepare_sources,
    split_batches,
)
from easel.tools.engines.litellm_results import DEFAULT_MAX_IMAGE_BYTES, collect_images, response_cost

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
_VERBS = {
    "generate": "generate images",
    "edit": "edit images",
    "style_transfer": "restyle images",
    "compose": "compose images",
}
_FETCH_TIMEOUT_CAP_S = 60.0


class LitellmImageEngine:
    """An `ImageEngine` for any image model litellm can reach (`openai/gpt-image-1`, `openai/dall-e-3`,
    `openai/<name>` with `api_base` for an OpenAI-compatible server, ...)."""

    def __init__(
        self,
        *,
        model: str,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        max_retries: int = 3,
        sleep: Sleep = asyncio.sleep,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    ) -> None:
        self.model = model
        self.api_base = api_base
        self._api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self._sleep = sleep  # injectable so tests can check the waits without waiting
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.max_image_bytes = max_image_bytes
        self._profile = PROFILES[model_family(model)]
        self._label = model.rsplit("/", 1)[-1]
        self._capabilities: Capabilities | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"LitellmImageEngine(model={self.model!r}, api_base={self.api_base!r})"

    @property
    def capabilities(self) -> Capabilities:
        # Worked out on first use: for models outside the known families it asks litellm, whose import
        # takes seconds and must not happen while the server is starting.
        if self._capabilities is None:
            self._capabilities = capabilities_for(self.model, self._profile)
        return self._capabilities

    @capabilities.setter
    def capabilities(self, value: Capabilities) -> None:
        # An operator may know better than the table (e.g. an OpenAI-compatible server taking more sources).
        self._capabilities = value

    @functools.cached_property
    def _provider(self) -> str | None:
        litellm = load_litellm()
        try:
            return str(litellm.get_llm_provider(model=self.model, api_base=self.api_base)[1])
        except litellm.exceptions.BadRequestError as exc:  # an unknown provider: the call itself fails and says so
            log.warning("litellm knows no provider for %s: %s", self.model, str(exc).splitlines()[0][:200])
            return None

    # ---- the protocol ----------------------------------------------------------------------------

    async def generate(self, job: ImageJob) -> EngineResult:
        self._check(job)
        plan = plan_call(job, self._profile, model=self.model, default_size=(1024, 1024))
        return await self._paint(job, plan, self._generate_once, "image_generation")

    async def edit(self, job: ImageJob) -> EngineResult:
        """Edits and style transfer: both send the sources to the edits endpoint."""
        return await self._edit(job)

    async def compose(self, job: ImageJob) -> EngineResult:
        """Several sources in one edit request: gpt-image composes them as the prompt says."""
        return await self._edit(job)

    # ---- orchestration ---------------------------------------------------------------------------

    async def _edit(self, job: ImageJob) -> EngineResult:
        self._check(job)
        sources = await asyncio.to_thread(prepare_sources, job.sources, self._profile)
        mask = await asyncio.to_thread(prepare_mask, job.mask)
        plan = plan_call(job, self._profile, model=self.model, default_size=sources[0].size)
        return await self._paint(job, plan, lambda p, n: self._edit_once(p, n, sources, mask), "image_edit")

    def _check(self, job: ImageJob) -> None:
        """Refuse, before spending a request, what this model cannot do."""
        caps = self.capabilities
        if job.operation not in caps.operations:
            raise _refusal(f"{self._label} cannot {_VERBS[job.operation]}.")
        if job.operation == "generate":
            return
        if not job.sources:
            raise _refusal(f"{self._label} needs at least one source image to {_VERBS[job.operation]}.")
        if len(job.sources) > caps.max_sources:
            raise _refusal(
                f"{self._label} takes at most {caps.max_sources} source image(s); "
                f"{len(job.sources)} were given."
            )
        if job.mask is not None and not caps.mask:
            raise _refusal(f"{self._label} does not take a mask.")

    async def _paint(
        self, job: ImageJob, plan: CallPlan, call: Callable[[CallPlan, int], Awaitable[Any]], call_type: str
    ) -> EngineResult:
        """Ask for `job.n` images in as few calls as the model allows, concurrently; if the provider
        paints fewer than asked (some OpenAI-compatible servers ignore `n`), ask again for the rest. With a
        seed, each call after the first starts from the seed plus the images asked before it, so that n
        images from one-image-a-call providers differ and the same request paints them again."""
        await asyncio.to_thread(load_litellm)  # the first import takes seconds: keep it off the loop
        per_call = self._profile.max_n_per_call
        counts = split_batches(job.n, per_call)
        batches = await _gather_or_cancel(
            [self._batch(job, _seeded(plan, sum(counts[:i])), call, k, call_type) for i, k in enumerate(counts)]
        )
        images = [image for batch_images, _, _ in batches for image in batch_images]
        costs = [batch_cost for _, batch_cost, _ in batches]
        usages = [batch_usage for _, _, batch_usage in batches]
        for _ in range(job.n):
            if len(images) >= job.n:
                break
            more, more_cost, more_usage = await self._batch(
                job, _seeded(plan, len(images)), call, min(job.n - len(images), per_call), call_type
            )
            images.extend(more)
            costs.append(more_cost)
            usages.append(more_usage)
        # One call litellm could not price makes the whole painting unpriced (None), never cheaper.
        cost = None if None in costs else sum(c for c in costs if c is not None)
        return EngineResult(
            images=tuple(images[: job.n]), model=self.model, cost_usd=cost, style=job.style, notes=plan.notes,
            usage=_sum_usage(usages),
        )

    async def _batch(
        self, job: ImageJob, plan: CallPlan, call: Callable[[CallPlan, int], Awaitable[Any]], n: int,
        call_type: str,
    ) -> tuple[list[EngineImage], float | None, dict[str, int] | None]:
        response = await self._with_retries(lambda: call(plan, n))
        # Priced before decoding: the call is paid for even if its images then prove unreadable.
        cost = response_cost(
            response,
            model=self.model,
            call_type=call_type,
            size=plan.params.get("size"),
            quality=plan.params.get("quality"),
        )
        images = await collect_images(
            getattr(response, "data", None) or [],
            output_format=job.output_format,
            fetch_timeout_s=min(self.timeout_s, _FETCH_TIMEOUT_CAP_S),
            max_bytes=self.max_image_bytes,
        )
        if not images:
            raise EaselError(502, "upstream_error", f"{self._label} answered without any image.")
        return images, cost, _usage_of(response)

    async def _with_retries(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry 429, 5xx and connection failures with exponential backoff, honouring Retry-After
        (capped), up to `max_retries` times; everything else fails at once."""
        tries = 0
        while True:
            tries += 1
            try:
                return await attempt()
            except EaselError:
                raise
            except Exception as exc:
                failure = classify(exc, secrets=(self._api_key,))
                metrics.UPSTREAM_ERRORS.labels("image", failure.kind).inc()
                # A Retry-After past our longest wait fails at once and passes the wait on (429 + Retry-After).
                beyond = failure.retry_after_s is not None and failure.retry_after_s > self.backoff_cap_s
                if not failure.retryable or tries > self.max_retries or beyond:
                    raise failure.to_error(provider=self._label, attempts=tries) from None
                delay = self._delay(tries, failure.retry_after_s)
                log.warning(
                    "%s: %s (HTTP %s): %s; retry %d of %d in %.1f s",
                    self._label,
                    failure.kind,
                    failure.status,
                    failure.detail or failure.message,
                    tries,
                    self.max_retries,
                    delay,
                )
                await self._sleep(delay)

    def _delay(self, tries: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(self.backoff_cap_s, retry_after_s)
        return min(self.backoff_cap_s, self.backoff_base_s * 2 ** (tries - 1))

    # ---- the litellm calls -----------------------------------------------------------------------

    async def _generate_once(self, plan: CallPlan, n: int) -> Any:
        litellm = load_litellm()
        async with AsyncExitStack() as stack:
            client = await self._single_attempt_client(stack)
            return await litellm.aimage_generation(
                model=self.model,
                n=n,
                api_base=self.api_base,
                api_key=self._api_key,
                timeout=self.timeout_s,
                # Our mapping already sends only what the model takes; for models we do not know, let
                # litellm drop what their provider would reject instead of failing the call.
                drop_params=True,
                **({"client": client} if client is not None else {}),
                **plan.params,
            )

    async def _edit_once(self, plan: CallPlan, n: int, sources: list[Upload], mask: Upload | None) -> Any:
        litellm = load_litellm()
        # On the OpenAI multipart route litellm copies unknown keyword arguments into the form, so
        # `drop_params` itself would reach the provider as a field; only other providers get it.
        multipart = self._provider == "openai" or self._provider in litellm.openai_compatible_providers
        return await litellm.aimage_edit(
            image=[_named_file(upload) for upload in sources],  # fresh file objects for every attempt
            mask=_named_file(mask) if mask is not None else None,
            model=self.model,
            n=n,
            api_base=self.api_base,
            api_key=self._api_key,
            timeout=self.timeout_s,
            **({} if multipart else {"drop_params": True}),
            **plan.params,
        )

    async def _single_attempt_client(self, stack: AsyncExitStack) -> Any:
        """An OpenAI SDK client that never retries, for models on litellm's OpenAI SDK route."""
        if self._provider != "openai":
            return None
        # The SDK refuses to start without a key; a keyless local server needs none, and a real one
        # answers 401, which we report.
        key = self._api_key or os.environ.get("OPENAI_API_KEY") or "unused"
        client = _single_attempt_client_class()(
            api_key=key, base_url=self.api_base, timeout=self.timeout_s, max_retries=0
        )
        await stack.enter_async_context(client)
        return client


@functools.cache
def _single_attempt_client_class() -> type:
    from openai import AsyncOpenAI

    class SingleAttemptAsyncOpenAI(AsyncOpenAI):
        """litellm sets `client.max_retries = 2` on any client it is handed; this one stays at 0."""

        @property
        def max_retries(self) -> int:
            return 0

        @max_retries.setter
        def max_retries(self, value: int) -> None:
            pass

    return SingleAttemptAsyncOpenAI


class _NamedBytes(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def _named_file(upload: Upload) -> io.BufferedReader:
    # litellm names a part after the file only for a BufferedReader; anything else goes out as
    # "image.png" whatever it holds.
    return io.BufferedReader(_NamedBytes(upload.data, upload.filename))


def _seeded(plan: CallPlan, offset: int) -> CallPlan:
    seed = plan.params.get("seed")
    if not offset or not isinstance(seed, int):
        return plan
    return CallPlan(params={**plan.params, "seed": (seed + offset) % (2**32 - 1)}, notes=plan.notes)


def _refusal(message: str) -> EaselError:
    return EaselError(422, "generation_failed", message)


async def _gather_or_cancel(coros: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently; on the first failure cancel the rest rather than paying for images nobody gets."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _usage_of(response: Any) -> dict[str, int] | None:
    """The tokens a GPT-image-style provider reports with its images (`usage.input_tokens_details`)."""
    usage = getattr(response, "usage", None)
    if usage is None:
        return None

    def field(obj: Any, name: str) -> int:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        return int(value) if isinstance(value, int | float) else 0

    details = usage.get("input_tokens_details") if isinstance(usage, dict) else getattr(
        usage, "input_tokens_details", None)
    text = field(details, "text_tokens") if details is not None else field(usage, "input_tokens")
    return {"text_tokens": text, "image_tokens": field(details, "image_tokens") if details is not None else 0,
            "output_tokens": field(usage, "output_tokens")}


def _sum_usage(usages: list[dict[str, int] | None]) -> dict[str, int] | None:
    reported = [u for u in usages if u is not None]
    if not reported:
        return None
    return {k: sum(u.get(k, 0) for u in reported) for k in ("text_tokens", "image_tokens", "output_tokens")}
