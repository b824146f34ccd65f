"""MKA1 (seed 004): `POST /api/v1/llm/images/generations`, OpenAI's shape with MKA1's own rules.

Served by the OpenAI adapter with narrower `Rules`: MKA1's size list and vivid/natural styles, its quality
tiers, prompts of at most 1000 characters, and its model names. The values are those its own SDK
(`meetkai-mka1`) sends, defaults included: `model="auto"`, `quality="auto"`, `size="1024x1024"`; `auto` means
the configured painter, its default quality, its default size. `X-On-Behalf-Of` (or `user`)
is recorded with the usage, as for every API.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from easel.agent.surfaces.image_apis.common import OPENAI_MODELS
from easel.agent.surfaces.image_apis.openai_images import Rules, serve_generation
from easel.spaces.web import openai_shape

PATH = "/api/v1/llm/images/generations"
ERROR_PATHS = (PATH,)
error_shape = openai_shape

RULES = Rules(
    api="mka1",
    fields=frozenset({"prompt", "model", "n", "quality", "response_format", "size", "style", "output_format",
                      "user", "workspace_id"}),
    max_prompt=1000,
    models=("auto", "meetkai:z-image-turbo", *OPENAI_MODELS),
    sizes=("256x256", "512x512", "1024x1024", "1024x1536", "1536x1024", "1792x1024", "1024x1792", "auto"),
    styles=("vivid", "natural"),
    qualities=("low", "medium", "high", "auto", "standard", "hd"),
)


async def generations(request: Request) -> Response:
    return await serve_generation(request, RULES)


routes: list[BaseRoute] = [Route(PATH, generations, methods=["POST"])]
