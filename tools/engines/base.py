"""The image engine interface: what every painter (offline or litellm) takes and gives.

Engines receive decoded arguments and source bytes, and return encoded image bytes. They never touch
the Space: saving, provenance and ids are the tool's job (`tools/image_gen.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Operation = Literal["generate", "edit", "style_transfer", "compose"]
OutputFormat = Literal["png", "jpeg", "webp"]
Background = Literal["transparent", "opaque", "auto"]

MIME_TYPES: dict[OutputFormat, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@dataclass(frozen=True)
class SourceImage:
    """An image from the caller's Space, resolved and read by the tool before the engine sees it."""

    file_id: str
    data: bytes
    mime_type: str
    name: str = ""
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class PartialImage:
    """An intermediate state of the work on the first image of a job, encoded like the final one."""

    index: int  # 0-based, in the order they were made
    data: bytes
    mime_type: str


OnPartial = Callable[[PartialImage], Awaitable[None]]


@dataclass(frozen=True)
class ImageJob:
    """One request to an engine. `width`/`height` of None mean the engine's default for generation
    (1024x1024) and the first source's size for edits and style transfer."""

    operation: Operation
    prompt: str
    width: int | None = None
    height: int | None = None
    n: int = 1
    seed: int | None = None
    style: str | None = None
    negative_prompt: str | None = None
    sources: tuple[SourceImage, ...] = ()
    mask: bytes | None = None
    strength: float = 0.7
    quality: str | None = None
    output_format: OutputFormat = "png"
    background: Background | None = None
    user: str | None = None
    # Up to `partial_images` intermediate states of the first image go to `on_partial` as they are made,
    # all before the engine returns. An engine that has none to show sends none.
    partial_images: int = 0
    on_partial: OnPartial | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class EngineImage:
    data: bytes
    mime_type: str
    width: int
    height: int
    seed: int | None = None
    revised_prompt: str | None = None
    # What the engine knows about this picture beyond its pixels, saved with it: e.g. the offline
    # painter's `drawn` and `omitted` subjects.
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineResult:
    images: tuple[EngineImage, ...]
    model: str
    cost_usd: float | None = 0.0  # None: the provider's price is unknown (the painting is unpriced, not free)
    style: str | None = None
    # Plain sentences the model should read, e.g. that an unknown style was mapped to the nearest one.
    notes: tuple[str, ...] = ()
    # Tokens the provider reported (text_tokens, image_tokens, output_tokens), where it reports them.
    usage: dict[str, int] | None = None


@dataclass(frozen=True)
class Capabilities:
    operations: frozenset[Operation]
    max_sources: int
    mask: bool


class ImageEngine(Protocol):
    """A painter. Failures are raised as `spaces.errors.EaselError` with code `generation_failed`
    (the engine cannot or would not do it, with a plain reason) or `upstream_error` (its provider
    failed); the tool turns either into a tool error the chat model can read."""

    model: str
    capabilities: Capabilities

    async def generate(self, job: ImageJob) -> EngineResult: ...

    async def edit(self, job: ImageJob) -> EngineResult:
        """Edits and style transfer: `job.operation` is `edit` or `style_transfer`."""
        ...

    async def compose(self, job: ImageJob) -> EngineResult: ...
