"""Video jobs: a row per asynchronous video, with its state, progress and result files.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # as 0001 has it: a migration keeps its own types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "video_jobs",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.Text, unique=True, nullable=False),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("key_id", sa.Text),
        sa.Column("api", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("source_file_id", sa.Text),
        sa.Column("file_id", sa.Text),
        sa.Column("poster_file_id", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("lease_until", sa.Float),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("video_jobs_account", "video_jobs", ["account_id", "seq"])
    op.create_index("video_jobs_status", "video_jobs", ["status"])


def downgrade() -> None:
    op.drop_table("video_jobs")
