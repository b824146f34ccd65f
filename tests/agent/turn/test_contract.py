from __future__ import annotations

import pytest

from easel.agent.turn.contract import parse_chat_request
from easel.spaces.errors import EaselError


def test_zarkai_fields_and_ours() -> None:
    req = parse_chat_request({
        "messages": [{"role": "assistant", "content": "hi", "file_ids": ["file-1"]},
                     {"role": "user", "content": [{"type": "text", "text": "make it darker"}]}],
        "workspace_id": "wks-1", "tools": ["image_gen"], "tool_choice": "required", "temperature": 0.5,
        "max_tokens": 100, "stream": True, "file_ids": [], "folder_ids": [], "model": None,
        "conversation_id": "conv-1"})
    assert req.messages[0].file_ids == ["file-1"] and req.messages[1].text == "make it darker"
    assert req.tool_choice == "required" and req.stream


@pytest.mark.parametrize(("body", "said"), [
    ({"messages": [], "workspace_id": "w"}, "at least one"),
    ({"messages": [], "workspace_id": "w", "conversation_id": "conv-1"}, "at least one"),
    ({"messages": [{"role": "user", "content": "x"}]}, "workspace_id: is required"),
    ({"messages": [{"role": "user", "content": "x"}], "workspace_id": "w", "max_tokens": 0}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
      "workspace_id": "w"}, "last message"),
])
def test_bad_requests_name_the_field(body: dict, said: str) -> None:
    with pytest.raises(EaselError) as err:
        parse_chat_request(body)
    assert err.value.status == 400 and said in err.value.message
