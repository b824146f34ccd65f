"""Per-key limits: requests per minute (a sliding window) and requests in flight at once.

`Limiter` is the interface; `MemoryLimiter` keeps its counts in this process. Several nodes would back
the same interface with a shared store (Redis), since a per-process count would let a key through N times.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_S = 60.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int  # requests per window; 0 = unlimited
    remaining: int
    reset_s: float  # until the oldest request in the window leaves it
    retry_after_s: float = 0.0
    reason: str = ""


class Limiter(Protocol):
    async def acquire(self, bucket: str) -> Verdict: ...
    async def release(self, bucket: str) -> None: ...


class MemoryLimiter:
    def __init__(self, *, rpm: int, concurrent: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rpm, self.concurrent, self.clock = rpm, concurrent, clock
        self._window: dict[str, deque[float]] = {}
        self._active: dict[str, int] = {}

    async def acquire(self, bucket: str) -> Verdict:
        now = self.clock()
        window = self._window.setdefault(bucket, deque())
        while window and now - window[0] >= WINDOW_S:
            window.popleft()
        reset = (WINDOW_S - (now - window[0])) if window else 0.0
        if self.rpm and len(window) >= self.rpm:
            return Verdict(False, self.rpm, 0, reset, retry_after_s=reset,
                           reason=f"More than {self.rpm} requests in a minute")
        if self.concurrent and self._active.get(bucket, 0) >= self.concurrent:
            return Verdict(False, self.rpm, max(self.rpm - len(window), 0), reset, retry_after_s=1.0,
                           reason=f"More than {self.concurrent} requests at once")
        window.append(now)
        self._active[bucket] = self._active.get(bucket, 0) + 1
        return Verdict(True, self.rpm, max(self.rpm - len(window), 0) if self.rpm else 0,
                       reset or (WINDOW_S if self.rpm else 0.0))

    async def release(self, bucket: str) -> None:
        left = self._active.get(bucket, 0) - 1
        if left > 0:
            self._active[bucket] = left
        else:
            self._active.pop(bucket, None)
            if not self._window.get(bucket):
                self._window.pop(bucket, None)  # an idle key holds no memory


def headers(verdict: Verdict) -> dict[str, str]:
    if not verdict.limit:
        return {}
    out = {"x-ratelimit-limit-requests": str(verdict.limit),
           "x-ratelimit-remaining-requests": str(verdict.remaining),
           "x-ratelimit-reset-requests": f"{math.ceil(verdict.reset_s)}s"}
    if not verdict.allowed:
        out["retry-after"] = str(max(1, math.ceil(verdict.retry_after_s)))
    return out
