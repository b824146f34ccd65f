"""Conversation memory: what came before this turn, and the images made or referenced in it.

Two ways in, one result: a `conversation_id` kept by the server, or a stateless client replaying its
history with `file_ids` on assistant messages. Either way the model sees earlier images by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from easel.agent.turn.contract import ChatRequest
from easel.spaces import ids
from easel.spaces.records import Workspace
from easel.spaces.space import Space

HISTORY_LIMIT = 200  # messages of a stored conversation given to the model
MADE = "made earlier in this conversation"
REFERENCED = "referenced earlier in this conversation"


@dataclass
class History:
    conversation_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)  # OpenAI format, ready for the model
    earlier: dict[str, str] = field(default_factory=dict)  # file id -> origin, in the order met
    new: list[dict[str, Any]] = field(default_factory=list)  # this turn's messages, to be stored


def _note_files(history: History, file_ids: list[str], origin: str) -> None:
    for file_id in file_ids:
        history.earlier.setdefault(file_id, origin)


def _absorb_stored(history: History, stored: list[dict[str, Any]]) -> None:
    for message in stored:
        file_ids = message.pop("file_ids", None) or []
        _note_files(history, file_ids, MADE if message["role"] in ("tool", "assistant") else REFERENCED)
        history.messages.append(message)


def _absorb_request(history: History, request: ChatRequest) -> None:
    last = len(request.messages) - 1
    for i, m in enumerate(request.messages):
        text = m.text
        if m.file_ids and i != last:
            _note_files(history, m.file_ids, MADE if m.role == "assistant" else REFERENCED)
            text = f"{text}\n[images: {', '.join(m.file_ids)}]".strip()
        message = {"role": m.role, "content": text}
        history.messages.append(message)
        # The turn's attachments are kept with the message they came with, so a reopened thread shows them.
        file_ids = list(dict.fromkeys(m.file_ids + request.file_ids)) if i == last else m.file_ids
        history.new.append({**message, **({"file_ids": file_ids} if file_ids else {})})


def resumed(conversation_id: str, stored: list[dict[str, Any]]) -> History:
    """Messages kept earlier (as stored, with their file ids) as the history a new turn starts from."""
    history = History(conversation_id)
    _absorb_stored(history, [dict(m) for m in stored[-HISTORY_LIMIT:]])
    return history


async def load(space: Space, workspace: Workspace, request: ChatRequest) -> History:
    if request.conversation_id:
        kept = await space.conversation(workspace, request.conversation_id)
        history = History(kept.id)
        _absorb_stored(history, await space.conversation_messages(kept, limit=HISTORY_LIMIT))
    else:
        history = History(ids.short_id("conv"))
    _absorb_request(history, request)
    return history


async def save(space: Space, workspace: Workspace, history: History) -> None:
    await space.append_conversation(workspace, history.conversation_id, history.new)
