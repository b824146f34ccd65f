"""A scripted chat model: replays prepared replies, records what it was asked. For tests and for users
who want to drive a full tool round trip without any model at all."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from easel.agent.brains.model import ModelEvent, ModelReply, ModelSettings, TextDelta, ToolCall, Usage
from easel.spaces.errors import EaselError


@dataclass
class Say:
    text: str
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (name, arguments)


@dataclass
class Fail:
    error: EaselError
    after_text: str = ""


class ScriptedModel:
    def __init__(self, *steps: Say | Fail) -> None:
        self.steps = list(steps)
        self.requests: list[dict[str, Any]] = []

    async def stream(self, *, settings: ModelSettings, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
                     tool_choice: str | dict[str, Any] | None, temperature: float,
                     max_tokens: int) -> AsyncIterator[ModelEvent]:
        self.requests.append({"messages": [dict(m) for m in messages], "tools": tools, "tool_choice": tool_choice})
        if not self.steps:
            raise EaselError(502, "upstream_error", "the scripted model has no reply left")
        step = self.steps.pop(0)
        if isinstance(step, Fail):
            if step.after_text:
                yield TextDelta(step.after_text)
            raise step.error
        for word in step.text.split(" "):
            yield TextDelta(word + " " if word != step.text.split(" ")[-1] else word)
        calls = tuple(ToolCall(id=f"call_{len(self.requests)}_{i}", name=name, arguments=json.dumps(args))
                      for i, (name, args) in enumerate(step.tool_calls))
        yield ModelReply(text=step.text, tool_calls=calls, usage=Usage(10, len(step.text.split())),
                         finish_reason="tool_calls" if calls else "stop")
