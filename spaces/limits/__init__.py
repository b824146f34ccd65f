"""Per-key limits: requests per minute (a moving window) and requests in flight at once (slots).

`Limiter` is the interface, with three backends chosen once at start-up:
- `memory`: counts in this process (one process only);
- `embedded`: a small SQLite file beside the store, shared by every process on this machine (`--workers N`, the
  default embedded setup, no Redis needed);
- `redis` (`EASEL_REDIS_URL`): shared by every process and node; one Lua script per request (limits/redis.py).

A slot is a lease that expires unless its process renews it, so a process killed mid-request frees its slots
within `lease_s`. Nothing is kept for a key past its window, and only keys that authenticated are counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

WINDOW_S = 60.0
Backend = Literal["auto", "memory", "embedded", "redis"]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int  # requests per window; 0 = unlimited
    remaining: int
    reset_s: float  # until the oldest request in the window leaves it
    retry_after_s: float = 0.0
    reason: str = ""
    slot: str | None = None  # the slot held, to give back with release()
    kind: str = ""  # which limit refused: "rate" (per minute) or "concurrency" (at once)


class Limiter(Protocol):
    async def acquire(self, bucket: str) -> Verdict: ...
    async def release(self, bucket: str, slot: str | None) -> None: ...
    async def close(self) -> None: ...


def too_many_per_minute(rpm: int, reset_s: float) -> Verdict:
    return Verdict(False, rpm, 0, reset_s, retry_after_s=reset_s, reason=f"More than {rpm} requests in a minute",
                   kind="rate")


def too_many_at_once(rpm: int, concurrent: int, remaining: int, reset_s: float) -> Verdict:
    return Verdict(False, rpm, remaining, reset_s, retry_after_s=1.0,
                   reason=f"More than {concurrent} requests at once", kind="concurrency")


def allowed(rpm: int, used: int, oldest_age_s: float | None, slot: str | None) -> Verdict:
    """Granted, with `used` requests in the window (this one included)."""
    reset = (WINDOW_S - oldest_age_s) if oldest_age_s is not None else (WINDOW_S if rpm else 0.0)
    return Verdict(True, rpm, max(rpm - used, 0) if rpm else 0, reset, slot=slot)


def headers(verdict: Verdict) -> dict[str, str]:
    out = {}
    if verdict.limit:
        out = {"x-ratelimit-limit-requests": str(verdict.limit),
               "x-ratelimit-remaining-requests": str(verdict.remaining),
               "x-ratelimit-reset-requests": f"{math.ceil(verdict.reset_s)}s"}
    if not verdict.allowed:  # a refusal always says when to come back, also with no per-minute limit
        out["retry-after"] = str(max(1, math.ceil(verdict.retry_after_s)))
    return out


def open_limiter(backend: Backend, *, rpm: int, concurrent: int, data_dir: Path, redis_url: str | None = None,
                 redis_prefix: str = "easel", lease_s: float = 30.0) -> Limiter:
    """`auto` is Redis when a URL is given, else the embedded file: limits hold across processes either way."""
    if backend == "auto":
        backend = "redis" if redis_url else "embedded"
    if backend == "memory":
        from easel.spaces.limits.memory import MemoryLimiter

        return MemoryLimiter(rpm=rpm, concurrent=concurrent)
    if backend == "embedded":
        from easel.spaces.limits.embedded import EmbeddedLimiter

        return EmbeddedLimiter(data_dir / "limits.db", rpm=rpm, concurrent=concurrent, lease_s=lease_s)
    if not redis_url:
        raise ValueError("EASEL_LIMITS=redis needs EASEL_REDIS_URL")
    from easel.spaces.limits.redis import RedisLimiter

    return RedisLimiter(redis_url, rpm=rpm, concurrent=concurrent, prefix=redis_prefix, lease_s=lease_s)
