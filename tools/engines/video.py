"""The video engine interface: what every maker of clips (the offline animator, a video model behind litellm)
takes and gives.

Engines receive decoded arguments and the still's bytes, and return an encoded MP4 and a poster image. They
never touch the Space: saving, the job's row and the history are `tools/video_gen.py`'s.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# Called with the fraction done (0..1) while a clip is made; when it returns False the engine stops with `Stopped`.
Progress = Callable[[float], bool]


class Stopped(Exception):
    """The caller asked the work to stop (a cancelled job)."""


@dataclass(frozen=True)
class VideoJob:
    prompt: str
    # The picture to animate (PNG, JPEG, WebP). None: a text-to-video engine makes the clip from the prompt; an
    # engine that `needs_still` gets one painted from the prompt by the caller first.
    still: bytes | None = None
    seconds: int = 4
    width: int | None = None  # None: the still's aspect ratio within the engine's largest frame
    height: int | None = None
    seed: int = 0
    motion_bucket_id: int = 127
    cfg_scale: float = 1.5
    scene: tuple[str, ...] = ()  # what the painter put in the still, when Easel painted it (sky, water, ...)
    user: str | None = None


@dataclass(frozen=True)
class VideoResult:
    video: bytes
    poster: bytes  # an image of the first frame (or the provider's thumbnail)
    width: int
    height: int
    fps: float
    frames: int
    seconds: float
    model: str
    notes: tuple[str, ...] = ()
    poster_mime: str = "image/png"
    cost_usd: float | None = 0.0  # None: the provider's price is unknown (unpriced, not free)


@dataclass(frozen=True)
class VideoLimits:
    """What an engine can be asked: clip lengths in whole seconds, and frame sizes (None: any the provider takes,
    refused by the provider itself if it does not)."""

    seconds: tuple[int, ...]
    sizes: tuple[tuple[int, int], ...] | None


def fit(limits: VideoLimits, seconds: int, size: tuple[int, int] | None) -> tuple[int, tuple[int, int] | None]:
    """The nearest length and frame an engine makes to those asked (for a chat model's loose request: the APIs
    refuse what the engine cannot make instead): the closest length, and the first size (the engine's usual
    one, not its largest) of the same orientation."""
    seconds = min(limits.seconds, key=lambda s: (abs(s - seconds), s))
    if size is not None and limits.sizes and size not in limits.sizes:
        landscape = size[0] >= size[1]
        size = next((s for s in limits.sizes if (s[0] >= s[1]) == landscape), limits.sizes[0])
    return seconds, size


class VideoEngine(Protocol):
    """A maker of clips. Failures are raised as `spaces.errors.EaselError`: `generation_failed` (it cannot or
    would not make it, with the reason), `upstream_error` or `rate_limited` (its provider failed)."""

    model: str
    # True: it animates a still, so a prompt alone is painted into one first (the offline animator).
    needs_still: bool
    limits: VideoLimits

    async def animate(self, job: VideoJob, progress: Progress | None = None) -> VideoResult: ...


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    fps: float
    frames: int
    seconds: float


def probe_mp4(data: bytes) -> tuple[Probe, bytes]:
    """Reads a clip with PyAV: its real size, frame rate, frame count and length, and its first frame as a PNG.
    Raises ValueError when the bytes are not a video PyAV can decode."""
    import av
    from PIL import Image

    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                raise ValueError("there is no video stream in it")
            stream = container.streams.video[0]
            first = None
            count = 0
            for frame in container.decode(stream):
                if first is None:
                    first = frame.to_ndarray(format="rgb24")
                count += 1
            if first is None:
                raise ValueError("it holds no frames")
            fps = float(stream.average_rate or stream.guessed_rate or 0) or 24.0
            seconds = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else (
                count / fps)
    except av.error.FFmpegError as exc:
        raise ValueError(f"it does not decode ({type(exc).__name__})") from exc
    out = io.BytesIO()
    Image.fromarray(first).save(out, "PNG")
    h, w = first.shape[:2]
    return Probe(width=w, height=h, fps=round(fps, 3), frames=count, seconds=round(seconds, 3)), out.getvalue()
