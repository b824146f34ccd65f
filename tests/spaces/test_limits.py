"""The three limit backends behind one interface: in-process memory, the embedded SQLite file shared by the
processes of one machine, and Redis shared by every node (a key prefix of its own per run)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from easel.spaces.limits import Limiter, open_limiter
from easel.spaces.limits.embedded import EmbeddedLimiter
from easel.spaces.limits.memory import MemoryLimiter
from tests.services import drop_redis_prefix, redis_or_skip, redis_prefix

pytestmark = pytest.mark.anyio
Make = Callable[..., Limiter]


@pytest.fixture(params=["memory", "embedded", "redis"])
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Make]:
    """Builds limiters of one backend; those built by one test share their store, as processes would."""
    async for build in _builder(request.param, tmp_path):
        yield build


@pytest.fixture(params=["embedded", "redis"])
async def shared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Make]:
    """The backends shared by several processes."""
    async for build in _builder(request.param, tmp_path):
        yield build


async def _builder(backend: str, tmp_path: Path) -> AsyncIterator[Make]:
    url = redis_or_skip() if backend == "redis" else None
    prefix = redis_prefix()
    made: list[Limiter] = []

    def build(**kw: object) -> Limiter:
        limiter = open_limiter(backend, data_dir=tmp_path, redis_url=url, redis_prefix=prefix,
                               **kw)  # type: ignore[arg-type]
        made.append(limiter)
        return limiter

    build.backend = backend  # type: ignore[attr-defined]
    yield build
    for limiter in made:
        await limiter.close()
    if url:
        drop_redis_prefix(prefix)


async def test_the_window_counts_down_and_refuses_with_a_retry_after(make: Make) -> None:
    limiter = make(rpm=3, concurrent=0)
    seen = []
    for _ in range(3):
        v = await limiter.acquire("k")
        assert v.allowed and v.limit == 3 and 0 < v.reset_s <= 60
        seen.append(v.remaining)
        await limiter.release("k", v.slot)
    assert seen == [2, 1, 0]
    refused = await limiter.acquire("k")
    assert not refused.allowed and refused.remaining == 0 and 0 < refused.retry_after_s <= 60
    assert refused.reason == "More than 3 requests in a minute"
    assert (await limiter.acquire("another key")).allowed


async def test_slots_are_refused_beyond_the_limit_and_given_back(make: Make) -> None:
    limiter = make(rpm=0, concurrent=2)
    a, b = await limiter.acquire("k"), await limiter.acquire("k")
    assert a.allowed and b.allowed
    third = await limiter.acquire("k")
    assert not third.allowed and third.retry_after_s == 1.0 and third.reason == "More than 2 requests at once"
    await limiter.release("k", a.slot)
    c = await limiter.acquire("k")
    assert c.allowed
    await limiter.release("k", b.slot)
    await limiter.release("k", c.slot)


async def test_a_refused_request_is_not_counted(make: Make) -> None:
    limiter = make(rpm=2, concurrent=1)
    held = await limiter.acquire("k")
    assert not (await limiter.acquire("k")).allowed  # no slot: refused, and not counted in the window
    await limiter.release("k", held.slot)
    last = await limiter.acquire("k")
    assert last.allowed and last.remaining == 0


async def test_limits_hold_across_processes_sharing_a_store(shared: Make) -> None:
    a, b = shared(rpm=4, concurrent=3), shared(rpm=4, concurrent=3)
    for limiter in (a, b, a, b):
        v = await limiter.acquire("k")
        assert v.allowed
        await limiter.release("k", v.slot)
    assert not (await a.acquire("k")).allowed and not (await b.acquire("k")).allowed
    held = [await a.acquire("s"), await b.acquire("s"), await a.acquire("s")]
    assert all(v.allowed for v in held)
    assert not (await b.acquire("s")).allowed


async def test_a_dead_processes_slots_expire_and_a_live_ones_are_renewed(shared: Make) -> None:
    alive, doomed, other = (shared(rpm=0, concurrent=1, lease_s=1.0) for _ in range(3))
    assert (await alive.acquire("kept")).allowed
    assert (await doomed.acquire("lost")).allowed
    doomed._renewer.cancel()  # type: ignore[attr-defined]  # killed: nobody renews its lease any more
    deadline = time.monotonic() + 30
    while not (v := await other.acquire("lost")).allowed:
        assert time.monotonic() < deadline, "a dead process's slot never expired"
        await asyncio.sleep(0.1)
    await other.release("lost", v.slot)
    # Meanwhile (several leases long) the live process kept its slot by renewing it.
    assert not (await other.acquire("kept")).allowed


async def test_nothing_is_kept_for_a_key_past_its_window(make: Make, tmp_path: Path) -> None:
    backend = make.backend  # type: ignore[attr-defined]
    if backend == "redis":
        import redis

        from tests.services import REDIS_URL

        limiter = make(rpm=5, concurrent=2)
        v = await limiter.acquire("short-lived")
        client = redis.Redis.from_url(REDIS_URL)
        keys = [k for k in client.scan_iter(match="*short-lived*")]
        assert len(keys) == 2 and all(0 < client.pttl(k) <= 60_000 for k in keys)  # both expire by themselves
        await limiter.release("short-lived", v.slot)
        return
    now = [1000.0]
    if backend == "memory":
        limiter: MemoryLimiter | EmbeddedLimiter = MemoryLimiter(rpm=5, concurrent=2, clock=lambda: now[0])
    else:
        limiter = EmbeddedLimiter(tmp_path / "own.db", rpm=5, concurrent=2, clock=lambda: now[0])
    for i in range(10_000):
        v = await limiter.acquire(f"random-{i}")
        await limiter.release(f"random-{i}", v.slot)
    now[0] += 61
    if isinstance(limiter, MemoryLimiter):
        for _ in range(10_000 // 8 + 1):  # each acquire drops stale keys as it goes
            v = await limiter.acquire("steady")
            await limiter.release("steady", v.slot)
            now[0] += 0.001
        assert limiter.entries() == 1
    else:
        limiter.renew_and_purge()
        assert limiter.rows() == 0
    await limiter.close()
