"""The `image_gen` tool: validate, resolve sources in the caller's workspace, paint, save with provenance.

`ImageService.create` is the core (the direct images API calls it too); `ImageGenTool` wraps it for the
chat turn, turning every failure into a plain reason the model can read.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from easel.spaces import metrics
from easel.spaces.errors import EaselError
from easel.spaces.ledger import Ledger
from easel.spaces.media import EXT_FOR_MIME, MAX_PIXELS, image_size, too_many_pixels
from easel.spaces.records import FileRecord
from easel.tools import provenance
from easel.tools.base import ToolContext, ToolOutcome
from easel.tools.engines.base import EngineImage, EngineResult, ImageEngine, ImageJob, OnPartial, SourceImage
from easel.tools.image_args import SCHEMA, ArgumentError, ImageGenArgs, parse_args
from easel.tools.pricing import PriceTable

STOPWORDS = {"a", "an", "the", "of", "with", "and", "in", "on", "at", "for", "to", "image", "picture", "create",
             "generate", "make", "draw", "render", "this", "my", "please", "photo", "showing", "called", "it",
             "as", "into", "turn", "apply", "style", "edit", "add", "look", "like", "these", "two", "them", "its"}


def slug(prompt: str, *, words: int = 5, leave_out: frozenset[str] = frozenset()) -> str:
    kept = [w for w in re.findall(r"[a-z0-9]+", prompt.lower()) if w not in STOPWORDS | leave_out][:words]
    return "-".join(kept) or "image"


def file_stem(job: ImageJob, style: str | None, omitted: list[str] | None = None) -> str:
    """A new image is named from its prompt (less anything the engine left out of it: a name must not
    claim what the picture lacks); a changed one after its source and the change, so "photo.png"
    restyled becomes "photo-pencil-sketch.png"."""
    if not job.sources:
        return slug(job.prompt, leave_out=frozenset(re.findall(r"[a-z0-9]+", " ".join(omitted or []).lower())))
    source = job.sources[0].name.rsplit(".", 1)[0][:60] or "image"
    change = slug(style, words=3) if style else slug(job.prompt, words=3)
    return f"{source}-{'combined' if job.operation == 'compose' else change}"


@dataclass
class Created:
    files: list[FileRecord]
    result: EngineResult
    job: ImageJob
    cost_usd: float = 0.0
    usage_id: str | None = None
    priced: bool = True  # False: the provider's price is unknown, and cost_usd is 0 for want of one


class ImageService:
    def __init__(self, engine: ImageEngine, *, ledger: Ledger | None = None,
                 prices: PriceTable | None = None, max_pixels: int = MAX_PIXELS) -> None:
        self.engine = engine
        self.max_pixels = max_pixels
        self.ledger = ledger
        self.prices = prices or PriceTable()

    async def sources(self, args: ImageGenArgs, ctx: ToolContext) -> tuple[SourceImage, ...]:
        if not args.source_file_ids:
            return ()
        caps = self.engine.capabilities
        if len(args.source_file_ids) > caps.max_sources:
            raise EaselError(400, "too_many_images", f"{self.engine.model} takes at most {caps.max_sources} "
                             f"source image(s); {len(args.source_file_ids)} were given")
        try:
            records = await ctx.space.files(ctx.workspace, args.source_file_ids)
        except EaselError:
            raise EaselError(404, "not_found", "Unknown source file id(s): "
                             f"{', '.join(args.source_file_ids)} are not all images in this workspace") from None
        not_images = [r.id for r in records if not r.is_image]
        if not_images:
            raise EaselError(400, "invalid_image", f"Not an image: {', '.join(not_images)}")
        for r in records:  # kept from before the limit was lowered: too large to decode now
            if (r.width or 0) * (r.height or 0) > self.max_pixels:
                raise too_many_pixels(r.width or 0, r.height or 0, self.max_pixels)
        return tuple([SourceImage(file_id=r.id, data=await ctx.space.read(r), mime_type=r.mime_type, name=r.name,
                                  width=r.width or 0, height=r.height or 0) for r in records])

    def job(self, args: ImageGenArgs, sources: tuple[SourceImage, ...], *, user: str | None = None,
            mask: bytes | None = None, partial_images: int = 0, on_partial: OnPartial | None = None) -> ImageJob:
        width, height = args.dimensions()
        return ImageJob(operation=args.resolved_operation(), prompt=args.prompt, width=width, height=height,
                        n=args.n, seed=args.seed, style=args.style, negative_prompt=args.negative_prompt,
                        sources=sources, strength=args.strength, quality=args.quality,
                        output_format=args.output_format, background=args.background, user=user, mask=mask,
                        partial_images=partial_images if on_partial else 0, on_partial=on_partial)

    async def paint(self, job: ImageJob) -> EngineResult:
        if job.operation not in self.engine.capabilities.operations:
            raise EaselError(422, "generation_failed", f"{self.engine.model} cannot do {job.operation}")
        if job.operation == "generate":
            return await self.engine.generate(job)
        if job.operation == "compose":
            return await self.engine.compose(job)
        return await self.engine.edit(job)

    async def save(self, ctx: ToolContext, job: ImageJob, result: EngineResult, index: int,
                   image: EngineImage, cost_usd: float | None) -> FileRecord:
        meta: dict[str, Any] = {
            "operation": job.operation, "prompt": job.prompt, "revised_prompt": image.revised_prompt,
            "model": result.model, "seed": image.seed, "style": result.style or job.style,
            "source_file_ids": [s.file_id for s in job.sources],
            # null: nobody knows the price (unpriced, not free)
            "cost_usd": None if cost_usd is None else round(cost_usd / max(1, len(result.images)), 6),
        }
        meta.update({k: v for k, v in image.metadata.items() if k not in meta})
        if job.negative_prompt:
            meta["negative_prompt"] = job.negative_prompt
        if result.notes:
            meta["notes"] = list(result.notes)
        data = provenance.embed(image.data, image.mime_type, meta)
        suffix = f"-{index + 1}" if len(result.images) > 1 else ""
        omitted = image.metadata.get("omitted")
        stem = file_stem(job, job.style or result.style, omitted if isinstance(omitted, list) else None)
        name = f"{stem}{suffix}{EXT_FOR_MIME.get(image.mime_type, '.png')}"
        width, height = (image.width, image.height) if image.width else image_size(image.data)
        record = await ctx.space.save_bytes(ctx.workspace.id, name=name, data=data, mime_type=image.mime_type,
                                            width=width, height=height, origin="generated", metadata=meta)
        await ctx.on_file(record)
        return record

    async def create(self, args: ImageGenArgs, ctx: ToolContext, *, mask: bytes | None = None) -> Created:
        """`mask` (a PNG whose transparent pixels mark what may change) is for the direct edit APIs;
        the chat tool has no way to draw one."""
        job = self.job(args, await self.sources(args, ctx), user=ctx.principal.on_behalf_of, mask=mask,
                       partial_images=ctx.partial_images, on_partial=ctx.on_partial)
        first = job.sources[0] if job.sources else None
        width = job.width or (first.width if first else 0) or 1024
        height = job.height or (first.height if first else 0) or 1024
        model = self.engine.model
        if self.ledger:
            await self.ledger.ensure_affordable(ctx.principal, self.prices.estimate(model, width, height, job.n))
            if not self.prices.priced(model):
                await self.ledger.ensure_priced(ctx.principal, model)
        await ctx.on_generating()
        started = time.perf_counter()
        try:
            result = await self.paint(job)
            if not result.images:
                raise EaselError(502, "generation_failed", f"{result.model} returned no image")
        except EaselError:
            metrics.IMAGE_SECONDS.labels(model, job.operation, "failed").observe(time.perf_counter() - started)
            await self._record(ctx, job, model, f"{width}x{height}", status="failed")
            raise
        metrics.IMAGE_SECONDS.labels(model, job.operation, "completed").observe(time.perf_counter() - started)
        # Unpriced (None): only accounts without a budget get here (ensure_priced), and their record says 0.
        cost = self.prices.actual(result.model, width, height, len(result.images), result.cost_usd)
        files = [await self.save(ctx, job, result, i, img, cost) for i, img in enumerate(result.images)]
        usage_id = await self._record(ctx, job, result.model, f"{files[0].width}x{files[0].height}",
                                      cost=cost or 0.0, file_ids=[f.id for f in files])
        return Created(files=files, result=result, job=job, cost_usd=cost or 0.0, usage_id=usage_id,
                       priced=cost is not None)

    async def _record(self, ctx: ToolContext, job: ImageJob, model: str, size: str, *, status: str = "completed",
                      cost: float = 0.0, file_ids: list[str] | None = None) -> str | None:
        if self.ledger is None:
            return None
        record = await self.ledger.record(
            ctx.principal, kind="generation", api=ctx.api, status=status, workspace_id=ctx.workspace.id,
            operation=job.operation, model=model, size=size, n=len(file_ids or []) or job.n, prompt=job.prompt,
            cost_usd=cost, file_ids=file_ids)
        return record.id


def describe(created: Created) -> dict[str, Any]:
    """What the model reads: ids, names and sizes, the operation and engine; never pixels."""
    content: dict[str, Any] = {
        "status": "completed", "operation": created.job.operation, "engine": created.result.model,
        "files": [{"file_id": f.id, "name": f.name, "width": f.width, "height": f.height,
                   "size_bytes": f.size_bytes, "seed": f.metadata.get("seed")} for f in created.files],
    }
    if created.result.style or created.job.style:
        content["style"] = created.result.style or created.job.style
    if created.result.notes:
        content["notes"] = list(created.result.notes)
    first = created.files[0].metadata if created.files else {}
    for key in ("drawn", "omitted"):  # what the engine says is (and is not) in the picture
        if isinstance(first.get(key), list):
            content[key] = first[key]
    return content


class ImageGenTool:
    name = "image_gen"

    def __init__(self, service: ImageService) -> None:
        self.service = service

    def schema(self) -> dict[str, Any]:
        return SCHEMA

    async def run(self, arguments: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        calls = metrics.TOOL_CALLS
        try:
            created = await self.service.create(parse_args(arguments), ctx)
        except ArgumentError as exc:
            calls.labels(self.name, self.service.engine.model, "invalid_arguments").inc()
            return ToolOutcome.failed(f"Invalid arguments: {exc}")
        except EaselError as exc:
            calls.labels(self.name, self.service.engine.model, "failed").inc()
            return ToolOutcome.failed(exc.message)
        calls.labels(self.name, self.service.engine.model, "completed").inc()
        return ToolOutcome(ok=True, content=describe(created), files=created.files, cost_usd=created.cost_usd,
                           priced=created.priced)
