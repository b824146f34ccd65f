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


@dataclass
class ToolOutcome:
    """What a tool call gave: `content` is what the model reads (JSON-able, never pixels)."""

    ok: bool
    content: dict[str, Any]
    files: list[FileRecord] = field(default_factory=list)
    error: str | None = None
    cost_usd: float = 0.0

    @classmethod
    def failed(cls, reason: str) -> ToolOutcome:
        return cls(ok=False, content={"status": "failed", "error": reason}, error=reason)


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
