"""What each image model takes, and how an `ImageJob` becomes litellm keyword arguments.

Checked against litellm 1.106 (`litellm/llms/openai/image_generation/*`, `.../image_edit/*`) and the
fake upstream in `tests/fakes/images_upstream.py`:

- gpt-image-*: generations take n, size, quality (low/medium/high/auto), output_format, background,
  user; they always answer in base64, so `response_format` is never sent (litellm would drop it for
  generations, but would pass it through to the edits endpoint, which rejects it). Edits go out as
  multipart with every source under `image[]` and the mask under `mask`; litellm's edit config does not
  list output_format, but extra keyword arguments are flattened into the form, so it still arrives.
- dall-e-3: generate only, n must be 1 (we make one call per image), sizes 1024x1024/1792x1024/
  1024x1792, quality standard/hd, native `style` vivid/natural, png only.
- dall-e-2: sizes 256/512/1024 square, no quality choice, edits take exactly one png under `image`.
- stability/ (Stability AI's v2beta stable-image endpoints, multipart): one image per request, no quality
  choice, a native `seed`; the size goes as the nearest of its `aspect_ratio`s (litellm maps only a few
  OpenAI sizes to one and drops any other, which would paint a square).
- gemini/imagen-*, vertex_ai/imagen-* (`:predict`): up to 4 images a request (`sampleCount`), no quality
  choice, no seed on the Gemini API; the size goes as the nearest of its `aspectRatio`s.
- fal_ai/ (fal's queue-less `fal.run/<app>`): up to 4 images a request (`num_images`), a native `seed`, any
  size (litellm sends it as fal's `image_size` preset or {width, height}), no quality choice.
- anything else: passed through as asked, with litellm's `drop_params` (except on the OpenAI multipart
  edit route, where litellm would send the flag itself as a form field) so a provider's unsupported
  arguments are dropped rather than failing the call.
"""

from __future__ import annotations

import io
import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from easel.spaces.errors import invalid_request
from easel.tools.engines.base import MIME_TYPES, Capabilities, ImageJob, Operation, SourceImage

Family = Literal["gpt-image", "dall-e-3", "dall-e-2", "stability", "imagen", "fal", "other"]

log = logging.getLogger(__name__)

_ALL_OPERATIONS: frozenset[Operation] = frozenset({"generate", "edit", "style_transfer", "compose"})
_PNG_JPEG_WEBP = frozenset({"image/png", "image/jpeg", "image/webp"})


