"""The store's tables, once, for every dialect. Migrations (spaces/migrations) move a store to match them.

Times are ISO-8601 text and JSON is text, as release 0.1 wrote them: one form on SQLite and PostgreSQL, and a
0.1 store upgrades without rewriting a row. Sequence columns order lists and cursors: INTEGER PRIMARY KEY
AUTOINCREMENT on SQLite (never reused), BIGSERIAL on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Float().with_variant(sa.REAL(), "sqlite")  # double precision on PostgreSQL; REAL, as 0.1 had, on SQLite


def _seq() -> sa.Column[int]:
    return sa.Column("seq", SEQ, primary_key=True, autoincrement=True)


meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("budget_usd", MONEY),
    sa.Column("spent_usd", MONEY, nullable=False, server_default="0"),
)

workspaces = sa.Table(
    "workspaces", metadata,
    _seq(),
    sa.Column("id", sa.Text, unique=True, nullable=False),
    sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("link_secret", sa.Text),  # signs the workspace's lasting links; made on first use
    sa.Index("workspaces_account", "account_id", "seq"),
    sqlite_autoincrement=True,
)

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("key_hash", sa.Text, unique=True, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("default_workspace_id", sa.Text),
    sa.Column("revoked_at", sa.Text),
)

folders = sa.Table(
    "folders", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Index("folders_workspace", "workspace_id"),
)

files = sa.Table(
    "files", metadata,
    _seq(),
    sa.Column("id", sa.Text, unique=True, nullable=False),
    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("folder_id", sa.Text),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("mime_type", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Index("files_workspace", "workspace_id", "seq"),
    sa.Index("files_folder", "folder_id", "seq"),
    sa.Index("files_sha256", "workspace_id", "sha256"),  # a stateless client re-sending an image it sent before
    sqlite_autoincrement=True,
)

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("message_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_file_id", sa.Text),
    sa.Index("conversations_recent", "workspace_id", "updated_at", "id"),
)

conversation_messages = sa.Table(
    "conversation_messages", metadata,
    _seq(),
    sa.Column("conversation_id", sa.Text, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Index("conversation_messages_conv", "conversation_id", "seq"),
    sqlite_autoincrement=True,
)

usage = sa.Table(
    "usage", metadata,
    _seq(),
    sa.Column("id", sa.Text, unique=True, nullable=False),
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("workspace_id", sa.Text),
    sa.Column("key_id", sa.Text),
    sa.Column("on_behalf_of", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("api", sa.Text, nullable=False),
    sa.Column("operation", sa.Text),
    sa.Column("model", sa.Text),
    sa.Column("size", sa.Text),
    sa.Column("n", sa.Integer, nullable=False, server_default="0"),
    sa.Column("prompt", sa.Text),
    sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cost_usd", MONEY, nullable=False, server_default="0"),
    sa.Column("file_ids", sa.Text, nullable=False, server_default="[]"),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Index("usage_account", "account_id", "kind", "seq"),
    sqlite_autoincrement=True,
)

# Video jobs: asynchronous, so any process or node can answer a poll and a restart finds them.
video_jobs = sa.Table(
    "video_jobs", metadata,
    _seq(),
    sa.Column("id", sa.Text, unique=True, nullable=False),
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("workspace_id", sa.Text, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("key_id", sa.Text),
    sa.Column("api", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # queued, in_progress, completed, failed, cancelled
    sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("params", sa.Text, nullable=False, server_default="{}"),  # seconds, size, seed, motion, cfg
    sa.Column("source_file_id", sa.Text),
    sa.Column("file_id", sa.Text),
    sa.Column("poster_file_id", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("lease_until", sa.Float),  # a running job's runner renews this; past it, the runner is gone
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Index("video_jobs_account", "account_id", "seq"),
    sa.Index("video_jobs_status", "status"),
    sqlite_autoincrement=True,
)

# Idempotency keys (Stripe's semantics): a POST sent with `Idempotency-Key` claims a row here before it runs; the
# primary key is a hash of (account, on-behalf-of, method, path, key), so of two processes racing with one key the
# unique constraint lets exactly one claim it. A finished request leaves its response to replay for 24 h.
idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("id", sa.Text, primary_key=True),  # sha256 hex of the scope and the key
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("idem_key", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # running, done
    sa.Column("owner", sa.Text, nullable=False),  # the claim's own token: only its holder finishes or releases it
    sa.Column("lease_until", sa.Float, nullable=False),  # a running claim's holder renews this; past it, it is gone
    sa.Column("expires_at", sa.Float, nullable=False),  # epoch seconds: the claim's start plus 24 h
    sa.Column("fingerprint", sa.Text),  # sha256 of the request (query, content type, body)
    sa.Column("body_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
    sa.Column("status", sa.Integer),
    sa.Column("headers", sa.Text),  # JSON list of [name, value]
    sa.Column("body", sa.LargeBinary),  # NULL for a response over the bound kept
    sa.Index("idempotency_keys_expiry", "expires_at"),
)
