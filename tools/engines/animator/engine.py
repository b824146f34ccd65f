"""`builtin/animator-1`: a still (uploaded, generated, or painted first from a prompt) into an MP4 and a poster."""

from __future__ import annotations

import asyncio

from easel.spaces.errors import EaselError

from ..video import Progress, VideoJob, VideoLimits, VideoResult

MAX_W, MAX_H = 1280, 720
FPS = 24
MIN_SECONDS, MAX_SECONDS = 2, 8


def output_size(still: tuple[int, int], width: int | None, height: int | None) -> tuple[int, int]:
    """Even sides (yuv420p needs them), at most 1280x720 (or 720x1280 for a portrait still)."""
    sw, sh = still
    if width and height:
        w, h = width, height
    else:
        box = (MAX_W, MAX_H) if sw >= sh else (MAX_H, MAX_W)
        k = min(box[0] / sw, box[1] / sh, 1.0 if max(sw, sh) >= 256 else box[0] / sw)
        w, h = round(sw * k), round(sh * k)
    if not (64 <= w <= 1280 and 64 <= h <= 1280) or w * h > MAX_W * MAX_H:
        raise EaselError(400, "invalid_size", f"A video is at most 1280x720 (or 720x1280); {w}x{h} was asked")
    return w - w % 2, h - h % 2


class OfflineAnimator:
    model = "builtin/animator-1"
    needs_still = True
    limits = VideoLimits(seconds=tuple(range(MIN_SECONDS, MAX_SECONDS + 1)),
                         sizes=((MAX_W, MAX_H), (MAX_H, MAX_W)))

    async def animate(self, job: VideoJob, progress: Progress | None = None) -> VideoResult:
        return await asyncio.to_thread(self.animate_sync, job, progress)

    def animate_sync(self, job: VideoJob, progress: Progress | None = None) -> VideoResult:
        """`progress(fraction)` is called as frames are made; when it returns False the work stops with
        `Stopped`."""
        if not MIN_SECONDS <= job.seconds <= MAX_SECONDS:
            raise EaselError(400, "invalid_request", f"seconds must be {MIN_SECONDS} to {MAX_SECONDS}")
        if job.still is None:
            raise EaselError(400, "invalid_request", "The offline animator needs a still to animate")
        # The work itself (OpenCV, numpy, PyAV: over half a second to import) loads with the first job.
        from .clip import animate

        return animate(job, progress, self.model)
