"""The per-chunk floor: CPU to read one streamed chunk, in this process, three ways, from the same
1,000-chunk reply of the fake upstream:

    raw             this harness's HTTP parser + `json.loads` of each event (what any server must do)
    openai          the OpenAI SDK's `AsyncStream` (httpx, one pydantic model per chunk)
    litellm         `litellm.acompletion(stream=True)`: the SDK, then litellm's `CustomStreamWrapper`
    litellm, let go the same, emptying the wrapper's list of kept chunks as they pass (what Easel does)
    easel, litellm lane   Easel's `LitellmChatModel.stream` with the fast lane off: the row above plus
                    Easel's assembly and repetition guard
    easel, fast lane      the same with the fast lane on (httpx + orjson, `agent/brains/openai_wire.py`)

Every chat stream through Easel (or litellm's proxy) pays one of the litellm rows for each chunk, so that
row bounds how many chunks per second one process can pass on, whatever the server around it does.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench.client import Conn

CHUNKS = 1000
MODEL = f"bench-c{CHUNKS}-d0"


async def _raw(port: int) -> int:
    conn = await Conn.open("127.0.0.1", port)
    seen = 0

    def hook(event: bytes, now: float) -> None:
        nonlocal seen
        if event != b"data: [DONE]":
            json.loads(event[6:])
            seen += 1

    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    await conn.request(
        "POST", "/v1/chat/completions", body=body, headers={"content-type": "application/json"}, on_event=hook
    )
    conn.close()
    return seen


async def _openai(client: Any) -> int:
    seen = 0
    async for _ in await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
    ):
        seen += 1
    return seen


async def _litellm(acompletion: Any, port: int, let_go: bool = False) -> int:
    seen = 0
    response = await acompletion(
        model=f"openai/{MODEL}",
        api_base=f"http://127.0.0.1:{port}/v1",
        api_key="sk-bench",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    async for _ in response:
        seen += 1
        if let_go:
            response.chunks.clear()
    return seen


async def _easel(model: Any, port: int) -> int:
    from easel.agent.brains.model import ModelSettings, TextDelta

    settings = ModelSettings(model=f"openai/{MODEL}", api_base=f"http://127.0.0.1:{port}/v1", api_key="sk-bench")
    seen = 0
    async for event in model.stream(settings=settings, messages=[{"role": "user", "content": "hi"}], tools=[],
                                    tool_choice=None, temperature=0.0, max_tokens=2000):
        seen += isinstance(event, TextDelta)
    return seen + 3  # the role, finish and usage chunks are read too


async def run(port: int, reps: int = 5) -> dict[str, Any]:
    import litellm
    import openai

    from easel.agent.brains.litellm_model import LitellmChatModel

    client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-bench", max_retries=0)
    fast = LitellmChatModel(fast_lane=True)
    ways = {
        "raw": lambda: _raw(port),
        "openai": lambda: _openai(client),
        "litellm": lambda: _litellm(litellm.acompletion, port),
        "litellm, let go": lambda: _litellm(litellm.acompletion, port, let_go=True),
        "easel, litellm lane": lambda: _easel(LitellmChatModel(fast_lane=False), port),
        "easel, fast lane": lambda: _easel(fast, port),
    }
    out: dict[str, Any] = {}
    for name, way in ways.items():
        await way()  # warm
        cpu = []
        for _ in range(reps):
            started = time.process_time()
            seen = await way()
            cpu.append((time.process_time() - started) / max(seen, 1) * 1e6)
        best = sorted(cpu)[len(cpu) // 2]
        out[name] = {"cpu_us_per_chunk": round(best, 1), "chunks_per_core_s": round(1e6 / best)}
    await client.close()
    return out
