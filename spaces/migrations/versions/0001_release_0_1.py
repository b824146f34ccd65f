"""Release 0.1's schema, as its CREATE TABLE IF NOT EXISTS statements made it.

A store written by 0.1 has these tables and no alembic_version; spaces.migrate recognises it and stamps it
with this revision instead of running it. Frozen: later changes go in later revisions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Float().with_variant(sa.REAL(), "sqlite")
AUTO = {"sqlite_autoincrement": True}


def _seq() -> sa.Column[int]:
    return sa.Column("seq", SEQ, primary_key=True, autoincrement=True)


def _text(name: str, nullable: bool = False, *, primary_key: bool = False, unique: bool = False,
          server_default: str | None = None) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=nullable, primary_key=primary_key, unique=unique,
                     server_default=server_default)


def _zero(name: str, kind: type[sa.Integer] | sa.types.TypeEngine[float] = sa.Integer) -> sa.Column[object]:
    return sa.Column(name, kind, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table("meta", _text("key", primary_key=True), _text("value"))
    op.create_table("accounts", _text("id", primary_key=True), _text("name"), _text("created_at"),
                    sa.Column("budget_usd", MONEY), sa.Column("spent_usd", MONEY, nullable=False,
                                                                 server_default="0"))
    op.create_table("workspaces", _seq(), _text("id", unique=True),
                    sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
                    _text("name"), _text("created_at"), **AUTO)
    op.create_index("workspaces_account", "workspaces", ["account_id", "seq"])
    op.create_table("api_keys", _text("id", primary_key=True),
                    sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
                    _text("key_hash", unique=True), _text("prefix"), _text("name"), _text("created_at"),
                    _text("default_workspace_id", True), _text("revoked_at", True))
    op.create_table("folders", _text("id", primary_key=True),
                    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
                    _text("name"), _text("created_at"))
    op.create_index("folders_workspace", "folders", ["workspace_id"])
    op.create_table("files", _seq(), _text("id", unique=True),
                    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
                    _text("folder_id", True), _text("name"), _text("mime_type"),
                    sa.Column("size_bytes", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
                    _text("sha256"), sa.Column("width", sa.Integer), sa.Column("height", sa.Integer),
                    _text("origin"), _text("metadata"), _text("created_at"), **AUTO)
    op.create_index("files_workspace", "files", ["workspace_id", "seq"])
    op.create_index("files_folder", "files", ["folder_id", "seq"])
    op.create_table("conversations", _text("id", primary_key=True),
                    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
                    _text("created_at"), _text("updated_at"))
    op.create_table("conversation_messages", _seq(),
                    sa.Column("conversation_id", sa.Text, sa.ForeignKey("conversations.id"), nullable=False),
                    _text("message"), _text("created_at"), **AUTO)
    op.create_index("conversation_messages_conv", "conversation_messages", ["conversation_id", "seq"])
    op.create_table("usage", _seq(), _text("id", unique=True), _text("account_id"), _text("workspace_id", True),
                    _text("key_id", True), _text("on_behalf_of", True), _text("kind"), _text("api"),
                    _text("operation", True), _text("model", True), _text("size", True),
                    _zero("n"), _text("prompt", True),
                    _zero("prompt_tokens"), _zero("completion_tokens"), _zero("cost_usd", MONEY),
                    _text("file_ids", server_default="[]"),
                    _text("status"), _text("created_at"), **AUTO)
    op.create_index("usage_account", "usage", ["account_id", "kind", "seq"])


def downgrade() -> None:
    for table in ("usage", "conversation_messages", "conversations", "files", "folders", "api_keys", "workspaces",
                  "accounts", "meta"):
        op.drop_table(table)
