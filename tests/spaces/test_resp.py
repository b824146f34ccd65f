"""The limits' lean Redis client: replies split anywhere in the byte stream, many callers pipelined on one
connection each getting its own reply, server errors raised, and a connection Redis dropped made again."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from easel.spaces.limits.resp import Resp, _Incomplete, encode, parse
from tests.services import drop_redis_prefix, redis_or_skip, redis_prefix

pytestmark = pytest.mark.anyio
REPLY = b"*4\r\n:2\r\n$5\r\nhello\r\n$-1\r\n*2\r\n+OK\r\n$0\r\n\r\n"


def test_a_reply_is_parsed_only_once_it_is_whole() -> None:
    for cut in range(len(REPLY)):
        with pytest.raises(_Incomplete):
            parse(bytearray(REPLY[:cut]), 0)
    assert parse(bytearray(REPLY + b":7\r\n"), 0) == ([2, b"hello", None, [b"OK", b""]], len(REPLY))
    err, _ = parse(bytearray(b"-ERR wrong\r\n"), 0)
    assert isinstance(err, ResponseError) and str(err) == "ERR wrong"
    assert encode(("SET", "k", 1.5, b"\x00")) == b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n1.5\r\n$1\r\n\x00\r\n"


async def test_pipelined_callers_each_get_their_own_reply_and_a_dropped_connection_is_made_again() -> None:
    url = redis_or_skip()
    prefix = redis_prefix()
    resp = Resp(url)
    try:
        keys = [f"{prefix}:{i}" for i in range(200)]
        values = [f"v{secrets.token_hex(i % 7 + 1) * (i % 50 + 1)}" for i in range(200)]  # "v": never a number
        sets = (resp.call("SET", k, v) for k, v in zip(keys, values, strict=True))
        assert await asyncio.gather(*sets) == [b"OK"] * 200
        assert await asyncio.gather(*(resp.call("GET", k) for k in keys)) == [v.encode() for v in values]
        with pytest.raises(ResponseError):
            await resp.call("INCR", keys[0])  # not an integer: the server's error, raised to the caller
        assert await resp.call("GET", keys[1]) == values[1].encode()  # the connection is still in step
        own = await resp.call("CLIENT", "ID")
        killer = Resp(url)
        assert await killer.call("CLIENT", "KILL", "ID", own) == 1
        await killer.aclose()
        try:
            again = await resp.call("GET", keys[2])
        except RedisConnectionError:  # written before the close reached us: that caller sees the loss
            again = await resp.call("GET", keys[2])
        assert again == values[2].encode()  # on a connection made again
        assert await resp.call("CLIENT", "ID") != own
    finally:
        await resp.aclose()
        drop_redis_prefix(prefix)


async def test_an_unreachable_redis_is_a_connection_error() -> None:
    resp = Resp("redis://127.0.0.1:1/0")
    with pytest.raises(RedisConnectionError, match="cannot reach Redis"):
        await resp.call("PING")