def load_litellm() -> ModuleType:
    """Import litellm on first use: the import takes seconds, and without the env flag it downloads the
    model price map at import time (no network here, and prices must match the installed version)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    # litellm prints a "Give Feedback / Get Help" banner to stdout on every failure; ours are mapped and
    # logged by the engine.
    litellm.suppress_debug_info = True
    return litellm


@dataclass(frozen=True)
class ModelProfile:
    # Sizes the model paints; empty means "pass the requested size through".
    sizes: tuple[tuple[int, int], ...] = ()
    # Easel quality word -> the model's word. None: pass any quality through unchanged.
    qualities: Mapping[str, str] | None = None
    max_n_per_call: int = 10
    # Asked for explicitly where the model takes it: base64 saves a second download and cannot expire.
    response_format: str | None = None
    output_format_param: bool = False
    background_param: bool = False
    native_styles: frozenset[str] = frozenset()
    # Source formats the edits endpoint accepts as they are; others are converted to png first.
    source_mime_types: frozenset[str] = _PNG_JPEG_WEBP
    capabilities: Capabilities | None = None  # None: derive from litellm (see `capabilities_for`)
    seed_param: bool = False  # the provider takes a seed: sent, so a result can be painted again
    # Aspect ratios ("W:H") the provider paints; when set, the size goes as the nearest one under
    # `aspect_ratio_param` instead of `size`.
    aspect_ratios: tuple[str, ...] = ()
    aspect_ratio_param: str = ""
    no_quality_note: bool = False  # say so when a quality is asked of a provider that has none


_GPT_QUALITIES = {
    "low": "low",
    "medium": "medium",
    "high": "high",
    "auto": "auto",
    "standard": "medium",
    "hd": "high",
}
_DALLE3_QUALITIES = {
    "low": "standard",
    "medium": "standard",
    "standard": "standard",
    "high": "hd",
    "hd": "hd",
}

PROFILES: dict[Family, ModelProfile] = {
    "gpt-image": ModelProfile(
        sizes=((1024, 1024), (1536, 1024), (1024, 1536)),
        qualities=_GPT_QUALITIES,
        output_format_param=True,
        background_param=True,
        capabilities=Capabilities(operations=_ALL_OPERATIONS, max_sources=16, mask=True),
    ),
    "dall-e-3": ModelProfile(
        sizes=((1024, 1024), (1792, 1024), (1024, 1792)),
        qualities=_DALLE3_QUALITIES,
        max_n_per_call=1,
        response_format="b64_json",
        native_styles=frozenset({"vivid", "natural"}),
        capabilities=Capabilities(operations=frozenset({"generate"}), max_sources=0, mask=False),
    ),
    "dall-e-2": ModelProfile(
        sizes=((256, 256), (512, 512), (1024, 1024)),
        qualities={},  # dall-e-2 has a single quality; sending one only risks a rejection
        response_format="b64_json",
        source_mime_types=frozenset({"image/png"}),
        capabilities=Capabilities(
            operations=frozenset({"generate", "edit", "style_transfer"}), max_sources=1, mask=True
        ),
    ),
    "stability": ModelProfile(
        qualities={},
        max_n_per_call=1,
        seed_param=True,
        aspect_ratios=("1:1", "16:9", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"),
        aspect_ratio_param="aspect_ratio",
        no_quality_note=True,
    ),
    "imagen": ModelProfile(
        qualities={},
        max_n_per_call=4,
        aspect_ratios=("1:1", "3:4", "4:3", "9:16", "16:9"),
        aspect_ratio_param="aspectRatio",
        no_quality_note=True,
        capabilities=Capabilities(operations=frozenset({"generate"}), max_sources=0, mask=False),
    ),
    "fal": ModelProfile(qualities={}, max_n_per_call=4, seed_param=True, no_quality_note=True),
    "other": ModelProfile(),
}


def model_family(model: str) -> Family:
    """The family by the model's own name, whatever the provider prefix (`openai/`, `azure/`, ...), or by
    the provider for those whose image APIs differ from OpenAI's (Stability, Imagen, fal)."""
    lowered = model.lower()
    if lowered.startswith("stability/"):
        return "stability"
    if lowered.startswith("fal_ai/"):
        return "fal"
    if lowered.startswith(("gemini/imagen", "vertex_ai/imagen")):
        return "imagen"
    name = model.rsplit("/", 1)[-1].lower()
    if name.startswith("gpt-image"):
        return "gpt-image"
    if name.startswith("dall-e-3"):
        return "dall-e-3"
    if name.startswith("dall-e-2"):
        return "dall-e-2"
    return "other"


