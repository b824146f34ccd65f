"""The store's video-job queries (a part of spaces.db.Store). A job's state moves only forward: queued →
in_progress → completed | failed | cancelled; each move is one conditional UPDATE, so two processes never both
claim a job, and a cancel never lands on a finished one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from easel.spaces.records import VideoJob, now_iso
from easel.spaces.tables import video_jobs

FINISHED = ("completed", "failed", "cancelled")


def _job(row: sa.Row[Any]) -> VideoJob:
    fields = dict(row._mapping)
    fields.pop("seq")
    fields["params"] = json.loads(fields["params"] or "{}")
    return VideoJob(**fields)


class VideoJobQueries:
    """Mixed into Store, whose plumbing these use."""

    async def _rows(self, stmt: sa.Executable) -> Sequence[sa.Row[Any]]:
        raise NotImplementedError

    def _tx(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    async def create_video_job(self, job: VideoJob) -> None:
        values = asdict(job)
        values["params"] = json.dumps(job.params)
        async with self._tx() as conn:
            await conn.execute(video_jobs.insert().values(**values))

    async def get_video_job(self, job_id: str) -> VideoJob | None:
        rows = await self._rows(sa.select(video_jobs).where(video_jobs.c.id == job_id))
        return _job(rows[0]) if rows else None

    async def list_video_jobs(self, account_id: str, *, limit: int, after: str | None) -> list[VideoJob]:
        query = sa.select(video_jobs).where(video_jobs.c.account_id == account_id)
        if after is not None:
            anchor = sa.select(video_jobs.c.seq).where(video_jobs.c.id == after).scalar_subquery()
            query = query.where(video_jobs.c.seq < anchor)
        rows = await self._rows(query.order_by(video_jobs.c.seq.desc()).limit(limit))
        return [_job(r) for r in rows]

    async def move_video_job(self, job_id: str, *, from_status: Sequence[str], **changes: Any) -> bool:
        """Apply `changes` only if the job is in one of `from_status`; True when it was. `params` is a dict."""
        if isinstance(changes.get("params"), dict):
            changes["params"] = json.dumps(changes["params"])
        async with self._tx() as conn:
            done = await conn.execute(video_jobs.update()
                                      .where(video_jobs.c.id == job_id, video_jobs.c.status.in_(from_status))
                                      .values(**changes, updated_at=now_iso()))
        return bool(done.rowcount)

    async def claimable_video_jobs(self, now: float) -> list[VideoJob]:
        """Jobs nobody runs: queued ones, and running ones whose runner stopped renewing its lease."""
        rows = await self._rows(sa.select(video_jobs).where(sa.or_(
            video_jobs.c.status == "queued",
            sa.and_(video_jobs.c.status == "in_progress", video_jobs.c.lease_until < now)))
            .order_by(video_jobs.c.seq))
        return [_job(r) for r in rows]

    async def delete_video_job(self, job_id: str) -> bool:
        async with self._tx() as conn:
            done = await conn.execute(video_jobs.delete().where(video_jobs.c.id == job_id,
                                                                 video_jobs.c.status.in_(FINISHED)))
        return bool(done.rowcount)
