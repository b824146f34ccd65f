"""Limits counted in this process: the cheapest, and right only while one process serves."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from easel.spaces.limits import WINDOW_S, Verdict, allowed, too_many_at_once, too_many_per_minute

SWEEP_PER_CALL = 8  # stale keys dropped per acquire: enough to outrun any rate of new keys


class MemoryLimiter:
    def __init__(self, *, rpm: int, concurrent: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rpm, self.concurrent, self.clock = rpm, concurrent, clock
        # Least recently used first, so the keys whose windows have emptied are found at the front.
        self._window: OrderedDict[str, deque[float]] = OrderedDict()
        self._active: dict[str, int] = {}

    def _sweep(self, now: float) -> None:
        for _ in range(SWEEP_PER_CALL):
            if not self._window:
                return
            bucket, hits = next(iter(self._window.items()))
            if hits and now - hits[-1] < WINDOW_S:
                return  # the front is the least recently used: every key behind it is younger
            del self._window[bucket]

    async def acquire(self, bucket: str) -> Verdict:
        now = self.clock()
        self._sweep(now)
        window = self._window.get(bucket)
        if window is None:
            window = self._window[bucket] = deque()
        else:
            while window and now - window[0] >= WINDOW_S:
                window.popleft()
        oldest = (now - window[0]) if window else None
        if self.rpm and len(window) >= self.rpm:
            return too_many_per_minute(self.rpm, WINDOW_S - (oldest or 0.0))
        if self.concurrent and self._active.get(bucket, 0) >= self.concurrent:
            reset = (WINDOW_S - oldest) if oldest is not None else 0.0
            return too_many_at_once(self.rpm, self.concurrent, max(self.rpm - len(window), 0), reset)
        if self.rpm:
            window.append(now)
            self._window.move_to_end(bucket)
        if not window:
            del self._window[bucket]  # nothing counted per minute: nothing kept
        self._active[bucket] = self._active.get(bucket, 0) + 1
        return allowed(self.rpm, len(window), (now - window[0]) if window else None, None)

    async def release(self, bucket: str, slot: str | None = None) -> None:
        left = self._active.get(bucket, 0) - 1
        if left > 0:
            self._active[bucket] = left
        else:
            self._active.pop(bucket, None)

    def entries(self) -> int:
        """Keys held in memory (for tests: nothing may outlive its window)."""
        return len(self._window) + len(self._active)

    async def close(self) -> None:
        pass
