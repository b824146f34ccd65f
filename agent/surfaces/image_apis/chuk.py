"""chuk.chat (seed 003): `POST /v1/ai/generate-image` (size presets or custom 64-2048 px, prompt of at
most 1000 characters, the seed in the reply) and `GET /v1/user/credits`, in chuk's shapes.

Cost follows the price table (`EASEL_PRICES` takes per-megapixel prices, as chuk bills by pixel count,
else litellm's price for the model). The ledger keeps US dollars; chuk's `*_eur` fields hold euros,
converted at the operator's fixed rate `EASEL_EUR_PER_USD`. Every amount is a JSON number with a fraction
(chuk's Dart clients read them `as double`, which a bare `5` would fail). An account with no budget has
`unlimited: true` and `credits_eur` of `UNLIMITED_CREDITS_EUR`, a number any cost fits under, so a client's
`balance >= estimatedCost` check passes. A 402 carries chuk's `details.required` and `details.available`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from easel.agent.surfaces.image_apis.common import engine_notes, generate, runtime, small_json
from easel.spaces.auth import authenticate
from easel.spaces.errors import EaselError
from easel.spaces.records import Principal
from easel.spaces.web import absolute
from easel.tools.image_args import MAX_SIDE, MIN_SIDE, SIZE_PRESETS

ERROR_PATHS = ("/v1/ai/", "/v1/user/credits")
MAX_PROMPT = 1000
CURRENCY = "EUR"
UNLIMITED_CREDITS_EUR = 1_000_000.0


class ShortOfCredits(EaselError):
    """A 402 with what chuk's clients read from it: how much was needed and how much is left."""

    def __init__(self, *, required: float, available: float) -> None:
        super().__init__(402, "insufficient_credits",
                         f"Insufficient credits: this needs about {required:.4f} {CURRENCY}, "
                         f"{available:.4f} {CURRENCY} are left")
        self.details = {"required": required, "available": available, "currency": CURRENCY}


def error_shape(exc: EaselError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code.upper(), "message": exc.message}
    if isinstance(exc, ShortOfCredits):
        error["details"] = exc.details
    return {"success": False, "error": error}


def _bad(code: str, message: str, param: str) -> EaselError:
    return EaselError(400, code, message, param=param)


def _prompt(body: dict[str, Any]) -> str:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _bad("invalid_prompt", "Prompt is empty: describe the image", "prompt")
    if len(prompt) > MAX_PROMPT:
        raise _bad("invalid_prompt", f"Prompt exceeds {MAX_PROMPT} character limit ({len(prompt)})", "prompt")
    return prompt


def _side(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SIDE <= value <= MAX_SIDE:
        raise _bad("invalid_dimensions", f"{name} must be an integer from {MIN_SIDE} to {MAX_SIDE} pixels "
                   f"(got {value!r})", name)
    return value


def _dimensions(body: dict[str, Any]) -> tuple[int, int]:
    size = body.get("image_size")
    if size == "custom":
        return _side(body, "custom_width"), _side(body, "custom_height")
    if not isinstance(size, str) or size not in SIZE_PRESETS:
        raise _bad("invalid_size", f"image_size must be one of {', '.join(SIZE_PRESETS)} or 'custom' "
                   f"(got {size!r})", "image_size")
    if body.get("custom_width") is not None or body.get("custom_height") is not None:
        raise _bad("invalid_dimensions", "custom_width and custom_height apply only with image_size 'custom'",
                   "image_size")
    return SIZE_PRESETS[size]


def _seed(body: dict[str, Any]) -> int | None:
    seed = body.get("seed")
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise _bad("invalid_request", "seed must be an integer from 0 to 4294967295", "seed")
    return seed


def _eur(request: Request, usd: float | None) -> float:
    """Dollars from the ledger in euros, always a float (0.0 for none)."""
    return float(usd or 0.0) * runtime(request).settings.eur_per_usd


async def _short_of_credits(request: Request, principal: Principal, width: int,
                            height: int) -> ShortOfCredits:
    rt = runtime(request)
    required = rt.images.prices.estimate(rt.images.engine.model, width, height, 1)
    available = (await rt.ledger.balance(principal))["balance"]
    return ShortOfCredits(required=_eur(request, required), available=_eur(request, max(available or 0.0, 0.0)))


async def generate_image(request: Request) -> Response:
    principal = await authenticate(request)
    body = await small_json(request)
    prompt, (width, height), seed = _prompt(body), _dimensions(body), _seed(body)
    workspace_id = body.get("workspace_id")
    if workspace_id is not None and not isinstance(workspace_id, str):
        raise _bad("invalid_request", "workspace_id must be a string", "workspace_id")
    args: dict[str, Any] = {"prompt": prompt, "size": f"{width}x{height}"}
    if seed is not None:
        args["seed"] = seed
    try:
        created = await generate(request, principal, args, api="chuk", workspace_id=workspace_id)
    except EaselError as exc:
        if exc.status != 402:
            raise
        raise await _short_of_credits(request, principal, width, height) from None
    first = created.files[0]
    return JSONResponse({
        "success": True, "image_url": absolute(request, runtime(request).space.signed_path(first)),
        "width": first.width, "height": first.height, "seed": first.metadata.get("seed"),
        "billing": {"cost_eur": _eur(request, created.cost_usd), "currency": CURRENCY}, "file_id": first.id,
        **({"notes": notes} if (notes := engine_notes(created)) else {})})


async def credits(request: Request) -> Response:
    principal = await authenticate(request)
    b = await runtime(request).ledger.balance(principal)
    unlimited = b["budget"] is None
    return JSONResponse({"credits_eur": UNLIMITED_CREDITS_EUR if unlimited else _eur(request, b["balance"]),
                         "spent_eur": _eur(request, b["total_spent"]), "unlimited": unlimited,
                         "currency": CURRENCY})


routes: list[BaseRoute] = [
    Route("/v1/ai/generate-image", generate_image, methods=["POST"]),
    Route("/v1/user/credits", credits, methods=["GET"]),
]
