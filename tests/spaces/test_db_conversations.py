"""Conversation rows in the store: titles, thread lengths and last images, also for a store written before
conversations had them (its columns are added and filled from the messages on open)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from easel.spaces.db import SqliteStore, thread_length, title_from

pytestmark = pytest.mark.anyio

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
    path = tmp_path / "easel.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE workspaces (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
            account_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE conversations (id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE conversation_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations(id), message TEXT NOT NULL,
            created_at TEXT NOT NULL);
        INSERT INTO workspaces(id, account_id, name, created_at) VALUES ('wks-1', 'acct-1', 'w', 't');
        INSERT INTO conversations VALUES ('conv-1', 'wks-1', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
    """)
    old.executemany("INSERT INTO conversation_messages(conversation_id, message, created_at) VALUES (?,?,?)",
                    [("conv-1", json.dumps(m), "t") for m in TURN + TURN])
    old.commit()
    old.close()
    store = SqliteStore(path)
    await store.open()
    try:
        found = await store.get_conversation("conv-1")
        assert found is not None
        assert (found.title, found.message_count, found.last_file_id) == ("Paint a fox in snow", 4, "file-made")
        assert found.updated_at == "2026-01-02T00:00:00Z"
        await store.append_conversation("conv-1", "wks-1", TURN[:1])
        after = await store.get_conversation("conv-1")
        assert after is not None and (after.message_count, after.last_file_id) == (5, "file-up")
        assert len(await store.conversation_messages("conv-1")) == 9
        assert len(await store.conversation_messages("conv-1", limit=3)) == 3
    finally:
        await store.close()
    reopened = SqliteStore(path)  # a second open finds the columns there and changes nothing
    await reopened.open()
    try:
        again = await reopened.get_conversation("conv-1")
        assert again is not None and again.message_count == 5
    finally:
        await reopened.close()
