"""The image APIs' wire shapes as pydantic models, for the OpenAPI document: each API's requests, replies
and error envelope, under that API's own field names.

The adapters check requests by hand, in each API's own error codes; the request models here say the same
rules (tests/agent/surfaces/test_openapi.py holds the field lists of the two side by side).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from easel.tools.image_args import MAX_SIDE, MIN_SIDE, RATIOS, SIZE_PRESETS

SEED = Field(None, ge=0, le=2**32 - 1)
Binary = bytes  # a multipart file part: {"type": "string", "format": "binary"} in the document


class Strict(BaseModel):
    """A request whose unknown fields are refused (400), as OpenAI's API does."""

    model_config = ConfigDict(extra="forbid")


class Loose(BaseModel):
    """A request or reply whose unknown fields are ignored (requests) or may be added (replies)."""

    model_config = ConfigDict(extra="allow")


# -- OpenAI (and ZarkAI's direct images, and MKA1) ---------------------------------------------------------
class OpenAIErrorBody(Loose):
    message: str
    type: str
    param: str | None
    code: str


class OpenAIError(Loose):
    error: OpenAIErrorBody


class _OpenAICommon(Strict):
    prompt: str = Field(min_length=1, max_length=4000)
    model: str | None = Field(None, description="The configured image model, or a name OpenAI's clients send "
                              "(gpt-image-1, dall-e-3, ...); all mean the configured painter")
    n: int | None = Field(None, ge=1, le=10)
    quality: Literal["auto", "low", "medium", "high", "standard", "hd"] | None = None
    response_format: Literal["url", "b64_json"] | None = None
    size: str | None = Field(None, max_length=20, description=f"WIDTHxHEIGHT ({MIN_SIDE}-{MAX_SIDE} each), "
                             f"a preset ({', '.join(SIZE_PRESETS)}) or auto")
    user: str | None = Field(None, max_length=200, description="The end user, recorded with the usage")
    output_format: Literal["png", "jpeg", "jpg", "webp"] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    stream: bool | None = Field(None, description="true: OpenAI's image stream (text/event-stream) of "
                                "partial_image events, then a completed event per image")
    workspace_id: str | None = Field(None, max_length=100, description="ZarkAI's direct endpoint: the reply "
                                     "then also has file_id, name and mime_type")
    seed: int | None = SEED
    negative_prompt: str | None = Field(None, max_length=2000)
    moderation: Literal["auto", "low"] | None = Field(None, description="Accepted; Easel has no moderation model")
    output_compression: int | None = Field(None, ge=0, le=100)
    partial_images: int | None = Field(None, ge=0, le=3, description="With stream: up to this many of the "
                                       "painter's intermediate states, sent as they are painted")


class OpenAIGenerationRequest(_OpenAICommon):
    style: str | None = Field(None, max_length=200)
    aspect_ratio: str | None = Field(None, max_length=20, description=f"One of {', '.join(RATIOS)}")


class ImageReference(Strict):
    file_id: str | None = None
    image_url: str | None = Field(None, description="A data:image/...;base64, URL")


class OpenAIEditJSON(_OpenAICommon):
    strength: float | None = Field(None, ge=0, le=1)
    images: list[ImageReference] | None = Field(None, max_length=16)
    file_ids: list[str] | None = Field(None, max_length=16)
    mask: ImageReference | None = None
    input_fidelity: Literal["high", "low"] | None = None


class OpenAIEditForm(BaseModel):
    """Multipart: `image` (or `image[]`, repeated) and an optional PNG `mask`, beside the text fields."""

    prompt: str = Field(min_length=1, max_length=4000)
    image: Binary = Field(description="The image to edit (PNG, JPEG or WebP); send `image[]` for several")
    mask: Binary | None = None
    model: str | None = None
    n: int | None = Field(None, ge=1, le=10)
    size: str | None = None
    response_format: Literal["url", "b64_json"] | None = None
    strength: float | None = Field(None, ge=0, le=1)
    workspace_id: str | None = None


class OpenAIVariationForm(BaseModel):
    image: Binary = Field(description="The image to vary (PNG, JPEG or WebP)")
    model: str | None = None
    n: int | None = Field(None, ge=1, le=10)
    response_format: Literal["url", "b64_json"] | None = None
    size: str | None = None
    user: str | None = None
    workspace_id: str | None = None
    seed: int | None = SEED


class OpenAIImage(Loose):
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None
    file_id: str


class OpenAITokens(Loose):
    text_tokens: int
    image_tokens: int


class OpenAIImagesUsage(Loose):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: OpenAITokens


