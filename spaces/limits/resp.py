"""A lean Redis client for the limits' few commands: one connection, commands pipelined (replies come back in
the order the commands were sent, so any number of requests share it without a pool), RESP2 parsed in place.

Why not redis-py (which the tests and tools still use): the limits run on every request, and redis-py's
asyncio client spent 0.5 to 2 ms of the loop's time per EVALSHA on this machine (a pool checkout, a
liveness read, `wait_for` tasks around each read and write), against 0.04 to 0.11 ms for the same bytes
written and read on a bare connection and 33 µs for the script inside Redis; its hiredis parser would not
touch that, since parsing was under a tenth of it. See bench/backends.py for the figures of a run.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import Any
from urllib.parse import unquote, urlparse

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

TIMEOUT_S = 5.0


class _Incomplete(Exception):
    pass


def encode(args: tuple[Any, ...]) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


def parse(buf: bytearray, pos: int) -> tuple[Any, int]:
    """One RESP2 reply at `pos`: (value, position after it); raises _Incomplete when more bytes are needed.
    A server error comes back as a ResponseError value (the caller raises it)."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete
    kind, line = buf[pos:pos + 1], bytes(buf[pos + 1:end])
    pos = end + 2
    if kind == b"+":
        return line, pos
    if kind == b":":
        return int(line), pos
    if kind == b"-":
        error = NoScriptError if line.startswith(b"NOSCRIPT") else ResponseError
        return error(line.decode(errors="replace")), pos
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, pos
        if len(buf) < pos + size + 2:
            raise _Incomplete
        return bytes(buf[pos:pos + size]), pos + size + 2
    if kind == b"*":
        count = int(line)
        if count < 0:
            return None, pos
        items = []
        for _ in range(count):
            item, pos = parse(buf, pos)
            items.append(item)
        return items, pos
    raise RedisConnectionError(f"unexpected reply from Redis: {kind!r}")


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.buf = bytearray()
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        pos = 0
        try:
            while self.waiting and pos < len(self.buf):
                value, pos = parse(self.buf, pos)
                future = self.waiting.popleft()
                if not future.done():  # a caller that timed out or was cancelled no longer listens
                    future.set_result(value)
        except _Incomplete:
            pass
        except RedisConnectionError as exc:
            self._fail(exc)
            if self.transport is not None:
                self.transport.close()
        del self.buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._fail(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def _fail(self, exc: Exception) -> None:
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(exc)

    def send(self, payload: bytes) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(payload)
        self.waiting.append(future)
        return future


class Resp:
    """`await resp.call("ZREM", key, member)`; reconnects on the next call after the connection is lost."""

    def __init__(self, url: str) -> None:
        u = urlparse(url)
        if u.scheme not in ("redis", ""):
            raise ValueError("EASEL_REDIS_URL must be redis://[user:password@]host[:port][/db]")
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 6379
        self.username = unquote(u.username) if u.username else None
        self.password = unquote(u.password) if u.password else None
        self.db = int((u.path or "/0").strip("/") or 0)
        self._proto: _Protocol | None = None
        self._connecting: asyncio.Lock | None = None
        self._scripts: dict[bytes, bytes] = {}  # sha -> source, to load again after a restart of Redis

    async def _connection(self) -> _Protocol:
        proto = self._proto
        if proto is not None and not proto.lost:
            return proto
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._proto is None or self._proto.lost:
                try:
                    async with asyncio.timeout(TIMEOUT_S):
                        _, fresh = await asyncio.get_running_loop().create_connection(
                            _Protocol, self.host, self.port)
                        setup = []
                        if self.password is not None:
                            setup.append(("AUTH", *([self.username] if self.username else []), self.password))
                        if self.db:
                            setup.append(("SELECT", self.db))
                        for command in setup:
                            reply = await fresh.send(encode(command))
                            if isinstance(reply, Exception):
                                raise RedisConnectionError(f"Redis refused {command[0]}: {reply}")
                except (OSError, TimeoutError) as exc:
                    raise RedisConnectionError(f"cannot reach Redis at {self.host}:{self.port}: "
                                               f"{type(exc).__name__}") from None
                self._proto = fresh
            return self._proto

    async def call(self, *args: Any) -> Any:
        proto = await self._connection()
        try:
            async with asyncio.timeout(TIMEOUT_S):
                reply = await proto.send(encode(args))
        except TimeoutError:
            if proto.transport is not None:  # replies may still come, out of step with the callers: start over
                proto.transport.close()
            raise RedisTimeoutError(f"Redis did not answer {args[0]} within {TIMEOUT_S:.0f} s") from None
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def load(self, source: str) -> bytes:
        sha: bytes = await self.call("SCRIPT", "LOAD", source)
        self._scripts[sha] = source.encode()
        return sha

    async def evalsha(self, sha: bytes, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.call("EVALSHA", sha, len(keys), *keys, *args)
        except NoScriptError:  # Redis restarted or flushed its scripts
            return await self.call("EVAL", self._scripts[sha], len(keys), *keys, *args)

    async def aclose(self) -> None:
        if self._proto is not None and self._proto.transport is not None:
            with contextlib.suppress(Exception):
                self._proto.transport.close()
        self._proto = None
