"""Conversation rows in the store: titles, thread lengths and last images, also for a store written before
conversations had them (migration 0002 adds the columns and fills them from the messages)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from easel.spaces.db import Store, thread_length, title_from
from easel.spaces.engine import default_url

pytestmark = pytest.mark.anyio
FIXTURE = Path(__file__).parent / "fixtures" / "store_0_1"

TURN = [
    {"role": "user", "content": "  Paint   a fox\nin snow ", "file_ids": ["file-up"]},
    {"role": "assistant", "content": "Painting.",
     "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "image_gen", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "{}", "file_ids": ["file-made"]},
    {"role": "assistant", "content": "Here it is."},
]


def test_thread_length_counts_each_reply_once() -> None:
    assert thread_length(TURN) == 2
    assert thread_length(TURN[1:], after_role="user") == 1
    assert thread_length(TURN[1:], after_role="assistant") == 0  # continues the reply before it
    assert thread_length([{"role": "system", "content": "x"}, *TURN]) == 3


def test_title_is_the_first_user_message_on_one_line() -> None:
    assert title_from(TURN) == "Paint a fox in snow"
    long = title_from([{"role": "user", "content": "word " * 40}])
    assert long is not None and len(long) == 80 and long.endswith("…")
    assert title_from([{"role": "assistant", "content": "hi"}]) is None


async def test_a_store_from_before_titles_gets_them_on_open(tmp_path: Path) -> None:
    """Release 0.1's store (tests/spaces/fixtures) has conversations without titles: migration 0002 fills them."""
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    url = default_url(tmp_path)
    store = Store(url)
    await store.open()
    try:
        found = await store.get_conversation("conv-legacy1")
        assert found is not None
        assert (found.title, found.message_count) == ("paint a red square", 3)
        assert found.last_file_id == json.loads((FIXTURE / "expected.json").read_text())["files"][0]
        await store.append_conversation("conv-legacy1", found.workspace_id, TURN)
        after = await store.get_conversation("conv-legacy1")
        assert after is not None and (after.message_count, after.last_file_id) == (5, "file-made")
        assert after.title == "paint a red square"
        assert len(await store.conversation_messages("conv-legacy1")) == 7
        assert len(await store.conversation_messages("conv-legacy1", limit=3)) == 3
    finally:
        await store.close()
    reopened = Store(url)  # a second open finds the store at head and changes nothing
    await reopened.open()
    try:
        again = await reopened.get_conversation("conv-legacy1")
        assert again is not None and again.message_count == 5
    finally:
        await reopened.close()
