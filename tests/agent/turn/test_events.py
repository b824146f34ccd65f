from __future__ import annotations

import json

from easel.agent.turn.events import AiChunk, AiComplete, ErrorEvent, MediaItem, Ping, ToolStatus, encode


def test_every_event_is_one_data_line_and_a_blank_line() -> None:
    events = [AiChunk("multi\nline"), ToolStatus("image_gen", "c1", "in_progress", arguments={"prompt": "x"}),
              MediaItem({"file_id": "file-1", "name": "a.png"}), Ping(), ErrorEvent("upstream_error", "down"),
              AiComplete(response="done", conversation_id="conv-1")]
    for event in events:
        raw = encode(event)
        assert raw.startswith(b"data: ") and raw.endswith(b"\n\n") and raw.count(b"\n") == 2
        assert json.loads(raw[6:])["type"] == event.type


def test_shapes_follow_the_contract() -> None:
    assert json.loads(encode(MediaItem({"file_id": "file-1"}))[6:]) == {"type": "media_item", "file_id": "file-1"}
    status = json.loads(encode(ToolStatus("image_gen", "c1", "completed"))[6:])
    assert status == {"type": "tool_status", "tool": "image_gen", "call_id": "c1", "status": "completed"}
    assert json.loads(encode(Ping())[6:]) == {"type": "ping"}
