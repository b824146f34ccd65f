"""`easel mcp --stdio`: for desktop assistants that start a local command, an MCP server on stdin/stdout that
forwards every message to an Easel server's `/mcp` by URL and key.

It is a relay of the SDK's own transports (stdio on one side, streamable HTTP with the key as bearer on the
other), so whatever the HTTP surface offers, and its isolation, limits and budgets, is what the assistant
gets; nothing is answered locally.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import anyio
from mcp.client.streamable_http import streamable_http_client
from mcp.server.stdio import stdio_server
from mcp.shared._httpx_utils import create_mcp_http_client

log = logging.getLogger("easel.mcp_stdio")


async def _pump(source: Any, sink: Any, scope: anyio.CancelScope, what: str) -> None:
    async for message in source:
        if isinstance(message, Exception):  # a transport problem; say it where a person can read it
            print(f"easel mcp: {what}: {message}", file=sys.stderr, flush=True)
            continue
        await sink.send(message)
    scope.cancel()  # one side ended (the assistant closed stdin): so does the relay


async def relay(url: str, key: str) -> None:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http, streamable_http_client(url, http_client=http) as remote, stdio_server() as local:
        remote_read, remote_write = remote[0], remote[1]
        local_read, local_write = local
        async with anyio.create_task_group() as tg:
            tg.start_soon(_pump, local_read, remote_write, tg.cancel_scope, "from the assistant")
            tg.start_soon(_pump, remote_read, local_write, tg.cancel_scope, f"from {url}")


def run(url: str, key: str) -> None:
    anyio.run(relay, url, key)