class OpenAIImagesReply(Loose):
    created: int
    data: list[OpenAIImage]
    usage: OpenAIImagesUsage
    size: str | None = Field(None, description="GPT image models: what was made")
    quality: str | None = None
    output_format: str | None = None
    background: str | None = None
    file_id: str | None = Field(None, description="With workspace_id: the first image's (ZarkAI)")
    name: str | None = None
    mime_type: str | None = None


class MKA1GenerationRequest(Strict):
    prompt: str = Field(min_length=1, max_length=1000)
    model: str | None = Field(None, description="meetkai:z-image-turbo or an OpenAI image model name")
    n: int | None = Field(None, ge=1, le=10)
    quality: Literal["standard", "hd"] | None = None
    response_format: Literal["url", "b64_json"] | None = None
    size: Literal["256x256", "512x512", "1024x1024", "1792x1024", "1024x1792"] | None = None
    style: Literal["vivid", "natural"] | None = None
    output_format: Literal["png", "jpeg", "jpg", "webp"] | None = None
    user: str | None = Field(None, max_length=200)
    workspace_id: str | None = Field(None, max_length=100)


# -- Zekron --------------------------------------------------------------------------------------------------
class ZekronErrorBody(Loose):
    message: str
    code: str
    support: str


class ZekronError(Loose):
    success: Literal[False]
    error: ZekronErrorBody


class ZekronImageIn(Loose):
    data: str = Field(description="Base64, or a data: URL")
    mime_type: str | None = None


class ZekronGenerateRequest(Loose):
    prompt: str = Field(min_length=1, max_length=4000)
    model: str | None = None
    size: Literal["512x512", "1024x1024", "1024x768", "768x1024"] | None = None
    images: list[ZekronImageIn] | None = Field(None, max_length=2, description="Images to edit")
    workspace_id: str | None = None


class ZekronImageOut(Loose):
    url: str
    b64_json: str
    mime_type: str
    expires_at: str


class ZekronGeneration(Loose):
    id: int = Field(description="The account's own sequence number of this generation, from 1")
    token: str
    type: Literal["create", "edit"]
    model: str
    prompt: str
    size: str
    image: ZekronImageOut
    cost: str | None
    remaining_balance: str | None
    file_id: str


class ZekronGenerateReply(Loose):
    success: Literal[True]
    data: ZekronGeneration
    created_at: str


class ZekronBalance(Loose):
    balance: str | None
    total_spent: str | None
    total_generations: int
    currency: str
    budget: str | None
    unlimited: bool


class ZekronBalanceReply(Loose):
    success: Literal[True]
    data: ZekronBalance


class ZekronHistoryItem(Loose):
    id: int
    token: str
    prompt: str | None
    model: str | None
    size: str | None
    cost: str | None
    status: str
    type: Literal["create", "edit"]
    image_url: str | None
    expires_at: str
    created_at: str
    file_ids: list[str]


class ZekronPagination(Loose):
    total: int
    limit: int
    offset: int
    has_more: bool


class ZekronHistory(Loose):
    generations: list[ZekronHistoryItem]
    pagination: ZekronPagination


class ZekronHistoryReply(Loose):
    success: Literal[True]
    data: ZekronHistory


# -- AiArt ---------------------------------------------------------------------------------------------------
AiArtStyle = Literal["3d-model", "analog-film", "anime", "cinematic", "digital-art", "enhance", "fantasy-art",
                     "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami",
                     "photographic", "pixel-art", "tile-texture"]
AiArtRatio = Literal["1:1", "4:3", "16:9", "9:16", "3:4"]


class AiArtError(Loose):
    success: Literal[False]
    error: str
    code: str


class AiArtGenerateRequest(Loose):
    video_description: str = Field(min_length=1, max_length=4000, description="The prompt (`prompt` is "
                                   "taken too)")
    negative_prompt: str | None = Field(None, max_length=2000)
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="0: a random seed")
    aspect_ratio: AiArtRatio | None = None
    output_format: Literal["png", "jpg", "webp"] | None = None
    style_preset: AiArtStyle | None = None
    workspace_id: str | None = None


class AiArtImg2ImgForm(BaseModel):
    image: Binary = Field(description="JPG, PNG or WebP, at most 10 MB")
    prompt: str = Field(min_length=1, max_length=4000)
    strength: float | None = Field(None, ge=0, le=1)
    negative_prompt: str | None = None
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    aspect_ratio: AiArtRatio | None = None
    output_format: Literal["png", "jpg", "webp"] | None = None
    style_preset: AiArtStyle | None = None
    workspace_id: str | None = None


