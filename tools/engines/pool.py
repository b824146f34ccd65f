"""A bounded pool for painting: memory grows with the pixels being painted, never with the requests waiting.

A job (decode its sources, paint, encode) enters with its weight in pixels and waits while the jobs inside
would pass `capacity` pixels together, or `workers` jobs. With `capacity` = EASEL_MAX_PIXELS, the largest
accepted image is painted alone and small ones side by side: eight concurrent edits of a 2048x2048 image
hold one decoded image at a time, not eight (tests/tools/engines/test_pool.py, and the RSS test in
tests/agent/surfaces/test_hostile.py).
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _LoopState:
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    pixels: int = 0
    jobs: int = 0


class PaintPool:
    def __init__(self, *, capacity: int, workers: int | None = None) -> None:
        self.capacity = max(1, capacity)
        self.workers = max(1, workers or os.cpu_count() or 1)
        # One state per event loop: asyncio primitives must not be shared between loops.
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState()
        return state

    @asynccontextmanager
    async def slot(self, pixels: int) -> AsyncIterator[None]:
        """Hold room for `pixels` (at most the whole capacity, so any job can enter on its own)."""
        weight = min(max(1, pixels), self.capacity)
        state = self._state()
        async with state.changed:
            await state.changed.wait_for(
                lambda: state.jobs < self.workers and state.pixels + weight <= self.capacity)
            state.pixels += weight
            state.jobs += 1
        try:
            yield
        finally:
            async with state.changed:
                state.pixels -= weight
                state.jobs -= 1
                state.changed.notify_all()

    def in_use(self) -> tuple[int, int]:
        """(jobs, pixels) inside now, on the running loop: for tests."""
        state = self._state()
        return state.jobs, state.pixels
