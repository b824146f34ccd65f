"""The `easel` command: serve, manage workspaces and keys in the store, and (as a client of a running
server) chat, files and conversations."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from easel.agent.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {k: v for k, v in {
        "host": getattr(args, "host", None), "port": getattr(args, "port", None),
        "data_dir": getattr(args, "data_dir", None), "bootstrap_key": getattr(args, "bootstrap_key", None),
        "workers": getattr(args, "workers", None),
    }.items() if v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"EASEL_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        sys.exit(f"easel: bad configuration: {problems}")
    except SettingsError as exc:
        sys.exit(f"easel: bad configuration: {exc}")


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = _settings(args)
    _metrics_dir(settings)  # before the app, and so prometheus-client, is imported
    from easel.agent import logs
    from easel.agent.surfaces.app import create_app, prepare

    common: dict[str, Any] = dict(host=settings.host, port=settings.port, log_level=settings.log_level,
                                  loop="uvloop", http="httptools", proxy_headers=False,
                                  timeout_graceful_shutdown=int(settings.shutdown_grace_s) + 5, access_log=False,
                                  log_config=logs.config(fmt=settings.log_format, level=settings.log_level))
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **common)
        return
    # Several workers: this process migrates, sweeps and bootstraps once, then uvicorn starts the workers, each
    # building its app by import string from the environment (the command line's data dir carried there).
    asyncio.run(prepare(settings))
    os.environ["EASEL_DATA_DIR"] = str(settings.data_dir)
    uvicorn.run("easel.agent.surfaces.app:worker_app", factory=True, workers=settings.workers, **common)


def _metrics_dir(settings: Settings) -> None:
    """Metrics shared by all worker processes, in `data_dir/metrics/<pid>`, made fresh at each start.
    prometheus-client reads the variable when it is first imported, so it is set before the app (and with
    it the metrics) is imported. Directories of servers no longer running are removed; another live server
    sharing the data dir keeps its own."""
    root = settings.data_dir / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if not (old.name.isdigit() and _alive(int(old.name))) or int(old.name) == os.getpid():
            shutil.rmtree(old, ignore_errors=True)
    mine = root / str(os.getpid())
    mine.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(mine)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _with_space(args: argparse.Namespace, work: Callable[[Any], Awaitable[None]]) -> None:
    from easel.spaces.space import Space

    settings = _settings(args)

    async def run() -> None:
        # No sweep of the blob store here: a server may be running beside this command, mid-upload.
        space = await Space.open(data_dir=settings.data_dir, database_url=settings.store_url,
                                 blob_url=settings.blob_url, s3_endpoint_url=settings.s3_endpoint_url, recover=False)
        try:
            await work(space)
        finally:
            await space.close()

    asyncio.run(run())


async def _account_id(space: Any, workspace_id: str | None) -> tuple[str, str | None]:
    if workspace_id:
        workspace = await space.workspace_by_id(workspace_id)
        if workspace is None:
            sys.exit(f"easel: no workspace {workspace_id}")
        return workspace.account_id, workspace.id
    account = await space.first_account()
    if account is None:
        account = await space.create_account("default")
    return account.id, None


def accounts_create(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        account = await space.create_account(args.name)
        workspace = await space.create_workspace(account.id, args.workspace_name)
        record, secret = await space.create_key(account.id, workspace_id=workspace.id, name="owner")
        print(f"account:   {account.id}\nworkspace: {workspace.id}\nkey id:    {record.id}\napi key:   {secret}")

    _with_space(args, work)


def accounts_budget(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        if await space.account(args.account) is None:
            sys.exit(f"easel: no account {args.account}")
        budget = None if args.amount.lower() == "none" else float(args.amount)
        await space.set_budget(args.account, budget)
        print(f"{args.account}: budget {'unlimited' if budget is None else f'${budget:.2f}'}")

    _with_space(args, work)


def workspaces_create(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        account_id = args.account or (await _account_id(space, None))[0]
        if await space.account(account_id) is None:
            sys.exit(f"easel: no account {account_id}")
        workspace = await space.create_workspace(account_id, args.name)
        print(workspace.id)

    _with_space(args, work)


def workspaces_rotate_links(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        if not await space.rotate_links(args.workspace):
            sys.exit(f"easel: no workspace {args.workspace}")
        print(f"{args.workspace}: every lasting file link made so far stopped working; new ones work")

    _with_space(args, work)


def keys_create(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        account_id, workspace_id = await _account_id(space, args.workspace)
        if workspace_id is None and not await space.account_workspaces(account_id):
            workspace_id = (await space.create_workspace(account_id, "default")).id
        record, secret = await space.create_key(account_id, workspace_id=workspace_id, name=args.name)
        print(f"key id:  {record.id}\napi key: {secret}\n(shown once; only its hash is stored)")

    _with_space(args, work)


def keys_revoke(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        if not await space.revoke_key(args.key_id):
            sys.exit(f"easel: no active key {args.key_id}")
        print(f"revoked {args.key_id}")

    _with_space(args, work)


def keys_list(args: argparse.Namespace) -> None:
    async def work(space: Any) -> None:
        for key in await space.list_keys():
            state = f"revoked {key.revoked_at}" if key.revoked_at else "active"
            print(f"{key.id}\t{key.prefix}…\t{key.account_id}\t{key.default_workspace_id or '-'}\t{state}")

    _with_space(args, work)


def _client(command_name: str) -> Callable[[argparse.Namespace], None]:
    def call(args: argparse.Namespace) -> None:
        from easel.agent import client_commands

        sys.exit(client_commands.run(getattr(client_commands, command_name), args))

    return call


def _client_parsers(sub: Any) -> None:
    """Commands that talk to a running server over HTTP (EASEL_URL, EASEL_API_KEY), like any client."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="the server (EASEL_URL, default http://127.0.0.1:8000)")
    common.add_argument("--workspace", help="workspace id (default: the key's default workspace)")
    p = sub.add_parser("chat", parents=[common], help="chat with a running server; images are saved to --out")
    p.add_argument("message")
    p.add_argument("--file", action="append", metavar="PATH", help="attach an image (repeatable)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--continue", dest="continue_", action="store_true",
                       help="continue the workspace's most recent conversation")
    which.add_argument("--conversation", metavar="ID", help="continue this conversation")
    p.add_argument("--out", default=".", help="folder for the images made (default: .)")
    p.set_defaults(func=_client("chat"))
    files = sub.add_parser("files", help="files in the Space").add_subparsers(dest="action", required=True)
    p = files.add_parser("upload", parents=[common], help="upload files")
    p.add_argument("paths", nargs="+")
    p.add_argument("--folder", help="folder id")
    p.set_defaults(func=_client("files_upload"))
    p = files.add_parser("list", parents=[common], help="list files, newest first")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--cursor")
    p.add_argument("--folder", help="folder id")
    p.set_defaults(func=_client("files_list"))
    p = files.add_parser("download", parents=[common], help="download a file")
    p.add_argument("file_id")
    p.add_argument("-o", "--output", help="file or folder to write (default: its own name here)")
    p.set_defaults(func=_client("files_download"))
    p = files.add_parser("rm", parents=[common], help="delete files")
    p.add_argument("file_ids", nargs="+")
    p.set_defaults(func=_client("files_rm"))
    convs = sub.add_parser("conversations", help="conversations kept by the server").add_subparsers(
        dest="action", required=True)
    p = convs.add_parser("list", parents=[common], help="list conversations, newest activity first")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--cursor")
    p.set_defaults(func=_client("conversations_list"))
    p = convs.add_parser("show", parents=[common], help="print a conversation")
    p.add_argument("conversation_id")
    p.set_defaults(func=_client("conversations_show"))


def mcp(args: argparse.Namespace) -> None:
    import os

    from easel.agent.surfaces import mcp_stdio

    if not args.stdio:
        sys.exit("easel mcp: only --stdio is offered here; `easel serve` serves MCP over HTTP at /mcp")
    key = args.key or os.environ.get("EASEL_API_KEY")
    if not key:
        sys.exit("easel mcp: give the server's API key with --key or EASEL_API_KEY")
    mcp_stdio.run(args.url, key)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="easel", description="Easel, a conversational image server")
    root.add_argument("--data-dir", help="where the store lives (EASEL_DATA_DIR, default ./.easel)")
    sub = root.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="start the server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--bootstrap-key", help="the key to create on the first start (EASEL_BOOTSTRAP_KEY)")
    p.add_argument("--workers", type=int, help="worker processes sharing the port (EASEL_WORKERS, default 1)")
    p.set_defaults(func=serve)
    acc = sub.add_parser("accounts", help="manage accounts").add_subparsers(dest="action", required=True)
    p = acc.add_parser("create", help="create an account with a workspace and a key (printed once)")
    p.add_argument("name")
    p.add_argument("--workspace-name", default="default")
    p.set_defaults(func=accounts_create)
    p = acc.add_parser("budget", help="set an account's budget in USD ('none' for unlimited)")
    p.add_argument("account")
    p.add_argument("amount")
    p.set_defaults(func=accounts_budget)
    ws = sub.add_parser("workspaces", help="manage workspaces").add_subparsers(dest="action", required=True)
    p = ws.add_parser("create", help="create a workspace in the first account, or in --account's")
    p.add_argument("name")
    p.add_argument("--account", help="the account (default: the first one)")
    p.set_defaults(func=workspaces_create)
    p = ws.add_parser("rotate-links", help="revoke every lasting file link of a workspace (new links work)")
    p.add_argument("workspace")
    p.set_defaults(func=workspaces_rotate_links)
    ks = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="action", required=True)
    p = ks.add_parser("create", help="create a key (printed once)")
    p.add_argument("--workspace", help="the workspace the key defaults to (its account is the key's)")
    p.add_argument("--name", default="cli")
    p.set_defaults(func=keys_create)
    p = ks.add_parser("revoke", help="revoke a key by id or prefix")
    p.add_argument("key_id")
    p.set_defaults(func=keys_revoke)
    ks.add_parser("list", help="list keys (never the keys themselves)").set_defaults(func=keys_list)
    _client_parsers(sub)
    p = sub.add_parser("mcp", help="an MCP server on stdin/stdout that forwards to an Easel server's /mcp")
    p.add_argument("--stdio", action="store_true", help="speak MCP on stdin/stdout (for desktop assistants)")
    p.add_argument("--url", default="http://127.0.0.1:8000/mcp", help="the server's MCP endpoint")
    p.add_argument("--key", help="the API key (or EASEL_API_KEY)")
    p.set_defaults(func=mcp)
    p = sub.add_parser("eval", help="score a brain on a labelled set of requests (default: the project's own)")
    p.add_argument("cases", nargs="?", help="a JSONL file of labelled cases (see README: Comparing brains)")
    p.add_argument("--model", help="the brain to score: any litellm model (default: EASEL_CHAT_MODEL)")
    p.add_argument("--out", help="where to write the JSON report (default: eval-report.json)")
    p.set_defaults(func=run_eval)
    return root


def run_eval(args: argparse.Namespace) -> None:
    from easel.agent.evaluation import main as evaluate

    raise SystemExit(evaluate(args.cases, args.model, args.out))


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
