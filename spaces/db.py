"""All SQL lives here: SQLite in WAL mode behind async methods.

One connection is used from one worker thread, so calls queue in order and the event loop never waits on
the disk. A Postgres store would implement the same methods (see `spaces.store.MetadataStore`).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from easel.spaces.records import Account, ApiKey, Conversation, FileRecord, Folder, UsageRecord, Workspace

T = TypeVar("T")
TITLE_CHARS = 80

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,
    budget_usd REAL, spent_usd REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS workspaces (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id), name TEXT NOT NULL, created_at TEXT NOT NULL,
    link_secret TEXT);
CREATE INDEX IF NOT EXISTS workspaces_account ON workspaces(account_id, seq);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), key_hash TEXT UNIQUE NOT NULL,
    prefix TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL,
    default_workspace_id TEXT, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS folders (
    id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS folders_workspace ON folders(workspace_id);
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id), folder_id TEXT,
    name TEXT NOT NULL, mime_type TEXT NOT NULL, size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
    width INTEGER, height INTEGER, origin TEXT NOT NULL, metadata TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS files_workspace ON files(workspace_id, seq);
CREATE INDEX IF NOT EXISTS files_folder ON files(folder_id, seq);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    title TEXT, message_count INTEGER NOT NULL DEFAULT 0, last_file_id TEXT);
CREATE TABLE IF NOT EXISTS conversation_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL REFERENCES conversations(id),
    message TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversation_messages_conv ON conversation_messages(conversation_id, seq);
CREATE TABLE IF NOT EXISTS usage (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, account_id TEXT NOT NULL,
    workspace_id TEXT, key_id TEXT, on_behalf_of TEXT, kind TEXT NOT NULL, api TEXT NOT NULL,
    operation TEXT, model TEXT, size TEXT, n INTEGER NOT NULL DEFAULT 0, prompt TEXT,
    prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0, file_ids TEXT NOT NULL DEFAULT '[]', status TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS usage_account ON usage(account_id, kind, seq);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _file(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        id=row["id"], workspace_id=row["workspace_id"], folder_id=row["folder_id"], name=row["name"],
        mime_type=row["mime_type"], size_bytes=row["size_bytes"], sha256=row["sha256"],
        width=row["width"], height=row["height"], origin=row["origin"],
        metadata=json.loads(row["metadata"]), created_at=row["created_at"], seq=row["seq"],
    )


def _workspace(row: sqlite3.Row) -> Workspace:
    return Workspace(id=row["id"], account_id=row["account_id"], name=row["name"], created_at=row["created_at"])


def _key(row: sqlite3.Row) -> ApiKey:
    return ApiKey(
        id=row["id"], account_id=row["account_id"], prefix=row["prefix"], name=row["name"],
        created_at=row["created_at"], default_workspace_id=row["default_workspace_id"],
        revoked_at=row["revoked_at"],
    )


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(id=row["id"], workspace_id=row["workspace_id"], title=row["title"] or "",
                        created_at=row["created_at"], updated_at=row["updated_at"],
                        message_count=row["message_count"], last_file_id=row["last_file_id"])


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


def _migrate(conn: sqlite3.Connection) -> None:
    """Stores written before conversations had titles and counts get the columns, filled from the messages."""
    columns = {r["name"] for r in conn.execute("PRAGMA table_info(conversations)")}
    if "title" in columns:
        return
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        for ddl in ("title TEXT", "message_count INTEGER NOT NULL DEFAULT 0", "last_file_id TEXT"):
            conn.execute(f"ALTER TABLE conversations ADD COLUMN {ddl}")
        for (conversation_id,) in conn.execute("SELECT id FROM conversations").fetchall():
            messages = [json.loads(r[0]) for r in conn.execute(
                "SELECT message FROM conversation_messages WHERE conversation_id=? ORDER BY seq", (conversation_id,))]
            conn.execute("UPDATE conversations SET title=?, message_count=?, last_file_id=? WHERE id=?",
                         (title_from(messages), thread_length(messages), last_file(messages), conversation_id))


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="easel-sql")
        self._conn: sqlite3.Connection | None = None

    # -- plumbing -------------------------------------------------------------------------------------
    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode is durable across application crashes; only an OS crash may lose the
        # last transactions, never corrupt the database.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.executescript(SCHEMA)
        _migrate(conn)
        conn.execute("CREATE INDEX IF NOT EXISTS conversations_recent ON conversations(workspace_id, updated_at, id)")
        # Stores made before workspaces had a link secret (the secret is made on first use).
        if "link_secret" not in {r["name"] for r in conn.execute("PRAGMA table_info(workspaces)")}:
            conn.execute("ALTER TABLE workspaces ADD COLUMN link_secret TEXT")
        self._conn = conn

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _q(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        assert self._conn is not None, "store used before open()"
        return self._conn.execute(sql, args).fetchall()

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        assert self._conn is not None, "store used before open()"
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            for sql, args in statements:
                self._conn.execute(sql, args)

    async def open(self) -> None:
        await self._run(self._open)

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(self._conn.close)
            self._conn = None
        self._pool.shutdown(wait=True)

    # -- meta -----------------------------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        rows = await self._run(self._q, "SELECT value FROM meta WHERE key=?", (key,))
        return rows[0]["value"] if rows else None

    async def set_meta_if_absent(self, key: str, value: str) -> str:
        def run() -> str:
            self._q("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, value))
            return str(self._q("SELECT value FROM meta WHERE key=?", (key,))[0]["value"])

        return await self._run(run)

    # -- accounts, workspaces, keys -------------------------------------------------------------------
    async def count_accounts(self) -> int:
        rows = await self._run(self._q, "SELECT COUNT(*) AS n FROM accounts")
        return int(rows[0]["n"])

    async def create_account(self, account_id: str, name: str) -> Account:
        created = now_iso()
        await self._run(self._tx, [("INSERT INTO accounts(id, name, created_at) VALUES (?,?,?)",
                                    (account_id, name, created))])
        return Account(id=account_id, name=name, created_at=created)

    async def get_account(self, account_id: str) -> Account | None:
        rows = await self._run(self._q, "SELECT * FROM accounts WHERE id=?", (account_id,))
        if not rows:
            return None
        r = rows[0]
        return Account(id=r["id"], name=r["name"], created_at=r["created_at"],
                       budget_usd=r["budget_usd"], spent_usd=r["spent_usd"])

    async def first_account(self) -> Account | None:
        rows = await self._run(self._q, "SELECT id FROM accounts ORDER BY created_at, id LIMIT 1")
        return await self.get_account(rows[0]["id"]) if rows else None

    async def set_budget(self, account_id: str, budget_usd: float | None) -> None:
        await self._run(self._tx, [("UPDATE accounts SET budget_usd=? WHERE id=?", (budget_usd, account_id))])

    async def create_workspace(self, workspace_id: str, account_id: str, name: str) -> Workspace:
        created = now_iso()
        await self._run(self._tx, [(
            "INSERT INTO workspaces(id, account_id, name, created_at) VALUES (?,?,?,?)",
            (workspace_id, account_id, name, created))])
        return Workspace(id=workspace_id, account_id=account_id, name=name, created_at=created)

    async def get_workspace(self, workspace_id: str) -> Workspace | None:
        rows = await self._run(self._q, "SELECT * FROM workspaces WHERE id=?", (workspace_id,))
        return _workspace(rows[0]) if rows else None

    async def list_workspaces(self, account_id: str) -> list[Workspace]:
        rows = await self._run(self._q, "SELECT * FROM workspaces WHERE account_id=? ORDER BY seq", (account_id,))
        return [_workspace(r) for r in rows]

    async def link_secret(self, workspace_id: str, fresh: str) -> str | None:
        """The workspace's link secret, set to `fresh` if it has none yet; None for no such workspace."""

        def run() -> str | None:
            rows = self._q("SELECT link_secret FROM workspaces WHERE id=?", (workspace_id,))
            if rows and rows[0]["link_secret"] is None:  # a write only the first time (another node may race)
                self._tx([("UPDATE workspaces SET link_secret=? WHERE id=? AND link_secret IS NULL",
                           (fresh, workspace_id))])
                rows = self._q("SELECT link_secret FROM workspaces WHERE id=?", (workspace_id,))
            return str(rows[0]["link_secret"]) if rows else None

        return await self._run(run)

    async def rotate_link_secret(self, workspace_id: str, fresh: str) -> bool:
        def run() -> bool:
            assert self._conn is not None
            with self._conn:
                cur = self._conn.execute("UPDATE workspaces SET link_secret=? WHERE id=?", (fresh, workspace_id))
                return cur.rowcount > 0

        return await self._run(run)

    async def create_key(self, key: ApiKey, key_hash: str) -> None:
        await self._run(self._tx, [(
            "INSERT INTO api_keys(id, account_id, key_hash, prefix, name, created_at, default_workspace_id)"
            " VALUES (?,?,?,?,?,?,?)",
            (key.id, key.account_id, key_hash, key.prefix, key.name, key.created_at, key.default_workspace_id))])

    async def key_by_hash(self, key_hash: str) -> ApiKey | None:
        rows = await self._run(self._q, "SELECT * FROM api_keys WHERE key_hash=?", (key_hash,))
        return _key(rows[0]) if rows else None

    async def list_keys(self, account_id: str | None = None) -> list[ApiKey]:
        if account_id is None:
            rows = await self._run(self._q, "SELECT * FROM api_keys ORDER BY created_at")
        else:
            rows = await self._run(self._q, "SELECT * FROM api_keys WHERE account_id=? ORDER BY created_at",
                                   (account_id,))
        return [_key(r) for r in rows]

    async def revoke_key(self, key_id_or_prefix: str) -> int:
        def run() -> int:
            assert self._conn is not None
            with self._conn:
                cur = self._conn.execute(
                    "UPDATE api_keys SET revoked_at=? WHERE (id=? OR prefix=?) AND revoked_at IS NULL",
                    (now_iso(), key_id_or_prefix, key_id_or_prefix))
                return cur.rowcount

        return await self._run(run)

    # -- folders --------------------------------------------------------------------------------------
    async def create_folder(self, folder: Folder) -> None:
        await self._run(self._tx, [("INSERT INTO folders(id, workspace_id, name, created_at) VALUES (?,?,?,?)",
                                    (folder.id, folder.workspace_id, folder.name, folder.created_at))])

    async def get_folder(self, folder_id: str) -> Folder | None:
        rows = await self._run(self._q, "SELECT * FROM folders WHERE id=?", (folder_id,))
        return Folder(**dict(rows[0])) if rows else None

    async def list_folders(self, workspace_id: str) -> list[Folder]:
        rows = await self._run(self._q, "SELECT * FROM folders WHERE workspace_id=? ORDER BY created_at, id",
                               (workspace_id,))
        return [Folder(**dict(r)) for r in rows]

    async def delete_folder(self, folder_id: str) -> list[str]:
        """Deletes the folder and the rows of its files; returns the file ids whose bytes must go."""

        def run() -> list[str]:
            ids = [r["id"] for r in self._q("SELECT id FROM files WHERE folder_id=?", (folder_id,))]
            self._tx([("DELETE FROM files WHERE folder_id=?", (folder_id,)),
                      ("DELETE FROM folders WHERE id=?", (folder_id,))])
            return ids

        return await self._run(run)

    # -- files ----------------------------------------------------------------------------------------
    async def insert_file(self, f: FileRecord) -> FileRecord:
        def run() -> FileRecord:
            self._tx([(
                "INSERT INTO files(id, workspace_id, folder_id, name, mime_type, size_bytes, sha256, width,"
                " height, origin, metadata, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (f.id, f.workspace_id, f.folder_id, f.name, f.mime_type, f.size_bytes, f.sha256, f.width,
                 f.height, f.origin, json.dumps(f.metadata), f.created_at))])
            return _file(self._q("SELECT * FROM files WHERE id=?", (f.id,))[0])

        return await self._run(run)

    async def get_file(self, file_id: str) -> FileRecord | None:
        rows = await self._run(self._q, "SELECT * FROM files WHERE id=?", (file_id,))
        return _file(rows[0]) if rows else None

    async def get_files(self, file_ids: list[str]) -> list[FileRecord]:
        if not file_ids:
            return []
        marks = ",".join("?" * len(file_ids))
        rows = await self._run(self._q, f"SELECT * FROM files WHERE id IN ({marks})", tuple(file_ids))
        return [_file(r) for r in rows]

    async def list_files(self, workspace_id: str, *, limit: int, before_seq: int | None,
                         folder_id: str | None = None) -> list[FileRecord]:
        sql = "SELECT * FROM files WHERE workspace_id=?"
        args: list[Any] = [workspace_id]
        if folder_id is not None:
            sql += " AND folder_id=?"
            args.append(folder_id)
        if before_seq is not None:
            sql += " AND seq<?"
            args.append(before_seq)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        rows = await self._run(self._q, sql, tuple(args))
        return [_file(r) for r in rows]

    async def file_by_sha256(self, workspace_id: str, sha256: str) -> FileRecord | None:
        rows = await self._run(self._q, "SELECT * FROM files WHERE workspace_id=? AND sha256=? ORDER BY seq LIMIT 1",
                               (workspace_id, sha256))
        return _file(rows[0]) if rows else None

    async def delete_file(self, file_id: str) -> None:
        await self._run(self._tx, [("DELETE FROM files WHERE id=?", (file_id,))])

    async def existing_file_ids(self, file_ids: list[str]) -> set[str]:
        return {f.id for f in await self.get_files(file_ids)}

    # -- conversations --------------------------------------------------------------------------------
    async def conversation_workspace(self, conversation_id: str) -> str | None:
        rows = await self._run(self._q, "SELECT workspace_id FROM conversations WHERE id=?", (conversation_id,))
        return str(rows[0]["workspace_id"]) if rows else None

    async def conversation_messages(self, conversation_id: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest `limit` messages (all when None), oldest first."""
        rows = await self._run(self._q, "SELECT message FROM (SELECT seq, message FROM conversation_messages"
                               " WHERE conversation_id=? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                               (conversation_id, -1 if limit is None else limit))
        return [json.loads(r["message"]) for r in rows]

    async def append_conversation(self, conversation_id: str, workspace_id: str,
                                  messages: list[dict[str, Any]]) -> None:
        def run() -> None:
            stamp = now_iso()
            last = self._q("SELECT message FROM conversation_messages WHERE conversation_id=?"
                           " ORDER BY seq DESC LIMIT 1", (conversation_id,))
            after = json.loads(last[0]["message"]).get("role") if last else None
            statements: list[tuple[str, tuple[Any, ...]]] = [(
                "INSERT INTO conversations(id, workspace_id, created_at, updated_at, title, message_count,"
                " last_file_id) VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " updated_at=excluded.updated_at, message_count=message_count + excluded.message_count,"
                " last_file_id=COALESCE(excluded.last_file_id, last_file_id), title=COALESCE(title, excluded.title)",
                (conversation_id, workspace_id, stamp, stamp, title_from(messages),
                 thread_length(messages, after_role=after), last_file(messages)))]
            statements += [("INSERT INTO conversation_messages(conversation_id, message, created_at)"
                            " VALUES (?,?,?)", (conversation_id, json.dumps(m), stamp)) for m in messages]
            self._tx(statements)

        await self._run(run)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        rows = await self._run(self._q, "SELECT * FROM conversations WHERE id=?", (conversation_id,))
        return _conversation(rows[0]) if rows else None

    async def list_conversations(self, workspace_id: str, *, limit: int,
                                 before: tuple[str, str] | None) -> list[Conversation]:
        """Newest activity first; `before` is the (updated_at, id) of the last one already seen."""
        sql, args = "SELECT * FROM conversations WHERE workspace_id=?", [workspace_id]
        if before is not None:
            sql += " AND (updated_at < ? OR (updated_at = ? AND id < ?))"
            args += [before[0], before[0], before[1]]
        rows = await self._run(self._q, sql + " ORDER BY updated_at DESC, id DESC LIMIT ?", (*args, limit))
        return [_conversation(r) for r in rows]

    async def set_conversation_title(self, conversation_id: str, title: str) -> None:
        await self._run(self._tx, [("UPDATE conversations SET title=?, updated_at=? WHERE id=?",
                                    (title, now_iso(), conversation_id))])

    async def delete_conversation(self, conversation_id: str) -> None:
        await self._run(self._tx, [("DELETE FROM conversation_messages WHERE conversation_id=?", (conversation_id,)),
                                   ("DELETE FROM conversations WHERE id=?", (conversation_id,))])

    # -- usage ----------------------------------------------------------------------------------------
    async def record_usage(self, u: UsageRecord) -> None:
        """The record and the account's spend move together, in one transaction."""
        await self._run(self._tx, [
            ("INSERT INTO usage(id, account_id, workspace_id, key_id, on_behalf_of, kind, api, operation, model,"
             " size, n, prompt, prompt_tokens, completion_tokens, cost_usd, file_ids, status, created_at)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             (u.id, u.account_id, u.workspace_id, u.key_id, u.on_behalf_of, u.kind, u.api, u.operation, u.model,
              u.size, u.n, u.prompt, u.prompt_tokens, u.completion_tokens, u.cost_usd, json.dumps(u.file_ids),
              u.status, u.created_at)),
            ("UPDATE accounts SET spent_usd = spent_usd + ? WHERE id=?", (u.cost_usd, u.account_id)),
        ])

    async def list_usage(self, account_id: str, *, kind: str, limit: int, offset: int) -> tuple[list[UsageRecord], int]:
        def run() -> tuple[list[UsageRecord], int]:
            rows = self._q("SELECT * FROM usage WHERE account_id=? AND kind=? ORDER BY seq DESC LIMIT ? OFFSET ?",
                           (account_id, kind, limit, offset))
            total = self._q("SELECT COUNT(*) AS n FROM usage WHERE account_id=? AND kind=?", (account_id, kind))
            return [_usage(r) for r in rows], int(total[0]["n"])

        return await self._run(run)

    async def usage_by_id(self, usage_id: str) -> UsageRecord | None:
        rows = await self._run(self._q, "SELECT * FROM usage WHERE id=?", (usage_id,))
        return _usage(rows[0]) if rows else None


def _usage(r: sqlite3.Row) -> UsageRecord:
    fields = dict(r)
    fields.pop("seq")
    fields["file_ids"] = json.loads(fields["file_ids"])
    return UsageRecord(**fields)
