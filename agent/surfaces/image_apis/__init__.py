"""Other services' image APIs, as thin adapters over the same engines and Space.

Each module keeps that API's field names, response shapes and error codes, and only translates: the
painting, saving, budgets and usage records are `tools.image_gen.ImageService`'s. Each module names the
paths whose errors it answers in its own shape (`ERROR_PATHS`, `error_shape`); they are registered here,
once, beside its routes.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from easel.agent.surfaces.image_apis import aiart, chuk, mka1, openai_images, openai_videos, zekron
from easel.spaces.web import register_error_shape

routes: list[BaseRoute] = []
for _api in (openai_images, openai_videos, zekron, aiart, chuk, mka1):
    for _prefix in _api.ERROR_PATHS:
        register_error_shape(_prefix, _api.error_shape)
    routes += _api.routes
