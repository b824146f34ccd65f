"""The limits middleware over real HTTP: unknown keys leave nothing behind (memory stays flat under 100,000
random keys), and only keys that authenticate are counted."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.serverproc import EaselServer

KEY = "esk_middleware_test_key_000000000000000"


async def _random_keys(port: int, n: int, *, connections: int = 8, batch: int = 50) -> dict[int, int]:
    """`n` requests, each with a new random key, pipelined over a few keep-alive connections: a client this
    cheap leaves the CPU to the server (an HTTP client library would spend more time than the server)."""
    statuses: dict[int, int] = {}

    async def connection(count: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for start in range(0, count, batch):
                size = min(batch, count - start)
                writer.write(b"".join(
                    b"GET /v1/workspaces HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: esk_"
                    + secrets.token_urlsafe(32).encode() + b"\r\n\r\n" for _ in range(size)))
                await writer.drain()
                for _ in range(size):
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head.split(b" ", 2)[1])
                    length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
                    await reader.readexactly(length)
                    statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(n // connections) for _ in range(connections)))
    return statuses


@pytest.mark.slow
def test_100k_random_keys_grow_memory_by_at_most_5_mb(tmp_path: Path) -> None:
    """On the default limits (the embedded file shared by the machine's processes)."""
    with EaselServer(tmp_path, key=KEY) as server:
        server.wait_warm()
        asyncio.run(_random_keys(server.port, 5_000))  # allocator and caches reach their working size
        before = server.rss_kb()
        statuses = asyncio.run(_random_keys(server.port, 100_000))
        grown_kb = server.rss_kb() - before
        assert statuses == {401: 100_000}
        print(f"RSS after 100,000 random keys: {grown_kb:+d} KB")
        assert grown_kb <= 5 * 1024, f"RSS grew by {grown_kb} KB"
        # the key that does authenticate is counted as before
        r = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY})
        assert (r.status_code, r.headers["x-ratelimit-remaining-requests"]) == (200, "59")
    with sqlite3.connect(tmp_path / "limits.db") as db:
        assert db.execute("SELECT COUNT(*) FROM hits").fetchone()[0] == 1  # the one real key's request
