"""Work that must outlive the request that started it: an image being painted when its client left.

Tasks are kept here (not only referenced by a request), so they are neither garbage-collected nor lost,
and shutdown waits for them within its grace period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("easel.background")


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background work failed: %r", exc)

    async def drain(self, grace_s: float) -> None:
        if self._tasks:
            log.info("waiting up to %.0f s for %d task(s) in flight", grace_s, len(self._tasks))
            await asyncio.wait(set(self._tasks), timeout=grace_s)
