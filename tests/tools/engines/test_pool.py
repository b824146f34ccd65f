"""The painting pool: jobs wait while the pixels inside would pass the capacity, or the workers are busy."""

from __future__ import annotations

import asyncio

import pytest

from easel.tools.engines.pool import PaintPool

pytestmark = pytest.mark.anyio


async def test_the_largest_job_runs_alone_and_small_ones_side_by_side() -> None:
    pool = PaintPool(capacity=100, workers=4)
    order: list[str] = []
    release = {name: asyncio.Event() for name in ("big", "small1", "small2")}
    inside = {name: asyncio.Event() for name in release}

    async def job(name: str, pixels: int) -> None:
        async with pool.slot(pixels):
            order.append(name)
            inside[name].set()
            await release[name].wait()

    big = asyncio.create_task(job("big", 10_000))  # more than the capacity: weighs the whole of it
    await inside["big"].wait()
    smalls = [asyncio.create_task(job("small1", 40)), asyncio.create_task(job("small2", 40))]
    await asyncio.sleep(0)  # let them queue
    assert pool.in_use() == (1, 100) and order == ["big"]
    release["big"].set()
    await asyncio.wait_for(asyncio.gather(inside["small1"].wait(), inside["small2"].wait()), 5)
    assert pool.in_use() == (2, 80)  # both fit at once
    release["small1"].set()
    release["small2"].set()
    await asyncio.gather(big, *smalls)
    assert pool.in_use() == (0, 0)


async def test_workers_bound_the_number_of_jobs() -> None:
    pool = PaintPool(capacity=1000, workers=2)
    gate, two_in = asyncio.Event(), asyncio.Event()
    entered: list[int] = []

    async def job(i: int) -> None:
        async with pool.slot(1):
            entered.append(i)
            if len(entered) == 2:
                two_in.set()
            await gate.wait()

    tasks = [asyncio.create_task(job(i)) for i in range(5)]
    await asyncio.wait_for(two_in.wait(), 5)
    await asyncio.sleep(0)  # the others try, and must stay out
    assert len(entered) == 2 and pool.in_use() == (2, 2)
    gate.set()
    await asyncio.gather(*tasks)
    assert sorted(entered) == [0, 1, 2, 3, 4] and pool.in_use() == (0, 0)
