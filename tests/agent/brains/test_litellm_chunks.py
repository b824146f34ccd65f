"""What `LitellmChatModel` does with the chunks litellm keeps: lets them go as they pass (a stream's memory
must not grow with its length), and still reports usage when the provider sent none."""

from __future__ import annotations

from typing import Any

import pytest

from easel.agent.brains import litellm_model
from easel.agent.brains.litellm_model import LitellmChatModel, load_litellm
from easel.agent.brains.model import ModelReply, ModelSettings

pytestmark = pytest.mark.anyio


class KeepingStream:
    """Stands in for litellm's stream wrapper: yields chunks and, like it, keeps each one in `chunks`."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.chunks: list[Any] = []
        self.most_held = 0

    def __aiter__(self) -> Any:
        return self._run()

    async def _run(self) -> Any:
        for item in self.items:
            self.chunks.append(item)
            self.most_held = max(self.most_held, len(self.chunks))
            yield item


def text_chunks(words: list[str], usage: Any = None) -> list[Any]:
    litellm = load_litellm()
    from litellm.types.utils import Delta, ModelResponseStream, StreamingChoices

    chunks = [ModelResponseStream(choices=[StreamingChoices(delta=Delta(content=w))]) for w in words]
    chunks.append(ModelResponseStream(choices=[StreamingChoices(delta=Delta(), finish_reason="stop")]))
    if usage is not None:
        last = ModelResponseStream(choices=[])
        last.usage = litellm.Usage(prompt_tokens=usage[0], completion_tokens=usage[1],
                                   total_tokens=sum(usage))
        chunks.append(last)
    return chunks


async def run(monkeypatch: pytest.MonkeyPatch, stream: KeepingStream) -> ModelReply:
    async def acompletion(**kwargs: Any) -> KeepingStream:
        return stream

    load_litellm()
    monkeypatch.setattr(litellm_model._litellm, "acompletion", acompletion)
    events = [e async for e in LitellmChatModel(fast_lane=False).stream(  # acompletion stands in
        settings=ModelSettings(model="openai/gpt-4o-mini"),
        messages=[{"role": "user", "content": "hi there"}], tools=[], tool_choice=None, temperature=0.0,
        max_tokens=64)]
    reply = events[-1]
    assert isinstance(reply, ModelReply)
    return reply


async def test_chunks_are_let_go_as_they_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    words = [f"word{i} " for i in range(200)]
    stream = KeepingStream(text_chunks(words, usage=(12, 200)))
    reply = await run(monkeypatch, stream)
    assert stream.most_held == 1 and reply.text == "".join(words)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (12, 200)


async def test_usage_is_counted_when_the_provider_reports_none(monkeypatch: pytest.MonkeyPatch) -> None:
    reply = await run(monkeypatch, KeepingStream(text_chunks(["a fox ", "in the snow"])))
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.usage.cost_usd > 0  # gpt-4o-mini is priced, so the estimate is too
