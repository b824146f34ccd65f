"""The client commands of `easel` (chat, files, conversations), against EASEL_URL with EASEL_API_KEY.

Each returns the exit status: 0, or 1 with the server's message on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from easel.agent.client import Client, ClientError
from easel.agent.progress import Progress


def _fail(message: str) -> int:
    sys.stderr.write(f"easel: {message}\n")
    sys.stderr.flush()
    return 1


def run(command: Callable[[Client, argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        with Client(base_url=args.url) as client:
            return command(client, args)
    except ClientError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")


def _free_path(folder: Path, name: str) -> Path:
    """`name` in `folder`, or name-1, name-2, ... when taken: a saved image never overwrites a file."""
    name = Path(name).name or "image.png"
    candidate = folder / name
    stem, suffix = candidate.stem, candidate.suffix
    n = 1
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


# -- chat --------------------------------------------------------------------------------------------
def _conversation_id(client: Client, args: argparse.Namespace, workspace_id: str) -> str | None:
    if args.conversation:
        return str(args.conversation)
    if not args.continue_:
        return None
    latest = client.conversations(workspace_id, limit=1)["conversations"]
    if not latest:
        raise ClientError("--continue: this workspace has no conversation yet")
    return str(latest[0]["id"])


def chat(client: Client, args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    if not out_dir.is_dir():
        raise ClientError(f"--out {out_dir}: no such folder")
    workspace_id = client.workspace(args.workspace)
    body: dict[str, Any] = {"messages": [{"role": "user", "content": args.message}], "workspace_id": workspace_id}
    if conversation_id := _conversation_id(client, args, workspace_id):
        body["conversation_id"] = conversation_id
    if args.file:
        body["file_ids"] = [client.upload(Path(p), workspace_id)["fileId"] for p in args.file]
    progress = Progress(sys.stdout, sys.stderr, interactive=sys.stderr.isatty())
    try:
        for event in client.chat(body):
            kind = event.get("type")
            if kind == "ai_chunk":
                progress.text(str(event.get("content", "")))
            elif kind == "tool_status":
                progress.tool(event)
            elif kind == "media_item":
                dest = _free_path(out_dir, str(event.get("name") or "image.png"))
                client.download(str(event["url"]), dest)
                progress.line(f"saved {dest}")
            elif kind == "ai_complete":
                progress.line(f"conversation {event.get('conversation_id')} (continue with --continue)",
                              to_err=True)
    finally:
        progress.close()
    return 0


# -- files -------------------------------------------------------------------------------------------
def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def files_upload(client: Client, args: argparse.Namespace) -> int:
    workspace_id = client.workspace(args.workspace)
    for path in args.paths:
        made = client.upload(Path(path), workspace_id, folder_id=args.folder)
        print(f"{made['fileId']}\t{made['name']}\t{_size(made['sizeBytes'])}")
    return 0


def files_list(client: Client, args: argparse.Namespace) -> int:
    page = client.files(client.workspace(args.workspace), limit=args.limit, cursor=args.cursor,
                        folder_id=args.folder)
    for f in page["files"]:
        print(f"{f['fileId']}\t{f['createdAt']}\t{_size(f['sizeBytes'])}\t{f['name']}")
    if page["pagination"]["hasMore"]:
        sys.stderr.write(f"more: --cursor {page['pagination']['cursor']}\n")
    return 0


def files_download(client: Client, args: argparse.Namespace) -> int:
    workspace_id = client.workspace(args.workspace)
    dest = Path(args.output or ".")
    if dest.is_dir():  # named after the file, never over another
        dest = _free_path(dest, str(client.file(args.file_id, workspace_id)["name"]))
    size = client.download(f"/v1/storage/files/{args.file_id}/content", dest, workspace_id=workspace_id)
    print(f"saved {dest} ({_size(size)})")
    return 0


def files_rm(client: Client, args: argparse.Namespace) -> int:
    workspace_id = client.workspace(args.workspace)
    for file_id in args.file_ids:
        client.delete_file(file_id, workspace_id)
        print(f"deleted {file_id}")
    return 0


# -- conversations -----------------------------------------------------------------------------------
def conversations_list(client: Client, args: argparse.Namespace) -> int:
    page = client.conversations(client.workspace(args.workspace), limit=args.limit, cursor=args.cursor)
    for c in page["conversations"]:
        print(f"{c['id']}\t{c['updated_at']}\t{c['message_count']} messages\t{c['title']}")
    if page["pagination"]["has_more"]:
        sys.stderr.write(f"more: --cursor {page['pagination']['cursor']}\n")
    return 0


def conversations_show(client: Client, args: argparse.Namespace) -> int:
    got = client.conversation(args.conversation_id, client.workspace(args.workspace))
    print(f"# {got['title']}  ({got['id']}, {got['message_count']} messages)\n")
    for m in got["messages"]:
        who = "you" if m["role"] == "user" else "easel" if m["role"] == "assistant" else m["role"]
        print(f"{who}: {m['content']}")
        for call in m.get("tool_calls", []):
            reason = f": {call['error']}" if call.get("error") else ""
            print(f"  [{call['tool']} {call['status']}{reason}]")
        for media in m.get("media", []):
            print(f"  {media['file_id']}  {media['name']}  {media['url']}")
        print()
    return 0
