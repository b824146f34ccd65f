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
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from easel.spaces import metrics
from easel.spaces.errors import EaselError
from easel.spaces.ledger import Ledger
from easel.spaces.records import FileRecord, Principal, VideoJob, Workspace, now_iso
from easel.spaces.space import Space
from easel.tools.base import ToolContext, ToolOutcome
from easel.tools.engines.animator import OfflineAnimator
from easel.tools.engines.animator.plan import scene_prompt
from easel.tools.engines.video import Stopped, VideoEngine, fit
from easel.tools.engines.video import VideoJob as EngineJob
from easel.tools.image_args import ArgumentError, parse_args
from easel.tools.image_gen import ImageService
from easel.tools.pricing import PriceTable
from easel.tools.video_args import SCHEMA as VIDEO_SCHEMA
from easel.tools.video_args import parse_video_args

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
    source: FileRecord | None = None  # the still; None: text to video, or paint one first for the animator


class VideoService:
    def __init__(self, *, space: Space, images: ImageService, spawn: Callable[[Coroutine[Any, Any, Any]], Any],
                 ledger: Ledger | None, prices: PriceTable, concurrency: int = 2, lease_s: float = 30.0,
                 engine: VideoEngine | None = None) -> None:
        """`spawn` runs work that outlives the request that started it (the app's background set). A running
        job's lease is renewed twice a second; a job whose lease ran out `lease_s` ago lost its runner."""
        self.space, self.images, self.spawn, self.ledger, self.prices = space, images, spawn, ledger, prices
        self.lease_s = lease_s
        self.engine: VideoEngine = engine or OfflineAnimator()
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._running: dict[str, Heartbeat] = {}  # jobs this process runs, for their live progress
        self._followers: dict[str, set[asyncio.Event]] = {}  # woken when a job here moves on

    # -- following a job ---------------------------------------------------------------------------------
    def _moved(self, job_id: str) -> None:
        for woken in self._followers.get(job_id, ()):
            woken.set()

    async def follow(self, job_id: str, on_progress: Callable[[int], Awaitable[None]] | None = None, *,
                     timeout_s: float | None = None, poll_s: float = 1.0) -> VideoJob | None:
        """Waits until the job ends or `timeout_s` passes, telling `on_progress` each new percent (in steps of
        5, from the runner's own count when it runs here, else from the store); returns the job as it then is.
        Only the follower waits: leaving (a client gone, a timeout) never touches the job."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        woken = asyncio.Event()
        self._followers.setdefault(job_id, set()).add(woken)
        told = -1
        try:
            while True:
                woken.clear()
                job = await self.space.video_job_by_id(job_id)
                if job is None or job.finished:
                    return job
                beat = self._running.get(job_id)
                percent = beat.percent if beat is not None else job.progress
                if on_progress is not None and percent > told:
                    told = percent
                    await on_progress(percent)
                wait = poll_s if deadline is None else min(poll_s, deadline - loop.time())
                if wait <= 0:
                    return job
                try:
                    await asyncio.wait_for(woken.wait(), wait)
                except TimeoutError:
                    pass
        finally:
            followers = self._followers.get(job_id)
            if followers is not None:
                followers.discard(woken)
                if not followers:
                    del self._followers[job_id]

    # -- starting and stopping --------------------------------------------------------------------------
    async def start(self, principal: Principal, workspace: Workspace, request: VideoRequest, *,
                    api: str, requested_model: str | None = None) -> VideoJob:
        """Checked, charged for up front (402 before anything runs), recorded, then run in the background."""
        if self.ledger is not None:
            model = self.engine.model
            if not self.prices.video_priced(model):
                await self.ledger.ensure_priced(principal, model)
            await self.ledger.ensure_affordable(principal, self.prices.estimate_video(model, request.seconds))
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
        cancelled = await self.space.move_video_job(job.id, from_status=("queued", "in_progress"),
                                                    status="cancelled", error="Cancelled on request")
        self._moved(job.id)
        return cancelled

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
        try:
            await self._run(job_id)
        finally:
            self._moved(job_id)  # whatever the end, whoever follows the job reads it again

    async def _run(self, job_id: str) -> None:
        async with self._slots:
            space = self.space
            if not await space.move_video_job(job_id, from_status=("queued",), status="in_progress",
                                              lease_until=time.time() + self.lease_s):
                return  # cancelled while queued, or another process took it
            job = await space.video_job_by_id(job_id)
            if job is None:
                return
            beat = Heartbeat(self.space, job_id, self.lease_s, on_step=lambda: self._moved(job_id))
            beat.start()
            self._running[job_id] = beat
            self._moved(job_id)  # queued -> in progress
            try:
                files = await self._make(job, beat)
            except Stopped:
                return
            except EaselError as exc:  # its code is kept beside the reason, for the APIs to answer with
                await space.move_video_job(job_id, from_status=("in_progress",), status="failed", error=exc.message,
                                           params={**job.params, "error_code": exc.code}, lease_until=None)
                return
            except Exception:
                log.exception("video job %s failed", job_id)
                await space.move_video_job(job_id, from_status=("in_progress",), status="failed",
                                           error="The video could not be made; the server logged why")
                return
            finally:
                self._running.pop(job_id, None)
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
        result = await self.engine.animate(EngineJob(
            prompt=job.prompt, still=await self.space.read(still) if still is not None else None,
            seconds=int(p["seconds"]), width=p.get("width"), height=p.get("height"), seed=int(p["seed"]),
            motion_bucket_id=int(p["motion_bucket_id"]), cfg_scale=float(p["cfg_scale"]),
            user=p.get("on_behalf_of")), beat.progress)
        stem = ((still.name.rsplit(".", 1)[0] if still is not None else _slug(job.prompt)) or "video")[:60]
        # Unpriced (None): only accounts without a budget get here (ensure_priced), and their record says 0.
        cost = self.prices.actual_video(result.model, result.seconds, result.cost_usd)
        meta: dict[str, Any] = {
            "operation": "video", "prompt": job.prompt, "model": result.model, "seed": int(p["seed"]),
            "duration_s": result.seconds, "fps": result.fps, "frames": result.frames,
            "source_file_ids": [still.id] if still is not None else [], "notes": list(result.notes),
            "job_id": job.id, "cost_usd": None if cost is None else round(cost, 6)}
        ext = {"image/jpeg": "jpg", "image/webp": "webp"}.get(result.poster_mime, "png")
        poster = await self.space.save_bytes(workspace.id, name=f"{stem}-poster.{ext}", data=result.poster,
                                             mime_type=result.poster_mime, width=result.width, height=result.height,
                                             metadata={**meta, "operation": "poster"})
        video = await self.space.save_bytes(workspace.id, name=f"{stem}.mp4", data=result.video,
                                            mime_type="video/mp4", width=result.width, height=result.height,
                                            metadata={**meta, "poster_file_id": poster.id})
        if self.ledger is not None:
            await self.ledger.record(principal, kind="generation", api=job.api, workspace_id=workspace.id,
                                     operation="video", model=result.model, size=f"{result.width}x{result.height}",
                                     n=1, prompt=job.prompt, cost_usd=cost or 0.0, file_ids=[video.id, poster.id])
        return video, poster

    async def _still(self, job: VideoJob, principal: Principal, workspace: Workspace) -> FileRecord | None:
        """The still to animate: the one given, else (for an engine that animates stills) one painted from the
        prompt; None for a text-to-video engine given none."""
        if job.source_file_id is not None:
            found = await self.space.files(workspace, [job.source_file_id])
            if not found:
                raise EaselError(404, "not_found", "The image to animate was deleted")
            return found[0]
        if not self.engine.needs_still:
            return None
        p = job.params
        size = f"{p['width']}x{p['height']}" if p.get("width") and p.get("height") else "1280x720"

        async def nothing() -> None:
            return None

        async def kept(_: FileRecord) -> None:
            return None

        ctx = ToolContext(space=self.space, workspace=workspace, principal=principal, on_generating=nothing,
                          on_file=kept, api=job.api)
        # The still shows the scene; "slow pan" or "static camera" say how to film it, so they are not painted.
        created = await self.images.create(parse_args({"prompt": scene_prompt(job.prompt), "size": size,
                                                       "seed": p["seed"]}), ctx)
        return created.files[0]


def _slug(prompt: str) -> str:
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:6]
    return "-".join(words)


class Heartbeat:
    """While a job runs: renews its lease, writes its progress, and notices a cancel."""

    STEP = 5  # percent: followers are woken each time the work moves on this much

    def __init__(self, space: Space, job_id: str, lease_s: float,
                 on_step: Callable[[], None] | None = None) -> None:
        self.space, self.job_id, self.lease_s = space, job_id, lease_s
        self.fraction, self.stopped = 0.0, False
        self.on_step = on_step
        self._step = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def percent(self) -> int:
        return min(99, int(self.fraction * 100))

    def progress(self, fraction: float) -> bool:
        """Called from the animator's thread: a plain write, read by the beat; each new step of `STEP` percent
        wakes the followers on the loop's thread."""
        self.fraction = fraction
        step = self.percent // self.STEP
        if step != self._step and self.on_step is not None and self._loop is not None:
            self._step = step
            self._loop.call_soon_threadsafe(self.on_step)
        return not self.stopped

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._beat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _beat(self) -> None:
        space = self.space
        while True:
            await asyncio.sleep(0.5)
            alive = await space.move_video_job(self.job_id, from_status=("in_progress",), progress=self.percent,
                                               lease_until=time.time() + self.lease_s)
            if not alive:  # cancelled (or failed elsewhere): the animator stops at its next frame
                self.stopped = True
                return


