"""Turning a provider's answer into `EngineImage`s, and what it cost.

Providers answer with base64 or with URLs. Either way the bytes are decoded with Pillow: the width,
height and mime type we report are the image's own, never the provider's claim, and anything that is
not an image becomes an `upstream_error`. URLs are fetched over http(s) only, with a timeout and a size
cap, and without our credentials (they are pre-signed); `data:` URLs are decoded in place.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import logging
import math
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

import httpx
from PIL import Image, UnidentifiedImageError

from easel.spaces.errors import EaselError
from easel.tools.engines.base import MIME_TYPES, EngineImage, OutputFormat
from easel.tools.engines.litellm_params import load_litellm

log = logging.getLogger(__name__)

DEFAULT_MAX_IMAGE_BYTES = 50 * 1024 * 1024
_PIL_FORMATS: dict[OutputFormat, str] = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


async def collect_images(
    items: Sequence[Any],
    *,
    output_format: OutputFormat,
    fetch_timeout_s: float,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> list[EngineImage]:
    """Decode every item of a litellm `ImageResponse.data` into an image in `output_format`."""
    images: list[EngineImage] = []
    async with AsyncExitStack() as stack:
        client: httpx.AsyncClient | None = None
        for item in items:
            b64, url = getattr(item, "b64_json", None), getattr(item, "url", None)
            if b64:
                raw = _decode_b64(b64)
            elif url and str(url).startswith("data:"):
                raw = _decode_b64(str(url))
            elif url:
                if client is None:  # only URL answers need one (it costs an SSL context)
                    client = httpx.AsyncClient(timeout=fetch_timeout_s, follow_redirects=True)
                    await stack.enter_async_context(client)
                raw = await fetch_image(client, str(url), max_bytes)
            else:
                raise EaselError(502, "upstream_error", "The image provider returned an image without data.")
            # Decoding and re-encoding a large image takes tens of milliseconds: keep it off the loop.
            data, mime, width, height = await asyncio.to_thread(normalise_image, raw, output_format)
            revised = getattr(item, "revised_prompt", None)
            images.append(EngineImage(data, mime, width, height, revised_prompt=revised or None))
    return images


def normalise_image(raw: bytes, output_format: OutputFormat) -> tuple[bytes, str, int, int]:
    """(bytes, real mime type, width, height), re-encoded when the provider painted another format
    (dall-e only paints png), so the caller always gets the format it asked for."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            actual = (image.format or "").upper()
            width, height = image.size
            if actual == _PIL_FORMATS[output_format]:
                return raw, MIME_TYPES[output_format], width, height
            return _encode(image, output_format), MIME_TYPES[output_format], width, height
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise EaselError(
            502,
            "upstream_error",
            f"The image provider returned data that is not a readable image ({type(exc).__name__}).",
        ) from None


def _encode(image: Image.Image, output_format: OutputFormat) -> bytes:
    if output_format == "jpeg" and image.mode not in ("RGB", "L"):
        # JPEG has no alpha: flatten onto white rather than let transparent pixels turn black.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif output_format != "jpeg" and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format=_PIL_FORMATS[output_format])
    return buffer.getvalue()


def _decode_b64(text: str) -> bytes:
    # Some OpenAI-compatible servers send a data URL where OpenAI sends bare base64.
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        raise EaselError(502, "upstream_error", "The image provider returned invalid base64.") from None


async def fetch_image(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    """GET an image the provider left at a URL, refusing anything but http(s) and anything too big."""
    scheme = httpx.URL(url).scheme
    if scheme not in ("http", "https"):
        raise EaselError(
            502,
            "upstream_error",
            f"The image provider returned a {scheme or 'relative'} URL; only http and https are fetched.",
        )
    try:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise EaselError(
                    502,
                    "upstream_error",
                    f"Fetching the generated image failed (HTTP {response.status_code}).",
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _too_big(max_bytes)
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(max_bytes)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise EaselError(
            502, "upstream_error", f"Fetching the generated image failed ({type(exc).__name__})."
        ) from None


def _too_big(max_bytes: int) -> EaselError:
    return EaselError(502, "upstream_error", f"The generated image is larger than {max_bytes // 2**20} MB.")


# What litellm 1.106 raises when its price map has no entry for an image call: ModelNotMappedError for an
# unknown model, a bare Exception with one of these messages for a known model at an unlisted size or quality.
_NO_PRICE_MESSAGES = ("Model not found in cost map", "No pricing information found")
_said: set[tuple[str, str]] = set()


def response_cost(
    response: Any, *, model: str, call_type: str, size: str | None, quality: str | None
) -> float | None:
    """USD for one litellm image call, None when litellm has no price for it (the painting is then unpriced,
    never free). Never raises: a missing price must not fail a painting that already succeeded (and was paid
    for); each kind of pricing trouble is logged once per model."""
    litellm = load_litellm()
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if cost is None:
        # litellm fills response_cost only when its own post-call cost hook succeeds; ask it directly
        # with what we sent (it cannot tell size or quality from a bare response).
        try:
            cost = litellm.completion_cost(
                completion_response=response,
                model=model,
                call_type=call_type,
                size=size,
                quality=quality,
                n=len(getattr(response, "data", None) or []) or None,
            )
        except Exception as exc:
            unmapped = isinstance(exc, _unmapped(litellm)) or str(exc).startswith(_NO_PRICE_MESSAGES)
            if unmapped:
                _say_once(model, "unmapped", "litellm has no price for %s (%s, size %s, quality %s): its paintings "
                          "are recorded as unpriced unless EASEL_PRICES names it", model, call_type, size, quality)
            else:
                _say_once(model, type(exc).__name__, "litellm could not price a painting of %s (%s, size %s, "
                          "quality %s): %s: %s; it is recorded as unpriced", model, call_type, size, quality,
                          type(exc).__name__, str(exc)[:200])
            return None
    try:
        value = float(cost)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        _say_once(model, "odd", "litellm priced a painting of %s as %r; it is recorded as unpriced", model, cost)
        return None
    return value


def _unmapped(litellm: Any) -> tuple[type[BaseException], ...]:
    names = ("ModelNotMappedError", "NotFoundError")
    return tuple(getattr(litellm.exceptions, n) for n in names if isinstance(getattr(litellm.exceptions, n, None),
                                                                            type))


def _say_once(model: str, what: str, message: str, *args: Any) -> None:
    if (model, what) not in _said:
        _said.add((model, what))
        log.warning(message, *args)
