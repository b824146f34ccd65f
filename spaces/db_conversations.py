"""The store's conversation queries (a part of spaces.db.Store): stored threads, their titles, lengths and
last images, listed newest activity first."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from easel.spaces.records import Conversation, now_iso
from easel.spaces.tables import conversation_messages, conversations

T = TypeVar("T")

TITLE_CHARS = 80
_LAST_MESSAGE = (sa.select(conversation_messages.c.message)
                 .where(conversation_messages.c.conversation_id == sa.bindparam("conversation"))
                 .order_by(conversation_messages.c.seq.desc()).limit(1))


def title_from(messages: list[dict[str, Any]]) -> str | None:
    """A conversation's title until one is set: the start of its first user message, on one line."""
    for m in messages:
        if m.get("role") == "user":
            content = m.get("content")
            words = " ".join(content.split()) if isinstance(content, str) else ""
            if words:
                return words if len(words) <= TITLE_CHARS else words[:TITLE_CHARS - 1].rstrip() + "…"
    return None


def thread_length(messages: list[dict[str, Any]], *, after_role: str | None = None) -> int:
    """How many entries a reader sees: each user or system message, and each assistant reply, which is a run
    of assistant and tool messages (a turn's tool calls, their results and its closing words)."""
    count, previous = 0, after_role
    for m in messages:
        replying = m.get("role") in ("assistant", "tool")
        if not (replying and previous in ("assistant", "tool")):
            count += 1
        previous = m.get("role")
    return count


def last_file(messages: list[dict[str, Any]]) -> str | None:
    ids = [i for m in messages for i in (m.get("file_ids") or [])]
    return ids[-1] if ids else None


def _conversation(row: sa.Row[Any]) -> Conversation:
    m = row._mapping
    return Conversation(id=m["id"], workspace_id=m["workspace_id"], title=m["title"] or "",
                        created_at=m["created_at"], updated_at=m["updated_at"],
                        message_count=m["message_count"], last_file_id=m["last_file_id"])


class ConversationQueries:
    """Mixed into Store, whose plumbing these use."""

    async def _rows(self, stmt: sa.Executable) -> Sequence[sa.Row[Any]]:
        raise NotImplementedError

    async def _scalar(self, stmt: sa.Executable) -> Any:
        raise NotImplementedError

    def _tx(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    async def _write(self, body: Callable[[sa.Connection], T]) -> T:
        raise NotImplementedError

    def _insert(self, table: sa.Table) -> Any:
        raise NotImplementedError

    async def conversation_workspace(self, conversation_id: str) -> str | None:
        value = await self._scalar(sa.select(conversations.c.workspace_id)
                                   .where(conversations.c.id == conversation_id))
        return None if value is None else str(value)

    async def conversation_messages(self, conversation_id: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest `limit` messages (all when None), oldest first."""
        latest = (sa.select(conversation_messages.c.seq, conversation_messages.c.message)
                  .where(conversation_messages.c.conversation_id == conversation_id)
                  .order_by(conversation_messages.c.seq.desc()).limit(limit).subquery())
        rows = await self._rows(sa.select(latest.c.message).order_by(latest.c.seq))
        return [json.loads(r[0]) for r in rows]

    async def append_conversation(self, conversation_id: str, workspace_id: str,
                                  messages: list[dict[str, Any]]) -> None:
        stamp = now_iso()
        upsert = self._conversation_upsert()
        row = {"id": conversation_id, "workspace_id": workspace_id, "created_at": stamp, "updated_at": stamp,
               "title": title_from(messages), "last_file_id": last_file(messages)}
        added = [{"conversation_id": conversation_id, "message": json.dumps(m), "created_at": stamp}
                 for m in messages]

        def write(conn: sa.Connection) -> None:
            last = conn.execute(_LAST_MESSAGE, {"conversation": conversation_id}).scalar()
            after = json.loads(last).get("role") if last else None
            conn.execute(upsert, {**row, "message_count": thread_length(messages, after_role=after)})
            if added:
                conn.execute(conversation_messages.insert(), added)

        await self._write(write)

    def _conversation_upsert(self) -> Any:
        """A conversation's row made or brought up to date, made once (values come as parameters)."""
        if (made := getattr(self, "_upsert_conversation", None)) is not None:
            return made
        c = conversations.c
        insert = self._insert(conversations)
        made = insert.on_conflict_do_update(index_elements=[c.id], set_={
            "updated_at": insert.excluded.updated_at,
            "message_count": c.message_count + insert.excluded.message_count,
            "last_file_id": sa.func.coalesce(insert.excluded.last_file_id, c.last_file_id),
            "title": sa.func.coalesce(c.title, insert.excluded.title)})
        self._upsert_conversation = made
        return made

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        rows = await self._rows(sa.select(conversations).where(conversations.c.id == conversation_id))
        return _conversation(rows[0]) if rows else None

    async def list_conversations(self, workspace_id: str, *, limit: int,
                                 before: tuple[str, str] | None) -> list[Conversation]:
        """Newest activity first; `before` is the (updated_at, id) of the last one already seen."""
        c = conversations.c
        stmt = sa.select(conversations).where(c.workspace_id == workspace_id)
        if before is not None:
            stmt = stmt.where(sa.or_(c.updated_at < before[0], sa.and_(c.updated_at == before[0], c.id < before[1])))
        rows = await self._rows(stmt.order_by(c.updated_at.desc(), c.id.desc()).limit(limit))
        return [_conversation(r) for r in rows]

    async def set_conversation_title(self, conversation_id: str, title: str) -> None:
        async with self._tx() as conn:
            await conn.execute(conversations.update().where(conversations.c.id == conversation_id)
                               .values(title=title, updated_at=now_iso()))

    async def delete_conversation(self, conversation_id: str) -> None:
        async with self._tx() as conn:
            await conn.execute(conversation_messages.delete()
                               .where(conversation_messages.c.conversation_id == conversation_id))
            await conn.execute(conversations.delete().where(conversations.c.id == conversation_id))