# -- the chat tool -------------------------------------------------------------------------------------------

def _pending(job: VideoJob, workspace: Workspace) -> ToolOutcome:
    """A job that outlived the wait: its id, and where the clip will be."""
    where = f"/v1/videos/{job.id}"
    message = (f"The video is still being made ({job.progress}% done). It will be saved to the Space (workspace "
               f"{workspace.id}) as an MP4 when it is ready; its status is at {where} and the file at "
               f"{where}/content.")
    content = {"status": "in_progress", "job_id": job.id, "progress": job.progress, "status_url": where,
               "content_url": f"{where}/content", "workspace_id": workspace.id, "message": message}
    return ToolOutcome(ok=True, content=content, details={"status": "in_progress", "job_id": job.id,
                                                          "progress": job.progress, "status_url": where})


def describe_video(job: VideoJob, video: FileRecord, source: FileRecord | None) -> dict[str, Any]:
    """What the model reads of a finished clip: ids, length, size, what moved; never pixels."""
    m = video.metadata
    content: dict[str, Any] = {
        "status": "completed", "operation": "video", "engine": m.get("model", job.model), "job_id": job.id,
        "files": [{"file_id": video.id, "name": video.name, "mime_type": video.mime_type, "width": video.width,
                   "height": video.height, "size_bytes": video.size_bytes, "duration_s": m.get("duration_s"),
                   "fps": m.get("fps"), "frames": m.get("frames"), "seed": m.get("seed"),
                   "poster_file_id": m.get("poster_file_id")}],
    }
    if source is not None:
        content["source"] = {"file_id": source.id, "name": source.name}
    else:
        content["painted_first"] = True
    if m.get("notes"):
        content["notes"] = list(m["notes"])
    return content


