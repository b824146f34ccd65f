"""Workspaces get a link secret, which signs their lasting file links (made on first use); files are found by
their bytes' hash within a workspace through an index.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("link_secret", sa.Text))
    op.create_index("files_sha256", "files", ["workspace_id", "sha256"])


def downgrade() -> None:
    op.drop_index("files_sha256", "files")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("link_secret")
