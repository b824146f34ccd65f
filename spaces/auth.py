"""Who is calling: `x-api-key: <key>` (ZarkAI) or `Authorization: Bearer <key>` (OpenAI), everywhere."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Scope

from easel.spaces import request_context
from easel.spaces.errors import EaselError
from easel.spaces.records import Principal


def key_from(headers: Headers) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


ANONYMOUS = ""  # what `remember` keeps as the key of a keyless request admitted as the anonymous workspace


def remember(scope: Scope, key: str, outcome: Principal | EaselError) -> None:
    """What the key authenticated as (or why it did not), found earlier in this request (by the limits)."""
    scope.setdefault("state", {})["auth"] = (key, outcome)


async def authenticate(request: Request) -> Principal:
    key = key_from(request.headers)
    known = request.scope.get("state", {}).get("auth")
    if not key and known is not None and known[0] == ANONYMOUS and isinstance(known[1], Principal):
        key = ANONYMOUS  # admitted keyless, as the anonymous workspace (EASEL_ANONYMOUS_WORKSPACE)
    elif not key:
        raise EaselError(401, "unauthorized", "Missing API key: send x-api-key or Authorization: Bearer")
    if known is not None and known[0] == key:
        if isinstance(known[1], EaselError):
            raise known[1]
        principal: Principal = known[1]
    else:
        principal = await request.app.state.space.authenticate(
            key, on_behalf_of=request.headers.get("x-on-behalf-of"))
    request.state.principal = principal
    request_context.note(account_id=principal.account_id, workspace_id=principal.default_workspace_id)
    return principal