class AiArtReply(Loose):
    success: Literal[True]
    message: str
    image_url: str
    seed: int | None
    file_id: str


# -- chuk.chat -----------------------------------------------------------------------------------------------
class ChukErrorBody(Loose):
    code: str = Field(description="Upper case: INVALID_PROMPT, INSUFFICIENT_CREDITS, ...")
    message: str
    details: dict[str, Any] | None = Field(None, description="On 402: required, available, currency")


class ChukError(Loose):
    success: Literal[False]
    error: ChukErrorBody


class ChukGenerateRequest(Loose):
    prompt: str = Field(min_length=1, max_length=1000)
    image_size: Literal["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3",
                        "landscape_16_9", "custom"]
    custom_width: int | None = Field(None, ge=MIN_SIDE, le=MAX_SIDE, description="With image_size custom only")
    custom_height: int | None = Field(None, ge=MIN_SIDE, le=MAX_SIDE)
    seed: int | None = SEED
    workspace_id: str | None = None


class ChukBilling(Loose):
    cost_eur: float
    currency: str


class ChukGenerateReply(Loose):
    success: Literal[True]
    image_url: str
    width: int
    height: int
    seed: int | None
    billing: ChukBilling
    file_id: str


class ChukCredits(Loose):
    credits_eur: float
    spent_eur: float
    unlimited: bool
    currency: str


class AiArtImg2VideoForm(BaseModel):
    image: Binary = Field(description="The still to animate: JPG, PNG or WebP, at most 10 MB")
    prompt: str | None = Field(None, max_length=4000, description="Default: Animate this image")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="0: a random seed")
    cfg_scale: float | None = Field(None, ge=0, le=10, description="Default 1.5")
    motion_bucket_id: int | None = Field(None, ge=1, le=255, description="Default 127")
    workspace_id: str | None = None


class AiArtVideoStarted(Loose):
    id: str = Field(description="Poll GET /api/img2video/result/{id}")
    message: str


class AiArtVideoPending(Loose):
    status: Literal["in-progress"]
    progress: int = Field(ge=0, le=100)
    message: str


class AiArtVideoResult(Loose):
    video_url: str = Field(description="A signed path on this server: it plays with no key until it expires")
    finish_reason: Literal["SUCCESS"]
    seed: int | None
    file_id: str


# -- OpenAI videos -------------------------------------------------------------------------------------------
# The configured engine's lengths and sizes (the offline animator: 2-8 s, 720x1280 or 1280x720; Sora: 4, 8 or
# 12 s and its four sizes); what it does not make is a 400 that names what it does.
VIDEO_SECONDS = Field(None, pattern=r"^[0-9]{1,3}$", description="Default 4 (or the engine's shortest)")
VIDEO_SIZE = Field(None, pattern=r"^[0-9]{1,5}x[0-9]{1,5}$", description="WIDTHxHEIGHT; default 720x1280")


class OpenAIVideoCreate(Strict):
    prompt: str = Field(min_length=1, max_length=4000)
    model: str | None = Field(None, description="The configured video engine, or a name OpenAI's clients send "
                              "(sora-2, sora-2-pro, ...); all mean the configured animator")
    seconds: str | None = VIDEO_SECONDS
    size: str | None = VIDEO_SIZE
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    workspace_id: str | None = Field(None, description="Default: the key's default workspace")


class OpenAIVideoForm(BaseModel):
    """Multipart: the same fields, and an optional `input_reference` image the video starts from."""

    prompt: str = Field(min_length=1, max_length=4000)
    input_reference: Binary | None = Field(None, description="The first frame (PNG, JPEG or WebP)")
    model: str | None = None
    seconds: str | None = VIDEO_SECONDS
    size: str | None = VIDEO_SIZE
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    workspace_id: str | None = None


class OpenAIVideoError(Loose):
    code: str = Field(description="generation_failed, or cancelled for a job that was deleted while it ran")
    message: str


class OpenAIVideo(Loose):
    id: str
    object: Literal["video"]
    created_at: int | None
    completed_at: int | None
    expires_at: int | None
    model: str
    progress: int = Field(ge=0, le=100)
    prompt: str
    remixed_from_video_id: str | None
    seconds: str
    size: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    error: OpenAIVideoError | None


class OpenAIVideoList(Loose):
    object: Literal["list"]
    data: list[OpenAIVideo] = Field(description="Newest first")
    first_id: str | None
    last_id: str | None
    has_more: bool


class OpenAIVideoDeleted(Loose):
    id: str
    object: Literal["video.deleted"]
    deleted: bool
