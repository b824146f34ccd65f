"""The tool protocol: what the chat turn needs of a tool, and the registry that `tools` filters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord, Principal, Workspace
from easel.spaces.space import Space
from easel.tools.engines.base import OnPartial


@dataclass
class ToolContext:
    space: Space
    workspace: Workspace
    principal: Principal
    # Called as work moves on; the turn turns these into `tool_status` and `media_item` events.
    on_generating: Callable[[], Awaitable[None]]
    on_file: Callable[[FileRecord], Awaitable[None]]
    api: str = "chat"  # which surface asked, for the usage record
    # Up to this many intermediate states of the first image, each to `on_partial` as it is painted.
    partial_images: int = 0
    on_partial: OnPartial | None = None
    # How far a long job (a video) has got, in percent, and the job's id; the turn sends it as `tool_status`.
    on_progress: Callable[[int, str], Awaitable[None]] | None = None
    # How long a tool may wait for an asynchronous job before answering with the job's id instead; None: until
    # the job ends (a streamed turn, whose client sees the progress).
    wait_s: float | None = None


@dataclass
class ToolOutcome:
    """What a tool call gave: `content` is what the model reads (JSON-able, never pixels)."""

    ok: bool
    content: dict[str, Any]
    files: list[FileRecord] = field(default_factory=list)
    error: str | None = None
    cost_usd: float = 0.0
    priced: bool = True  # False: what it cost is unknown (cost_usd is then only what is known)
    code: str | None = None  # the failure's code, when it has one
    # Added to the call's entry in the reply's `tool_calls`: a job's id, or `status: in_progress` for a job that
    # outlived the wait.
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """`completed`, `failed`, or what `details` says (`in_progress`: a job still running)."""
        return "failed" if not self.ok else str(self.details.get("status", "completed"))

    @classmethod
    def failed(cls, reason: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> ToolOutcome:
        content: dict[str, Any] = {"status": "failed", "error": reason, **({"code": code} if code else {})}
        return cls(ok=False, content=content, error=reason, code=code, details=details or {})


class Tool(Protocol):
    name: str

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-calling schema the model sees."""
        ...

    async def run(self, arguments: dict[str, Any], ctx: ToolContext) -> ToolOutcome: ...


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {t.name: t for t in tools}

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def select(self, names: list[str] | None) -> list[Tool]:
        """`None` means every tool (ZarkAI); an unknown id is the client's mistake."""
        if names is None:
            return list(self._tools.values())
        unknown = [n for n in names if n not in self._tools]
        if unknown:
            raise EaselError(400, "unknown_tool", f"Unknown tool: {', '.join(unknown)}. "
                             f"Available: {', '.join(self._tools)}", param="tools")
        return [self._tools[n] for n in dict.fromkeys(names)]
