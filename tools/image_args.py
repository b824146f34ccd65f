"""`image_gen`'s arguments: the JSON schema the model sees, and their validation on the server.

A bad argument becomes one plain sentence the model can read and correct, never an exception.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from easel.tools.engines.base import Operation

MIN_SIDE, MAX_SIDE = 64, 2048
MAX_SOURCES = 16
SIZE_PRESETS = {  # seed 003
    "square_hd": (1024, 1024), "square": (512, 512), "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024), "landscape_4_3": (1024, 768), "landscape_16_9": (1024, 576),
}
RATIOS = ("1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3")
RATIO_WORDS = {"square": "1:1", "landscape": "16:9", "portrait": "9:16", "wide": "16:9", "tall": "9:16"}
# The offline painter's own style names are the canonical ones (tests/tools/test_image_args.py keeps them equal
# to its list; a literal here keeps this module free of the painter's imports). Any described style is taken too.
STYLE_PRESETS = (
    "oil-painting", "watercolor", "pencil-sketch", "pop-art", "comic-book", "anime", "pixel-art",
    "impressionism", "3d-model", "analog-film", "cinematic", "digital-art", "enhance", "fantasy-art",
    "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami", "photographic",
    "tile-texture",
)


class ArgumentError(ValueError):
    pass


def parse_size(value: str) -> tuple[int, int]:
    text = value.strip().lower()
    if text in SIZE_PRESETS:
        return SIZE_PRESETS[text]
    m = re.fullmatch(r"(\d{1,5})\s*[x×*]\s*(\d{1,5})", text)
    if not m:
        raise ArgumentError(f"size must be WIDTHxHEIGHT (e.g. 1024x768) or one of {', '.join(SIZE_PRESETS)}; "
                            f"got {value!r}")
    w, h = int(m[1]), int(m[2])
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise ArgumentError(f"size {w}x{h} is out of range: each side must be {MIN_SIDE} to {MAX_SIDE} pixels")
    return w, h


def ratio_size(value: str, *, long_side: int = 1024) -> tuple[int, int]:
    text = RATIO_WORDS.get(value.strip().lower(), value.strip().lower())
    if text in SIZE_PRESETS:
        return SIZE_PRESETS[text]
    m = re.fullmatch(r"(\d{1,2})\s*:\s*(\d{1,2})", text)
    if not m or text.replace(" ", "") not in RATIOS:
        raise ArgumentError(f"aspect_ratio must be one of {', '.join(RATIOS)}; got {value!r}")
    a, b = int(m[1]), int(m[2])
    # Long side 1024, short side rounded to a multiple of 16 (what image models like).
    if a >= b:
        return long_side, max(MIN_SIDE, round(long_side * b / a / 16) * 16)
    return max(MIN_SIDE, round(long_side * a / b / 16) * 16), long_side


class ImageGenArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=4000)
    operation: Operation | None = None
    source_file_ids: list[str] = Field(default_factory=list, max_length=MAX_SOURCES)
    style: str | None = Field(None, max_length=200)
    negative_prompt: str | None = Field(None, max_length=2000)
    size: str | None = None
    aspect_ratio: str | None = None
    n: int = Field(1, ge=1, le=10)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    strength: float = Field(0.7, ge=0.0, le=1.0)
    quality: Literal["auto", "low", "medium", "high", "standard", "hd"] | None = None
    output_format: Literal["png", "jpeg", "webp"] = "png"
    background: Literal["transparent", "opaque", "auto"] | None = None

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("prompt must not be blank")
        return value.strip()

    @field_validator("output_format", mode="before")
    @classmethod
    def _jpg(cls, value: Any) -> Any:
        return "jpeg" if isinstance(value, str) and value.lower() in ("jpg", "jpeg") else value

    def dimensions(self) -> tuple[int | None, int | None]:
        """Explicit size wins over aspect_ratio; neither means the engine's default."""
        if self.size and self.size.strip().lower() != "auto":
            return parse_size(self.size)
        if self.aspect_ratio:
            return ratio_size(self.aspect_ratio)
        return None, None

    def resolved_operation(self) -> Operation:
        if self.operation is not None:
            return self.operation
        if not self.source_file_ids:
            return "generate"
        if len(self.source_file_ids) > 1:
            return "compose"
        return "style_transfer" if self.style else "edit"


def parse_args(raw: dict[str, Any]) -> ImageGenArgs:
    """Validate, and check what pydantic cannot: sizes, and sources that the operation needs."""
    try:
        args = ImageGenArgs.model_validate(raw)
    except ValidationError as exc:
        raise ArgumentError("; ".join(_describe(e) for e in exc.errors())) from None
    args.dimensions()  # raises ArgumentError for a bad size or ratio
    op, count = args.resolved_operation(), len(args.source_file_ids)
    if op in ("edit", "style_transfer") and count == 0:
        raise ArgumentError(f"operation {op!r} needs source_file_ids: the image(s) to change")
    if op == "compose" and count < 2:
        raise ArgumentError("operation 'compose' needs at least two source_file_ids")
    if op == "generate" and count:
        raise ArgumentError("operation 'generate' takes no source_file_ids; use 'edit' to change an image")
    return args


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "arguments"
    if error["type"] == "missing":
        return f"{where} is required"
    if error["type"] == "extra_forbidden":
        return f"{where} is not an argument of image_gen"
    if error["type"] == "too_long" and where == "source_file_ids":
        return f"source_file_ids holds at most {MAX_SOURCES} images"
    return f"{where}: {error['msg']}"


SCHEMA: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "image_gen",
        "description": (
            "Create or change images. Generate from a description, edit an image the user has (by its file "
            "id), restyle it (oil painting, watercolor, pencil sketch, pop art, anime, pixel art, or any "
            "described style), or combine several. Results are saved to the user's Space and shown to them; "
            "you receive their file ids."),
        "parameters": {
            "type": "object",
            "properties": {
                "prompt": {"type": "string", "description": "What to make, or how to change the sources."},
                "operation": {"type": "string", "enum": ["generate", "edit", "style_transfer", "compose"],
                              "description": "Inferred from the sources when omitted."},
                "source_file_ids": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_SOURCES,
                                    "description": "Images to edit, restyle or combine (file ids listed to you)."},
                "style": {"type": "string", "description": "One of the canonical names (" + ", ".join(STYLE_PRESETS)
                          + "), or a short description of any other style."},
                "negative_prompt": {"type": "string", "description": "What to avoid."},
                "size": {"type": "string", "description": "WIDTHxHEIGHT, each side 64-2048, or a preset: "
                         + ", ".join(SIZE_PRESETS)},
                "aspect_ratio": {"type": "string", "enum": list(RATIOS)},
                "n": {"type": "integer", "minimum": 1, "maximum": 10, "description": "Number of variants."},
                "seed": {"type": "integer", "minimum": 0, "description": "Same seed and arguments, same image."},
                "strength": {"type": "number", "minimum": 0, "maximum": 1,
                             "description": "How far an edit may move from its source (default 0.7)."},
                "quality": {"type": "string", "enum": ["auto", "low", "medium", "high", "standard", "hd"]},
                "output_format": {"type": "string", "enum": ["png", "jpeg", "webp"]},
                "background": {"type": "string", "enum": ["transparent", "opaque", "auto"]},
            },
            "required": ["prompt"],
        },
    },
}
