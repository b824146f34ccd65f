"""Keyless calls to the seeds' image APIs, opt-in: `EASEL_ANONYMOUS_WORKSPACE=wks-…`.

AiArt's documented calls send no key; neither may a client of the other seeds' image-making endpoints that
was written for a keyless deployment. With the setting, a request with no key to one of `PATHS` acts as that
workspace (its account pays, its Space keeps the images) and reaches no other workspace of the account.
Keyless callers share limits of their own (`EASEL_ANONYMOUS_RPM`, `EASEL_ANONYMOUS_CONCURRENT`), counted apart
from every key's. Account-wide reads (balances, credits, generation history) still need a key. Unset (the
default), a keyless request is a 401 as before. Easel warns at start-up when it is set and the server listens
beyond loopback, since anyone who can reach the port can then spend the account's budget.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from easel.spaces.records import Principal
from easel.spaces.space import Space

log = logging.getLogger("easel.anonymous")
KEY_ID = "anonymous"  # recorded as the key of every keyless request's usage
BUCKET = "anonymous"  # the limiter's bucket: keys' buckets are 32 hex digits, so they never meet it
WORKSPACE_ID = re.compile(r"^wks-[A-Za-z0-9_-]{1,64}$")

# (method, path pattern): the seeds' image APIs that make images, and what reads back what they made.
PATHS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((m, re.compile(p)) for m, p in (
    ("POST", r"^/api/generate$"),  # AiArt (seed 002)
    ("POST", r"^/api/img2img$"),
    ("POST", r"^/api/img2video$"),
    ("GET", r"^/api/img2video/result/[^/]+$"),
    ("POST", r"^/v1/generate$"),  # Zekron (seed 001)
    ("GET", r"^/v1/images/gen-[^/]+$"),
    ("POST", r"^/v1/ai/generate-image$"),  # chuk.chat (seed 003)
    ("POST", r"^/api/v1/llm/images/generations$"),  # MKA1 (seed 004)
))


def covers(method: str, path: str) -> bool:
    return any(method == m and p.match(path) for m, p in PATHS)


async def principal_for(space: Space, workspace_id: str) -> Principal:
    """The principal keyless requests act as; a workspace that does not exist stops the server starting."""
    workspace = await space.workspace_by_id(workspace_id)
    if workspace is None:
        raise RuntimeError(f"EASEL_ANONYMOUS_WORKSPACE names {workspace_id}, which does not exist; create one "
                           "(easel workspaces create NAME) and name it, or unset the variable")
    return Principal(account_id=workspace.account_id, key_id=KEY_ID, default_workspace_id=workspace.id,
                     only_workspace=workspace.id)


def loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str, workspace_id: str, rpm: int, concurrent: int) -> None:
    if not loopback(host):
        log.warning("EASEL_ANONYMOUS_WORKSPACE is set and the server listens on %s, beyond loopback: anyone who "
                    "can reach it can make images without a key, as workspace %s, spending its account's budget "
                    "(keyless limits: %s a minute, %s at once)", host, workspace_id, rpm or "no limit",
                    concurrent or "no limit")
    else:
        log.info("Keyless requests to the seeds' image APIs act as workspace %s", workspace_id)
