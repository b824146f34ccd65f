"""Video models behind litellm (`EASEL_VIDEO_MODEL=openai/sora-2`, `azure/sora-2`, `gemini/veo-3.0-...`, an
OpenAI-compatible server with `EASEL_VIDEO_API_BASE`): the only module that calls `litellm.avideo_generation`,
`avideo_status` and `avideo_content`.

A provider's video is itself an asynchronous job: it is created, then polled (queued, in_progress with a
percentage, completed or failed), then its content is downloaded. The Space's job runs that whole exchange:
the provider's percentage becomes the job's progress, a cancelled job stops polling at once, the provider's
failure reason becomes the job's, and 429, 5xx and broken connections are retried with backoff (honouring
Retry-After) on every call. The poster is the provider's thumbnail when it has one, else the clip's first
frame, decoded with PyAV, as are the clip's real size, frame rate and length.

litellm 1.106 has no call that cancels a provider's job, so a cancelled job is only abandoned upstream: it is no
longer polled and nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from PIL import Image, ImageOps

from easel.spaces import metrics
from easel.spaces.errors import EaselError
from easel.tools.engines.litellm_errors import classify
from easel.tools.engines.litellm_params import load_litellm
from easel.tools.engines.video import (
    Progress,
    Stopped,
    VideoJob,
    VideoLimits,
    VideoResult,
    probe_mp4,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

# OpenAI's Sora models (and Azure's): the lengths and frames they make; the reference image must be the frame's size.
SORA = VideoLimits(seconds=(4, 8, 12), sizes=((720, 1280), (1280, 720), (1024, 1792), (1792, 1024)))
# Any other video model: what is asked is passed on and the provider refuses what it cannot make, in its words.
ANY = VideoLimits(seconds=tuple(range(1, 61)), sizes=None)
_POSTER_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_DOWNLOAD_SHARE = 0.95  # of the progress bar: the provider's work; the rest is the download


def limits_for(model: str) -> VideoLimits:
    return SORA if "sora" in model.rsplit("/", 1)[-1].lower() else ANY


class LitellmVideoEngine:
    """A `VideoEngine` for any video model litellm reaches."""

    needs_still = False

    def __init__(
        self,
        *,
        model: str,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 1800.0,
        request_timeout_s: float = 120.0,
        poll_s: float = 5.0,
        max_retries: int = 3,
        sleep: Sleep = asyncio.sleep,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
    ) -> None:
        self.model = model
        self.api_base = api_base
        self._api_key = api_key
        self.timeout_s = timeout_s  # the whole job, from create to download
        self.request_timeout_s = request_timeout_s  # one HTTP call
        self.poll_s = poll_s
        self.max_retries = max(0, max_retries)
        self._sleep = sleep  # the backoff's waits; injectable so tests can check them without waiting
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.limits = limits_for(model)
        self._label = model.rsplit("/", 1)[-1]

    def __repr__(self) -> str:  # never shows the key
        return f"LitellmVideoEngine(model={self.model!r}, api_base={self.api_base!r})"

    @functools.cached_property
    def _provider(self) -> str | None:
        try:
            return str(load_litellm().get_llm_provider(model=self.model, api_base=self.api_base)[1])
        except Exception:  # unknown provider: the create call itself fails and says so
            return None

    # ---- the protocol ----------------------------------------------------------------------------

    async def animate(self, job: VideoJob, progress: Progress | None = None) -> VideoResult:
        await asyncio.to_thread(load_litellm)  # the first import takes seconds: keep it off the loop
        started = time.monotonic()
        notes: list[str] = []
        size = self._size(job)
        reference = None
        if job.still is not None:
            reference, note = await asyncio.to_thread(_reference, job.still, size)
            if note:
                notes.append(note)
        check = _checker(progress)
        check(0.0)
        created = await self._with_retries(lambda: self._create(job, size, reference))
        video_id = str(created.id)
        log.info("%s: video %s created (%s)", self._label, video_id, created.status)
        status = created
        while str(status.status) not in ("completed", "failed"):
            if str(status.status) not in ("queued", "in_progress"):
                raise EaselError(502, "upstream_error", f"{self._label} reported an unknown status "
                                 f"{str(status.status)[:40]!r} for the video")
            if time.monotonic() - started > self.timeout_s:
                raise EaselError(502, "upstream_error", f"{self._label} had not finished the video after "
                                 f"{self.timeout_s:g} s; it was abandoned")
            await self._wait(check, _fraction(status))
            status = await self._with_retries(lambda: self._call("avideo_status", video_id=video_id))
        if str(status.status) == "failed":
            raise EaselError(422, "generation_failed", f"{self._label} could not make the video: "
                             f"{_reason(status)}")
        check(_DOWNLOAD_SHARE)
        video = await self._with_retries(lambda: self._call("avideo_content", video_id=video_id))
        if not isinstance(video, bytes | bytearray) or not video:
            raise EaselError(502, "upstream_error", f"{self._label} answered the download with no video")
        check(0.98)
        thumbnail = await self._thumbnail(video_id)
        try:
            probe, first_frame = await asyncio.to_thread(probe_mp4, bytes(video))
        except ValueError as exc:
            raise EaselError(502, "upstream_error", f"{self._label} sent a video that cannot be read: {exc}") from None
        poster, poster_mime = thumbnail if thumbnail is not None else (first_frame, "image/png")
        if thumbnail is None:
            notes.append("The poster is the clip's first frame; the provider gave no thumbnail.")
        return VideoResult(
            video=bytes(video), poster=poster, poster_mime=poster_mime, width=probe.width, height=probe.height,
            fps=probe.fps, frames=probe.frames, seconds=probe.seconds, model=self.model, notes=tuple(notes),
            cost_usd=self._cost(probe.seconds or float(job.seconds)))

    # ---- steps -----------------------------------------------------------------------------------

    def _size(self, job: VideoJob) -> tuple[int, int] | None:
        if job.width and job.height:
            return job.width, job.height
        sizes = self.limits.sizes
        if not sizes:
            return None  # the provider's default (or the reference's own size)
        if job.still is None:
            return sizes[0]
        with Image.open(io.BytesIO(job.still)) as img:
            portrait = img.height > img.width
        return next(s for s in sizes if (s[1] > s[0]) == portrait)

    async def _create(self, job: VideoJob, size: tuple[int, int] | None, reference: bytes | None) -> Any:
        kwargs: dict[str, Any] = {"seconds": str(job.seconds)}
        if size is not None:
            kwargs["size"] = f"{size[0]}x{size[1]}"
        if reference is not None:
            kwargs["input_reference"] = io.BufferedReader(_NamedBytes(reference, "reference.png"))
        if job.user:
            kwargs["user"] = job.user
        return await self._call("avideo_generation", prompt=job.prompt, model=self.model, **kwargs)

    async def _call(self, name: str, **kwargs: Any) -> Any:
        litellm = load_litellm()
        if name != "avideo_generation" and self._provider:
            kwargs["custom_llm_provider"] = self._provider
        call = getattr(litellm, name)
        async with asyncio.timeout(self.request_timeout_s):
            return await call(api_base=self.api_base, api_key=self._api_key, timeout=self.request_timeout_s,
                              **kwargs)

    async def _thumbnail(self, video_id: str) -> tuple[bytes, str] | None:
        """The provider's thumbnail, if it has one that decodes; None sends the caller to the first frame."""
        try:
            data = await self._with_retries(lambda: self._call("avideo_content", video_id=video_id,
                                                               variant="thumbnail"))
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                fmt = img.format or ""
            if fmt in _POSTER_TYPES:
                return bytes(data), _POSTER_TYPES[fmt]
            log.info("%s: thumbnail of video %s is %s; using the first frame", self._label, video_id, fmt)
        except Exception as exc:
            log.info("%s: no thumbnail for video %s (%s); using the first frame", self._label, video_id,
                     getattr(exc, "message", None) or type(exc).__name__)
        return None

    async def _wait(self, check: Callable[[float], None], fraction: float) -> None:
        """Sleeps one poll period in short steps, so a cancel is seen within a quarter of a second."""
        check(fraction)
        left = self.poll_s
        while left > 0:
            step = min(0.25, left)
            await asyncio.sleep(step)
            left -= step
            check(fraction)

    def _cost(self, seconds: float) -> float | None:
        """The provider's price per second of video, from litellm's price map; None (unpriced) when it has none."""
        from litellm.cost_calculator import default_video_cost_calculator

        try:
            cost = float(default_video_cost_calculator(model=self.model, duration_seconds=seconds,
                                                       custom_llm_provider=self._provider))
        except Exception as exc:  # litellm raises a bare Exception for a model its map does not list
            log.info("%s: no price for video (%s)", self._label, exc)
            return None
        return cost if cost > 0 else None

    # ---- retries -----------------------------------------------------------------------------------

    async def _with_retries(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry 429, 5xx and connection failures with exponential backoff, honouring Retry-After (capped), up to
        `max_retries` times; everything else fails at once, as Easel's error."""
        tries = 0
        while True:
            tries += 1
            try:
                return await attempt()
            except (EaselError, Stopped):
                raise
            except Exception as exc:
                failure = classify(exc, secrets=(self._api_key,))
                metrics.UPSTREAM_ERRORS.labels("video", failure.kind).inc()
                beyond = failure.retry_after_s is not None and failure.retry_after_s > self.backoff_cap_s
                if not failure.retryable or tries > self.max_retries or beyond:
                    raise failure.to_error(provider=self._label, attempts=tries, noun="video") from None
                delay = min(self.backoff_cap_s, failure.retry_after_s if failure.retry_after_s is not None
                            else self.backoff_base_s * 2 ** (tries - 1))
                log.warning("%s: %s (HTTP %s): %s; retry %d of %d in %.1f s", self._label, failure.kind,
                            failure.status, failure.detail or failure.message, tries, self.max_retries, delay)
                await self._sleep(delay)


def _checker(progress: Progress | None) -> Callable[[float], None]:
    def check(fraction: float) -> None:
        if progress is not None and not progress(max(0.0, min(1.0, fraction))):
            raise Stopped("stopped on request")

    return check


def _fraction(status: Any) -> float:
    value = getattr(status, "progress", None)
    try:
        percent = float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        percent = 0.0
    return _DOWNLOAD_SHARE * max(0.0, min(100.0, percent)) / 100.0


def _reason(status: Any) -> str:
    error = getattr(status, "error", None)
    message = error.get("message") if isinstance(error, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    text = " ".join(str(message or "the provider gave no reason").split())[:500]
    return f"{text} ({code})" if code else text


def _reference(still: bytes, size: tuple[int, int] | None) -> tuple[bytes, str | None]:
    """The still as a PNG; cropped and scaled to the frame when the size is known (Sora refuses a reference of
    another size)."""
    try:
        with Image.open(io.BytesIO(still)) as img:
            rgb = img.convert("RGB")
    except Exception as exc:
        raise EaselError(415, "invalid_image", "The still is not a decodable image") from exc
    note = None
    if size is not None and rgb.size != size:
        note = f"The still ({rgb.width}x{rgb.height}) was cropped and scaled to the clip's {size[0]}x{size[1]}."
        rgb = ImageOps.fit(rgb, size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, "PNG")
    return out.getvalue(), note


class _NamedBytes(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
