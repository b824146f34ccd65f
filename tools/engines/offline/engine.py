"""`OfflineEngine`: the default painter. No keys, no network, no model weights.

It satisfies `tools.engines.base.ImageEngine`. CPU work runs on worker threads (`asyncio.to_thread`)
behind a semaphore sized to the machine's cores, so a server with many streams stays responsive
while images render. Output is a pure function of the job and its seed.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from easel.spaces.errors import EaselError
from easel.tools import provenance

from ..base import MIME_TYPES, Capabilities, EngineImage, EngineResult, ImageJob, PartialImage, SourceImage
from ..pool import PaintPool

if TYPE_CHECKING:
    import numpy as np

    from . import painter
    from .stages import Stages

# The painter, its codec and its stages (numpy, OpenCV and Pillow under them) take about half a second to
# import, and reading prompts (style names, edit instructions, the subject catalogue's patterns) a tenth: each
# is imported where it is used (the painter on the worker threads that paint and decode), so a server starts
# without them.
Render = Callable[[int, "Stages"], "painter.Painted"]

MIN_SIDE, MAX_SIDE = 16, 4096
DEFAULT_SIDE = 1024


def _failed(message: str) -> EaselError:
    return EaselError(422, "generation_failed", message)


class OfflineEngine:
    """The built-in procedural painter. `OfflineEngine()` needs no arguments; `max_workers` caps how
    many images render at once (default: the number of CPU cores)."""

    model = "builtin/painter-1"
    capabilities = Capabilities(
        operations=frozenset({"generate", "edit", "style_transfer", "compose"}), max_sources=4, mask=False
    )

    def __init__(self, *, max_workers: int | None = None, pool: PaintPool | None = None) -> None:
        self._workers = max(1, max_workers or os.cpu_count() or 1)
        # Whole jobs (decode, paint, encode) enter the pool, so a decoded source waiting for a worker
        # counts too: memory follows the pixels inside, not the number of requests (tools/engines/pool.py).
        self._pool = pool or PaintPool(capacity=MAX_SIDE * MAX_SIDE, workers=self._workers)
        # One semaphore per event loop: an asyncio.Semaphore must not be shared between loops.
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    # ------------------------------------------------------------------------------------ protocol

    async def generate(self, job: ImageJob) -> EngineResult:
        async with self._pool.slot(self._weight(job)):
            return await self._generate(job)

    async def edit(self, job: ImageJob) -> EngineResult:
        """Edits and style transfer: `job.operation` is `edit` or `style_transfer`."""
        async with self._pool.slot(self._weight(job)):
            return await self._edit(job)

    async def compose(self, job: ImageJob) -> EngineResult:
        async with self._pool.slot(self._weight(job)):
            return await self._compose(job)

    def _weight(self, job: ImageJob) -> int:
        """The pixels a job holds at its peak: its sources, and each variant rendered at once."""
        first = job.sources[0] if job.sources else None
        w = job.width or (first.width if first else 0) or DEFAULT_SIDE
        h = job.height or (first.height if first else 0) or DEFAULT_SIDE
        sources = sum(s.width * s.height for s in job.sources)
        return sources + w * h * min(max(1, job.n), self._workers)

    async def _generate(self, job: ImageJob) -> EngineResult:
        from .style_names import resolve

        w, h = _size(job, None)
        base = _base_seed(job)
        transparent = job.background == "transparent" and job.output_format != "jpeg"

        resolved = resolve(job.style, job.prompt) if job.style else None
        style = resolved.name if resolved else None

        def render(seed: int, stages: Stages) -> painter.Painted:
            from . import painter

            return painter.generate(job.prompt, job.negative_prompt, w, h, seed, transparent, style, stages)

        images, painted = await self._render_all(job, base, render, (w, h))
        notes = tuple(dict.fromkeys(p.note for p in painted if p.note)) + _background_notes(job, painted)
        notes += (resolved.note,) if resolved and resolved.note else ()
        return EngineResult(images=images, model=self.model, notes=notes, style=style)

    async def _edit(self, job: ImageJob) -> EngineResult:
        from .edit_parse import CONFIGURE, EditOp, parse_edit
        from .style_names import resolve

        if job.operation not in ("edit", "style_transfer"):
            raise _failed(f"The offline engine's edit() cannot run a '{job.operation}' job.")
        if job.mask is not None:
            raise _failed(f"The offline engine cannot do masked (inpainting) edits; {CONFIGURE}")
        if not job.sources:
            raise _failed("An edit needs a source image.")
        if job.operation == "style_transfer":
            return await self._style(job, await self._decode(job.sources[0]), _base_seed(job))
        # Read the instruction before touching the image: an edit we cannot do is refused at once.
        ops = parse_edit(job.prompt) if job.prompt.strip() or not job.style else []
        notes: list[str] = []
        if job.style:
            resolved = resolve(job.style, job.prompt)
            ops.append(EditOp("style", text=resolved.name))
            notes += [resolved.note] if resolved.note else []
        style_name = next((op.text for op in reversed(ops) if op.kind == "style"), None)
        source = await self._decode(job.sources[0])
        size = _size(job, source) if job.width or job.height else None

        scene = provenance.read(job.sources[0].data) or {}  # what the painter recorded, if it made the source

        def render(seed: int, stages: Stages) -> painter.Painted:
            from . import painter

            return painter.edit(source, ops, size, seed, job.strength, scene, stages)

        images, _ = await self._render_all(job, _base_seed(job), render, size)
        return EngineResult(images=images, model=self.model, style=style_name, notes=tuple(notes))

    async def _compose(self, job: ImageJob) -> EngineResult:
        if len(job.sources) < 2:
            raise _failed("Composing needs at least two source images.")
        if len(job.sources) > self.capabilities.max_sources:
            raise _failed(f"The offline engine composes at most {self.capabilities.max_sources} images.")
        sources = await asyncio.gather(*(self._decode(s) for s in job.sources))
        size = (
            (job.width or sources[0].shape[1], job.height or sources[0].shape[0]) if job.width or job.height else None
        )
        if size:
            _check_size(*size)

        def render(seed: int, stages: Stages) -> painter.Painted:
            from . import painter

            return painter.compose(list(sources), job.prompt, size)

        images, _ = await self._render_all(job, _base_seed(job), render)
        return EngineResult(images=images, model=self.model)

    # ------------------------------------------------------------------------------------ helpers

    async def _style(self, job: ImageJob, source: np.ndarray, base: int) -> EngineResult:
        from .style_names import resolve

        resolved = resolve(job.style, job.prompt)
        w, h = _size(job, source)

        def render(seed: int, stages: Stages) -> painter.Painted:
            from . import painter

            return painter.style_transfer(source, resolved.name, job.strength, w, h, seed)

        images, _ = await self._render_all(job, base, render)
        notes = (resolved.note,) if resolved.note else ()
        return EngineResult(images=images, model=self.model, style=resolved.name, notes=notes)

    async def _decode(self, source: SourceImage) -> np.ndarray:
        async with self._limit():
            return await asyncio.to_thread(_decode, source)

    def _limit(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._limits.get(loop)
        if sem is None:
            sem = self._limits[loop] = asyncio.Semaphore(self._workers)
        return sem

    async def _render_all(
        self, job: ImageJob, base: int, render: Render, size: tuple[int, int] | None = None
    ) -> tuple[tuple[EngineImage, ...], list[painter.Painted]]:
        """Render n variants (seeds base, base+1, ...) concurrently, each on a worker thread. The first
        variant's intermediate states go to `job.on_partial` as they are painted (`_Partials`)."""
        n = max(1, min(int(job.n or 1), 10))
        partials = _Partials(job, size)

        async def one(i: int) -> tuple[EngineImage, painter.Painted]:
            async with self._limit():
                return await asyncio.to_thread(_paint_and_encode, render, base + i, job, partials if i == 0 else None)

        async with partials:
            done = await asyncio.gather(*(one(i) for i in range(n)))
        return tuple(img for img, _ in done), [p for _, p in done]


