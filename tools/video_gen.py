"""Videos as asynchronous jobs: a row in the store, run by a bounded pool, with progress and cancellation.

A job is data (`spaces.records.VideoJob`), so any process or node answers a poll. The process that started a
job runs it and renews a lease on it while it runs; at start, a process takes up jobs still queued and marks
failed, with the reason, any job whose runner stopped renewing (the server was killed mid-job): nothing is
left "in progress" forever. The finished clip and its poster are Space files like images; the job's cost
and usage land in the history.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from easel.spaces.errors import EaselError
from easel.spaces.ledger import Ledger
from easel.spaces.records import FileRecord, Principal, VideoJob, Workspace, now_iso
from easel.spaces.space import Space
from easel.tools.base import ToolContext
from easel.tools.engines.animator import OfflineAnimator, Stopped
from easel.tools.engines.animator import VideoJob as AnimatorJob
from easel.tools.image_args import parse_args
from easel.tools.image_gen import ImageService
from easel.tools.pricing import PriceTable

log = logging.getLogger("easel.video")
STOPPED_REASON = ("The server stopped while this video was being made, so nothing was saved. "
                  "Start it again.")


@dataclass(frozen=True)
class VideoRequest:
    prompt: str
    seconds: int = 4
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    motion_bucket_id: int = 127
    cfg_scale: float = 1.5
    source: FileRecord | None = None  # the still; None means paint one from the prompt first


class VideoService:
    def __init__(self, *, space: Space, images: ImageService, spawn: Callable[[Coroutine[Any, Any, Any]], Any],
                 ledger: Ledger | None, prices: PriceTable, concurrency: int = 2, lease_s: float = 30.0,
                 engine: OfflineAnimator | None = None) -> None:
        """`spawn` runs work that outlives the request that started it (the app's background set). A running
        job's lease is renewed twice a second; a job whose lease ran out `lease_s` ago lost its runner."""
        self.space, self.images, self.spawn, self.ledger, self.prices = space, images, spawn, ledger, prices
        self.lease_s = lease_s
        self.engine = engine or OfflineAnimator()
        self._slots = asyncio.Semaphore(max(1, concurrency))

    # -- starting and stopping --------------------------------------------------------------------------
    async def start(self, principal: Principal, workspace: Workspace, request: VideoRequest, *,
                    api: str, requested_model: str | None = None) -> VideoJob:
        """Checked, charged for up front (402 before anything runs), recorded, then run in the background."""
        if self.ledger is not None:
            await self.ledger.ensure_affordable(principal, self.prices.estimate(self.engine.model, 1280, 720, 1))
        params = {"seconds": request.seconds, "width": request.width, "height": request.height,
                  "seed": request.seed if request.seed is not None else secrets.randbelow(2**31),
                  "motion_bucket_id": request.motion_bucket_id, "cfg_scale": request.cfg_scale,
                  "on_behalf_of": principal.on_behalf_of, "requested_model": requested_model}
        stamp = now_iso()
        job = VideoJob(id=f"video_{secrets.token_hex(12)}", account_id=principal.account_id,
                       workspace_id=workspace.id, key_id=principal.key_id, api=api, status="queued",
                       prompt=request.prompt, model=self.engine.model, created_at=stamp, updated_at=stamp,
                       params=params, source_file_id=request.source.id if request.source else None)
        await self.space.add_video_job(job)
        self.spawn(self.run(job.id))
        return job

    async def cancel(self, job: VideoJob) -> bool:
        """A queued or running job stops (its runner sees it at the next frame); a finished one is left."""
        return await self.space.move_video_job(job.id, from_status=("queued", "in_progress"),
                                               status="cancelled", error="Cancelled on request")

    async def watch(self) -> None:
        """For the life of the process: every lease period, take up what nobody runs (see `recover`)."""
        while True:
            try:
                await self.recover()
            except Exception:  # a store hiccup must not end the watch; the next round tries again
                log.exception("recovering video jobs failed")
            await asyncio.sleep(self.lease_s)

    async def recover(self) -> None:
        """Queued jobs are run; jobs whose runner is gone (its lease ran out) are failed with the reason."""
        for job in await self.space.orphaned_video_jobs(time.time()):
            if job.status == "queued":
                self.spawn(self.run(job.id))
            elif await self.space.move_video_job(job.id, from_status=("in_progress",), status="failed",
                                                 error=STOPPED_REASON, lease_until=None):
                log.warning("video job %s was running when its server stopped; marked failed", job.id)

    # -- running -----------------------------------------------------------------------------------------
    async def run(self, job_id: str) -> None:
        async with self._slots:
            space = self.space
            if not await space.move_video_job(job_id, from_status=("queued",), status="in_progress",
                                              lease_until=time.time() + self.lease_s):
                return  # cancelled while queued, or another process took it
            job = await space.video_job_by_id(job_id)
            if job is None:
                return
            beat = Heartbeat(self.space, job_id, self.lease_s)
            beat.start()
            try:
                files = await self._make(job, beat)
            except Stopped:
                return
            except EaselError as exc:
                await space.move_video_job(job_id, from_status=("in_progress",), status="failed", error=exc.message)
                return
            except Exception:
                log.exception("video job %s failed", job_id)
                await space.move_video_job(job_id, from_status=("in_progress",), status="failed",
                                           error="The video could not be made; the server logged why")
                return
            finally:
                await beat.stop()
            video, poster = files
            await space.move_video_job(job_id, from_status=("in_progress",), status="completed", progress=100,
                                       file_id=video.id, poster_file_id=poster.id, lease_until=None)

    async def _make(self, job: VideoJob, beat: Heartbeat) -> tuple[FileRecord, FileRecord]:
        principal = Principal(account_id=job.account_id, key_id=job.key_id or "",
                              default_workspace_id=job.workspace_id, on_behalf_of=job.params.get("on_behalf_of"))
        workspace = await self.space.workspace_by_id(job.workspace_id)
        if workspace is None:
            raise EaselError(404, "not_found", "The job's workspace is gone")
        p = job.params
        still = await self._still(job, principal, workspace)
        result = await self.engine.animate(AnimatorJob(
            prompt=job.prompt, still=await self.space.read(still), seconds=int(p["seconds"]),
            width=p.get("width"), height=p.get("height"), seed=int(p["seed"]),
            motion_bucket_id=int(p["motion_bucket_id"]), cfg_scale=float(p["cfg_scale"])), beat.progress)
        stem = (still.name.rsplit(".", 1)[0] or "video")[:60]
        meta: dict[str, Any] = {
            "operation": "video", "prompt": job.prompt, "model": result.model, "seed": int(p["seed"]),
            "duration_s": result.seconds, "fps": result.fps, "frames": result.frames,
            "source_file_ids": [still.id], "notes": list(result.notes), "job_id": job.id}
        poster = await self.space.save_bytes(workspace.id, name=f"{stem}-poster.png", data=result.poster,
                                             mime_type="image/png", width=result.width, height=result.height,
                                             metadata={**meta, "operation": "poster"})
        video = await self.space.save_bytes(workspace.id, name=f"{stem}.mp4", data=result.video,
                                            mime_type="video/mp4", width=result.width, height=result.height,
                                            metadata={**meta, "poster_file_id": poster.id})
        if self.ledger is not None:
            cost = self.prices.actual(result.model, result.width, result.height, 1, 0.0)
            await self.ledger.record(principal, kind="generation", api=job.api, workspace_id=workspace.id,
                                     operation="video", model=result.model, size=f"{result.width}x{result.height}",
                                     n=1, prompt=job.prompt, cost_usd=cost, file_ids=[video.id, poster.id])
        return video, poster

    async def _still(self, job: VideoJob, principal: Principal, workspace: Workspace) -> FileRecord:
        if job.source_file_id is not None:
            found = await self.space.files(workspace, [job.source_file_id])
            if not found:
                raise EaselError(404, "not_found", "The image to animate was deleted")
            return found[0]
        p = job.params
        size = f"{p['width']}x{p['height']}" if p.get("width") and p.get("height") else "1280x720"

        async def nothing() -> None:
            return None

        async def kept(_: FileRecord) -> None:
            return None

        ctx = ToolContext(space=self.space, workspace=workspace, principal=principal, on_generating=nothing,
                          on_file=kept, api=job.api)
        created = await self.images.create(parse_args({"prompt": job.prompt, "size": size, "seed": p["seed"]}),
                                           ctx)
        return created.files[0]


class Heartbeat:
    """While a job runs: renews its lease, writes its progress, and notices a cancel."""

    def __init__(self, space: Space, job_id: str, lease_s: float) -> None:
        self.space, self.job_id, self.lease_s = space, job_id, lease_s
        self.fraction, self.stopped = 0.0, False
        self._task: asyncio.Task[None] | None = None

    def progress(self, fraction: float) -> bool:
        """Called from the animator's thread: a plain write, read by the beat."""
        self.fraction = fraction
        return not self.stopped

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _beat(self) -> None:
        space = self.space
        while True:
            await asyncio.sleep(0.5)
            alive = await space.move_video_job(self.job_id, from_status=("in_progress",),
                                               progress=min(99, int(self.fraction * 100)),
                                               lease_until=time.time() + self.lease_s)
            if not alive:  # cancelled (or failed elsewhere): the animator stops at its next frame
                self.stopped = True
                return
