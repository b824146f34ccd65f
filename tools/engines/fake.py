"""A fake painter: solid colours from the seed, in no time. For tests (and users) who need an engine
that answers instantly; `fail_with` makes it refuse, `delay_s` makes it slow."""

from __future__ import annotations

import asyncio
import io
import random

from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.base import MIME_TYPES, Capabilities, EngineImage, EngineResult, ImageJob


class FakeEngine:
    model = "fake/solid"
    capabilities = Capabilities(operations=frozenset({"generate", "edit", "style_transfer", "compose"}),
                                max_sources=16, mask=True)

    def __init__(self, *, delay_s: float = 0.0, fail_with: EaselError | None = None) -> None:
        self.delay_s = delay_s
        self.fail_with = fail_with
        self.jobs: list[ImageJob] = []

    async def _paint(self, job: ImageJob) -> EngineResult:
        self.jobs.append(job)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_with:
            raise self.fail_with
        seed = job.seed if job.seed is not None else random.randrange(2**31)
        w, h = job.width or (job.sources[0].width if job.sources else 64) or 64, job.height or 64
        images = []
        for i in range(job.n):
            rng = random.Random(seed + i)
            buf = io.BytesIO()
            color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            Image.new("RGB", (w, h), color).save(buf, format=job.output_format.upper())
            images.append(EngineImage(buf.getvalue(), MIME_TYPES[job.output_format], w, h, seed=seed + i))
        return EngineResult(images=tuple(images), model=self.model)

    async def generate(self, job: ImageJob) -> EngineResult:
        return await self._paint(job)

    async def edit(self, job: ImageJob) -> EngineResult:
        return await self._paint(job)

    async def compose(self, job: ImageJob) -> EngineResult:
        return await self._paint(job)
