"""Plain records the Space hands around. A leaf module: it imports nothing of the project."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    """A moment as every record carries it: UTC, milliseconds, a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    created_at: str
    budget_usd: float | None = None
    spent_usd: float = 0.0


@dataclass(frozen=True)
class Workspace:
    id: str
    account_id: str
    name: str
    created_at: str


@dataclass(frozen=True)
class ApiKey:
    id: str
    account_id: str
    prefix: str
    name: str
    created_at: str
    default_workspace_id: str | None = None
    revoked_at: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's account, the key itself, and its default workspace."""

    account_id: str
    key_id: str
    default_workspace_id: str
    on_behalf_of: str | None = None
    # Keyless callers (EASEL_ANONYMOUS_WORKSPACE) reach this one workspace and no other of its account.
    only_workspace: str | None = None


@dataclass(frozen=True)
class Folder:
    id: str
    workspace_id: str
    name: str
    created_at: str


@dataclass(frozen=True)
class FileRecord:
    id: str
    workspace_id: str
    name: str
    mime_type: str
    size_bytes: int
    sha256: str
    created_at: str
    seq: int = 0
    folder_id: str | None = None
    width: int | None = None
    height: int | None = None
    origin: str = "upload"  # upload | generated
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(frozen=True)
class Conversation:
    id: str
    workspace_id: str
    title: str
    created_at: str
    updated_at: str
    message_count: int = 0
    last_file_id: str | None = None


@dataclass(frozen=True)
class Page:
    files: list[FileRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class UsageRecord:
    """One generation or chat turn, for history, balance and billing."""

    id: str
    account_id: str
    kind: str  # generation | chat
    api: str  # which surface: chat, openai, zekron, aiart, chuk, mka1
    status: str
    created_at: str
    workspace_id: str | None = None
    key_id: str | None = None
    on_behalf_of: str | None = None
    operation: str | None = None
    model: str | None = None
    size: str | None = None
    n: int = 0
    prompt: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    file_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VideoJob:
    """One asynchronous video. `params` holds what the engine was asked (seconds, size, seed, motion)."""

    id: str
    account_id: str
    workspace_id: str
    api: str
    status: str  # queued, in_progress, completed, failed, cancelled
    prompt: str
    model: str
    created_at: str
    updated_at: str
    params: dict[str, Any] = field(default_factory=dict)
    progress: int = 0
    key_id: str | None = None
    source_file_id: str | None = None
    file_id: str | None = None
    poster_file_id: str | None = None
    error: str | None = None
    lease_until: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")