class VideoGenTool:
    """`video_gen` for the chat turn: starts a video job (the same jobs as AiArt's img2video and OpenAI's videos
    API), follows it with progress, and hands the finished clip to the turn as a file. The job is the Space's,
    not the turn's: a client that leaves, or a turn that stops waiting, leaves it running to the end."""

    name = "video_gen"

    def __init__(self, videos: VideoService) -> None:
        self.videos = videos

    def schema(self) -> dict[str, Any]:
        return VIDEO_SCHEMA

    async def _source(self, file_id: str, ctx: ToolContext) -> FileRecord:
        found = await ctx.space.existing_files(ctx.workspace, [file_id])
        record = found.get(file_id)
        if record is None:
            raise EaselError(404, "not_found", f"Unknown source file id: {file_id} is not a file in this workspace")
        poster = record.metadata.get("poster_file_id") if record.mime_type.startswith("video/") else None
        if isinstance(poster, str):  # "make that video move more": animate its still again
            record = (await ctx.space.existing_files(ctx.workspace, [poster])).get(poster) or record
        if not record.is_image:
            raise EaselError(400, "invalid_image", f"Not an image: {file_id} ({record.mime_type})")
        return record

    async def run(self, arguments: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        model = self.videos.engine.model
        calls = metrics.TOOL_CALLS
        try:
            args = parse_video_args(arguments)
            source = await self._source(args.source_file_id, ctx) if args.source_file_id else None
            size = (args.width, args.height) if args.width and args.height else None
            seconds = args.seconds
            if not self.videos.engine.needs_still:
                # A video model makes its own lengths and frames (Sora: 4, 8 or 12 s; four sizes): the nearest
                # ones to those asked. The animator makes any frame within 1280x720, as the arguments allow.
                seconds, size = fit(self.videos.engine.limits, seconds, size)
            job = await self.videos.start(ctx.principal, ctx.workspace, VideoRequest(
                prompt=args.prompt, seconds=seconds, width=size[0] if size else None,
                height=size[1] if size else None, seed=args.seed,
                motion_bucket_id=args.motion_bucket_id, cfg_scale=args.cfg_scale, source=source), api=ctx.api)
        except ArgumentError as exc:
            calls.labels(self.name, model, "invalid_arguments").inc()
            return ToolOutcome.failed(f"Invalid arguments: {exc}", code="invalid_arguments")
        except EaselError as exc:  # an unknown source, no credit left (402 insufficient_credits), ...
            calls.labels(self.name, model, "failed").inc()
            return ToolOutcome.failed(exc.message, code=exc.code)

        async def progress(percent: int) -> None:
            if ctx.on_progress is not None:
                await ctx.on_progress(percent, job.id)

        # Progress events (from 0) are the call's `generating` statuses, each with the job's id.
        found = await self.videos.follow(job.id, progress, timeout_s=ctx.wait_s)
        details = {"job_id": job.id}
        if found is None:
            calls.labels(self.name, model, "failed").inc()
            return ToolOutcome.failed("The video job was deleted before it finished", details=details)
        if not found.finished:
            calls.labels(self.name, model, "in_progress").inc()
            return _pending(found, ctx.workspace)
        if found.status != "completed" or found.file_id is None:
            calls.labels(self.name, model, "failed").inc()
            return ToolOutcome.failed(found.error or f"The video was {found.status}", details=details,
                                      code=found.params.get("error_code"))
        video = (await ctx.space.existing_files(ctx.workspace, [found.file_id])).get(found.file_id)
        if video is None:
            calls.labels(self.name, model, "failed").inc()
            return ToolOutcome.failed("The finished video was deleted before it could be shown", details=details)
        await ctx.on_file(video)
        calls.labels(self.name, model, "completed").inc()
        return ToolOutcome(ok=True, content=describe_video(found, video, source), files=[video],
                           cost_usd=float(video.metadata.get("cost_usd") or 0.0), details=details,
                           priced=video.metadata.get("cost_usd", 0.0) is not None)
