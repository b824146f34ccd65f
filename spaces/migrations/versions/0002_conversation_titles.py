"""Conversations get a title, a thread length and their last image, filled from their messages.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from easel.spaces.db_conversations import last_file, thread_length, title_from

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("title", sa.Text))
        batch.add_column(sa.Column("message_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_file_id", sa.Text))
    op.create_index("conversations_recent", "conversations", ["workspace_id", "updated_at", "id"])
    conversations = sa.table("conversations", sa.column("id"), sa.column("title"), sa.column("message_count"),
                             sa.column("last_file_id"))
    messages = sa.table("conversation_messages", sa.column("seq"), sa.column("conversation_id"),
                        sa.column("message"))
    conn = op.get_bind()
    threads: dict[str, list[dict[str, object]]] = {}
    for conversation_id, message in conn.execute(
            sa.select(messages.c.conversation_id, messages.c.message).order_by(messages.c.seq)):
        threads.setdefault(conversation_id, []).append(json.loads(message))
    for conversation_id, thread in threads.items():
        conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(
            title=title_from(thread), message_count=thread_length(thread), last_file_id=last_file(thread)))


def downgrade() -> None:
    op.drop_index("conversations_recent", "conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_file_id")
        batch.drop_column("message_count")
        batch.drop_column("title")