class _Partials:
    """Carries the painter's states from its worker thread to `job.on_partial`, in order and as they come:
    the thread encodes each state and hands it to the event loop; one task awaits `on_partial` for each.
    Leaving the block waits until every state taken has been delivered, so partials precede the result."""

    def __init__(self, job: ImageJob, size: tuple[int, int] | None) -> None:
        self.job = job
        self.size = size
        self.queue: asyncio.Queue[PartialImage | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.loop = asyncio.get_running_loop()

    def stages(self) -> Stages:
        """On the worker thread that paints."""
        from . import codec
        from .stages import Stages

        job, loop = self.job, self.loop
        if not job.partial_images or job.on_partial is None:
            return Stages(0)
        mime = MIME_TYPES[job.output_format]

        def emit(index: int, pixels: np.ndarray) -> None:  # on the worker thread
            data = codec.encode(pixels, job.output_format, job.background)
            try:
                loop.call_soon_threadsafe(self.queue.put_nowait, PartialImage(index, data, mime))
            except RuntimeError:  # the loop has closed: nobody is waiting for this state any more
                pass

        return Stages(min(3, int(job.partial_images)), self.size, emit)

    async def __aenter__(self) -> _Partials:
        if self.job.partial_images and self.job.on_partial is not None:
            self.task = asyncio.get_running_loop().create_task(self._deliver())
        return self

    async def _deliver(self) -> None:
        assert self.job.on_partial is not None
        while (partial := await self.queue.get()) is not None:
            await self.job.on_partial(partial)

    async def __aexit__(self, kind: object, exc: object, tb: object) -> None:
        if self.task is None:
            return
        if exc is not None:
            self.task.cancel()
            return
        self.queue.put_nowait(None)  # after every state the thread handed over (FIFO)
        await self.task


def _decode(source: SourceImage) -> np.ndarray:
    from . import codec

    return codec.decode(source)


def _paint_and_encode(render: Render, seed: int, job: ImageJob,
                      partials: _Partials | None) -> tuple[EngineImage, painter.Painted]:
    """On a worker thread: the first variant's states go to `partials`, the others' nowhere."""
    from . import codec
    from .stages import Stages

    stages = partials.stages() if partials is not None else Stages(0)
    try:
        painted = render(seed, stages)
        data = codec.encode(painted.pixels, job.output_format, job.background)
    except EaselError:
        raise
    except Exception as exc:  # a bug or an impossible input: report it plainly, never a blank image
        raise _failed(f"The offline engine could not paint this image ({type(exc).__name__}: {exc}).") from exc
    h, w = painted.pixels.shape[:2]
    # What the picture's ground really is: transparent only where the painter made one and the format keeps it.
    clear = painted.pixels.shape[2] == 4 and job.output_format in ("png", "webp") and job.background != "opaque" \
        and codec.has_transparency(painted.pixels)
    return EngineImage(
        data=data,
        mime_type=MIME_TYPES[job.output_format],
        width=w,
        height=h,
        seed=seed,
        revised_prompt=painted.description,
        metadata={**painted.metadata, "background": "transparent" if clear else "opaque"},
    ), painted


def _base_seed(job: ImageJob) -> int:
    # A random seed when none was given, reported back on every image so the user can reproduce it.
    return int(job.seed) if job.seed is not None else secrets.randbelow(2**31)


def _check_size(w: int, h: int) -> None:
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise _failed(
            f"The offline engine paints images from {MIN_SIDE} to {MAX_SIDE} pixels a side; {w}x{h} was asked."
        )


def _size(job: ImageJob, source: np.ndarray | None) -> tuple[int, int]:
    """Requested size; else the source's (edits) or 1024 square (generation). One side alone keeps the
    source's aspect ratio, or makes a square when generating."""
    if source is not None:
        sh, sw = source.shape[:2]
        w = job.width or (round(sw * job.height / sh) if job.height else sw)
        h = job.height or (round(sh * job.width / sw) if job.width else sh)
    else:
        w = job.width or job.height or DEFAULT_SIDE
        h = job.height or job.width or DEFAULT_SIDE
    _check_size(w, h)
    return w, h


def _background_notes(job: ImageJob, painted: list[painter.Painted]) -> tuple[str, ...]:
    if job.background != "transparent":
        return ()
    if job.output_format == "jpeg":
        return ("JPEG cannot be transparent; the image has a solid background. Ask for PNG or WebP.",)
    if any(p.opaque_only for p in painted):
        return ("A landscape fills the whole frame, so it was painted without a transparent background. Logos, "
                "icon sets, diagrams, stickers and subjects named without a landscape can be transparent.",)
    return ()
