"""Identifiers. Prefixes say what a thing is (`wks-`, `file-`, ...), as ZarkAI's do."""

from __future__ import annotations

import secrets
import uuid


def file_id() -> str:
    return f"file-{uuid.uuid4()}"


def short_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"
