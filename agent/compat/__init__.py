"""Other services' image APIs, as thin adapters over the same engines and Space.

Each module keeps that API's field names, response shapes and error codes, and only translates: the
painting, saving, budgets and usage records are `tools.image_gen.ImageService`'s.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
