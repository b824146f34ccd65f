"""The turn's steps with a scripted model and a fake painter: whole event sequences, and what the model
was sent back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from easel.agent.brains.model import ModelSettings
from easel.agent.brains.scripted import Say, ScriptedModel
from easel.agent.turn.background import Background
from easel.agent.turn.conversation import History
from easel.agent.turn.events import AiChunk, Event, MediaItem, ToolStatus, as_dict
from easel.agent.turn.loop import Turn, TurnSetup
from easel.spaces.space import Space
from easel.tools.base import ToolRegistry
from easel.tools.engines.fake import FakeEngine
from easel.tools.image_gen import ImageGenTool, ImageService
from tests.backends import Backend

pytestmark = pytest.mark.anyio


async def _setup(tmp_path: Path, backend: Backend, model: ScriptedModel,
                 engine: FakeEngine) -> tuple[TurnSetup, Space]:
    space = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    boot = await space.bootstrap("esk_loop")
    assert boot is not None
    principal = await space.authenticate("esk_loop")
    workspace = boot[0]
    tools = ToolRegistry([ImageGenTool(ImageService(engine))]).select(None)
    history = History("conv-test", messages=[{"role": "user", "content": "paint two things"}])
    return TurnSetup(space=space, model=model, model_settings=ModelSettings(model="scripted"),
                     background=Background(), principal=principal, workspace=workspace, tools=tools,
                     tool_choice="auto", temperature=0, max_tokens=100, max_rounds=3, system_prompt="sys",
                     history=history, media_object=lambda f: {"file_id": f.id, "name": f.name}), space


async def test_two_parallel_calls_then_closing_words(tmp_path: Path, backend: Backend) -> None:
    model = ScriptedModel(
        Say("Painting both.", [("image_gen", {"prompt": "a red fox", "seed": 1}),
                               ("image_gen", {"prompt": "a blue bird", "seed": 2})]),
        Say("Here they are."))
    setup, space = await _setup(tmp_path, backend, model, FakeEngine())
    events: list[Event] = []

    async def emit(e: Event) -> None:
        events.append(e)

    done = await Turn(setup, emit).run()
    kinds = [(e.type, getattr(e, "status", None)) for e in events]
    assert kinds[:2] == [("ai_chunk", None), ("ai_chunk", None)]
    tool_events = [k for k in kinds if k[0] in ("tool_status", "media_item")]
    assert tool_events.count(("tool_status", "in_progress")) == 2
    assert tool_events.count(("media_item", None)) == 2
    assert tool_events.count(("tool_status", "completed")) == 2
    assert "".join(e.content for e in events if isinstance(e, AiChunk)) == done.response
    assert done.response == "Painting both.\n\nHere they are."
    assert [c["status"] for c in done.tool_calls] == ["completed", "completed"]
    assert len(done.media) == 2
    # the second request carries both tool results, with file ids and no pixels
    second = model.requests[1]["messages"]
    results = [json.loads(m["content"]) for m in second if m["role"] == "tool"]
    assert [r["status"] for r in results] == ["completed", "completed"]
    assert all(r["files"][0]["file_id"].startswith("file-") for r in results)
    assert all("file_ids" not in m for m in second)
    assert len(json.dumps(second)) < 5000
    for media in done.media:
        record = await space.store.get_file(media["file_id"])
        assert record is not None and record.metadata["operation"] == "generate"
    await space.close()


async def test_bad_arguments_become_a_readable_failure(tmp_path: Path, backend: Backend) -> None:
    model = ScriptedModel(Say("", [("image_gen", {"prompt": "x", "size": "5000x10", "n": 50})]),
                          Say("Sorry, that size is too large."))
    setup, space = await _setup(tmp_path, backend, model, FakeEngine())
    events: list[dict[str, Any]] = []

    async def emit(e: Event) -> None:
        events.append(as_dict(e))

    done = await Turn(setup, emit).run()
    failed = [e for e in events if e.get("status") == "failed"]
    assert len(failed) == 1 and "n:" in failed[0]["error"]
    told = json.loads([m for m in model.requests[1]["messages"] if m["role"] == "tool"][0]["content"])
    assert told["status"] == "failed" and "n" in told["error"]
    assert done.media == [] and done.tool_calls[0]["status"] == "failed"
    assert await space.store.list_files(setup.workspace.id, limit=10, before_seq=None) == []
    await space.close()


async def test_rounds_are_bounded_and_the_last_one_has_no_tools(tmp_path: Path, backend: Backend) -> None:
    loop_forever = [Say("again", [("image_gen", {"prompt": f"p{i}"})]) for i in range(3)]
    model = ScriptedModel(*loop_forever, Say("done"))
    setup, space = await _setup(tmp_path, backend, model, FakeEngine())

    async def emit(e: Event) -> None:
        return None

    done = await Turn(setup, emit).run()
    assert [r["tool_choice"] for r in model.requests] == ["auto", "auto", "auto", "none"]
    assert done.response.endswith("done") and len(done.media) == 3
    await space.close()


async def test_unknown_tool_and_broken_json_are_told_to_the_model(tmp_path: Path, backend: Backend) -> None:
    model = ScriptedModel(Say("", [("web_search", {"q": "x"})]), Say("ok"))
    setup, space = await _setup(tmp_path, backend, model, FakeEngine())
    statuses: list[ToolStatus | MediaItem] = []

    async def emit(e: Event) -> None:
        if isinstance(e, ToolStatus | MediaItem):
            statuses.append(e)

    await Turn(setup, emit).run()
    assert statuses[-1].status == "failed" and "web_search" in (statuses[-1].error or "")
    await space.close()