def capabilities_for(model: str, profile: ModelProfile) -> Capabilities:
    """Known families from the table; for anything else ask litellm whether the provider has an image
    edit route and whether that route takes a mask. One source is the safe assumption there."""
    if profile.capabilities is not None:
        return profile.capabilities
    edits: frozenset[Operation] = frozenset({"generate", "edit", "style_transfer"})
    if model.startswith("openai/"):
        # Same answer litellm gives (its OpenAI edit config takes a mask for every name but dall-e-2),
        # without importing litellm on the event loop for the most common self-hosted setup.
        return Capabilities(operations=edits, max_sources=1, mask=True)
    generate_only = Capabilities(operations=frozenset({"generate"}), max_sources=0, mask=False)
    litellm = load_litellm()
    try:
        bare_model, provider, _, _ = litellm.get_llm_provider(model=model)
        # ValueError: a provider name litellm routes but has no member of LlmProviders for.
        config = litellm.ProviderConfigManager.get_provider_image_edit_config(
            model=bare_model, provider=litellm.LlmProviders(provider)
        )
    except (litellm.exceptions.BadRequestError, ValueError) as exc:  # litellm can only try it as a generation
        log.warning("%s: litellm knows no image edit route for its provider (%s), so it is used to generate only",
                    model, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        return generate_only
    if config is None:
        log.info("%s: its provider has no image edit route in litellm, so it is used to generate only", model)
        return generate_only
    takes_mask = "mask" in config.get_supported_openai_params(bare_model)
    return Capabilities(operations=edits, max_sources=1, mask=takes_mask)


@dataclass(frozen=True)
class CallPlan:
    """The litellm keyword arguments shared by every call of one job (without model, credentials, n,
    images), and the notes the chat model should read about how the job was adapted."""

    params: dict[str, Any]
    notes: tuple[str, ...] = ()


def plan_call(job: ImageJob, profile: ModelProfile, *, model: str, default_size: tuple[int, int]) -> CallPlan:
    """Map the job onto the model: prompt, size, quality, output format, background, style, user."""
    notes: list[str] = []
    prompt, native_style = _prompt_text(job, profile)
    params: dict[str, Any] = {"prompt": prompt}
    if native_style is not None:
        params["style"] = native_style

    asked = (job.width, job.height) if job.width and job.height else None
    if profile.aspect_ratios:
        ratio = choose_aspect_ratio(profile, asked or default_size)
        params[profile.aspect_ratio_param] = ratio
        if asked is not None and _ratio_of(ratio) != asked[0] / asked[1]:
            notes.append(
                f"{_label(model)} paints only the aspect ratios {', '.join(profile.aspect_ratios)}; "
                f"{asked[0]}x{asked[1]} was asked for, so it painted {ratio}."
            )
    else:
        size = choose_size(profile, asked or default_size)
        params["size"] = f"{size[0]}x{size[1]}"
        if asked is not None and size != asked:
            notes.append(
                f"{_label(model)} paints only {_size_list(profile)}; {asked[0]}x{asked[1]} was "
                f"asked for, so it painted {size[0]}x{size[1]}."
            )

    quality = _map_quality(job.quality, profile)
    if quality is not None:
        params["quality"] = quality
    elif job.quality and profile.no_quality_note:
        notes.append(f"{_label(model)} has no quality setting; the quality asked for was not sent.")
    if profile.response_format is not None:
        params["response_format"] = profile.response_format
    if job.user:
        params["user"] = job.user
    if profile.output_format_param:
        params["output_format"] = job.output_format
    background, background_note = _map_background(job, profile, model)
    if background is not None:
        params["background"] = background
    if background_note:
        notes.append(background_note)
    if job.seed is not None and profile.seed_param:
        params["seed"] = job.seed
    elif job.seed is not None:
        notes.append(
            f"Seeds are not passed to {_label(model)}, so this result cannot be reproduced from one."
        )
    return CallPlan(params=params, notes=tuple(notes))


def choose_size(profile: ModelProfile, asked: tuple[int, int]) -> tuple[int, int]:
    """The paintable size closest in aspect ratio; among equals, the smallest that covers the request
    (else the largest), so a 300x300 request on dall-e-2 becomes 512x512, not 1024x1024."""
    if not profile.sizes:
        return asked
    w, h = max(1, asked[0]), max(1, asked[1])

    def rank(size: tuple[int, int]) -> tuple[float, int, int]:
        ratio_gap = round(abs(math.log((size[0] / size[1]) / (w / h))), 3)
        covers = size[0] >= w and size[1] >= h
        area = size[0] * size[1]
        return ratio_gap, 0 if covers else 1, area if covers else -area

    return min(profile.sizes, key=rank)


def _ratio_of(name: str) -> float:
    w, _, h = name.partition(":")
    return int(w) / int(h)


def choose_aspect_ratio(profile: ModelProfile, asked: tuple[int, int]) -> str:
    """The provider's aspect ratio closest to the asked size's (on a log scale, so 2:1 and 1:2 are as far
    from 1:1)."""
    wanted = max(1, asked[0]) / max(1, asked[1])
    return min(profile.aspect_ratios, key=lambda name: abs(math.log(_ratio_of(name) / wanted)))


def split_batches(n: int, max_per_call: int) -> list[int]:
    """n images as per-call counts: 23 with a limit of 10 -> [10, 10, 3]."""
    full, rest = divmod(max(1, n), max(1, max_per_call))
    return [max_per_call] * full + ([rest] if rest else [])


def _prompt_text(job: ImageJob, profile: ModelProfile) -> tuple[str, str | None]:
    """OpenAI-style image APIs take only text: style, style transfer and negative prompt are folded into
    it, except dall-e-3's own vivid/natural style switch."""
    text = job.prompt.strip()
    native: str | None = None
    style = (job.style or "").strip()
    if job.operation == "style_transfer" and style:
        text = f"Restyle as {style}: {text}" if text else f"Restyle as {style}."
    elif style and style.lower() in profile.native_styles:
        native = style.lower()
    elif style:
        text = f"In a {style} style: {text}"
    if job.negative_prompt and job.negative_prompt.strip():
        text = f"{text}\nAvoid: {job.negative_prompt.strip()}"
    return text, native


def _map_quality(quality: str | None, profile: ModelProfile) -> str | None:
    if not quality:
        return None
    if profile.qualities is None:
        return quality
    return profile.qualities.get(quality.lower())


def _map_background(job: ImageJob, profile: ModelProfile, model: str) -> tuple[str | None, str | None]:
    if job.background is None:
        return None, None
    if not profile.background_param:
        if job.background == "transparent":
            return None, f"{_label(model)} cannot paint transparent backgrounds; the image is opaque."
        return None, None
    if job.background == "transparent" and job.output_format == "jpeg":
        # The API rejects this combination outright; an opaque jpeg is the useful answer.
        return "opaque", "JPEG has no transparency, so the background is opaque."
    return job.background, None


def _label(model: str) -> str:
    return model.rsplit("/", 1)[-1]


def _size_list(profile: ModelProfile) -> str:
    names = [f"{w}x{h}" for w, h in profile.sizes]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


@dataclass(frozen=True)
class Upload:
    """One file for the edits endpoint: named by its real format, since providers check the name."""

    filename: str
    data: bytes
    size: tuple[int, int]


def prepare_sources(sources: tuple[SourceImage, ...], profile: ModelProfile) -> list[Upload]:
    """Read each source's real format and size (header only), converting to png the formats the model
    does not take (dall-e-2 takes png only; gpt-image png, jpeg and webp)."""
    return [
        _upload(source.data, f"source-{i}", profile.source_mime_types, "sources")
        for i, source in enumerate(sources, start=1)
    ]


def prepare_mask(mask: bytes | None) -> Upload | None:
    # OpenAI reads the mask's alpha channel, so it must be a png; other formats are converted.
    return None if mask is None else _upload(mask, "mask", frozenset({"image/png"}), "mask")


def _upload(data: bytes, stem: str, accepted: frozenset[str], param: str) -> Upload:
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Pillow reads many camera JPEGs as MPO (JPEG plus extra frames); providers see a JPEG.
            fmt = "JPEG" if image.format == "MPO" else image.format or ""
            mime = Image.MIME.get(fmt, "")
            if mime in accepted:
                return Upload(f"{stem}.{_EXTENSIONS[mime]}", data, image.size)
            image.load()
            converted = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
            buffer = io.BytesIO()
            converted.save(buffer, format="PNG")
            return Upload(f"{stem}.png", buffer.getvalue(), image.size)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise invalid_request(f"The {param} image could not be read.", param=param) from None


_EXTENSIONS = {mime: fmt for fmt, mime in MIME_TYPES.items()}
