"""Outside services for backend tests: an S3 wire-protocol server (moto's server mode, started here on loopback
and stopped by the test that started it) and the Redis the machine runs (a key prefix of its own per run).

A test that needs a service and does not find it skips with the reason; under CI (CI=true) it fails instead,
since CI must provide every service."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.serverproc import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
S3_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must provide this service: {reason}")
    pytest.skip(reason)


def _moto_command() -> list[str] | None:
    exe = Path(sys.executable).with_name("moto_server")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("moto_server")
    return [found] if found else None


class MotoServer:
    """moto's S3 server on a free loopback port; `bucket()` makes a fresh bucket."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MotoServer:
        command = _moto_command()
        if command is None:
            unavailable("moto_server is not installed (pip install 'moto[server]')")
        assert command is not None
        self.proc = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited at start")
            try:
                httpx.get(self.endpoint, timeout=0.5)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("moto_server did not answer within 30 s")

    def bucket(self) -> str:
        name = f"easel-{secrets.token_hex(4)}"
        httpx.put(f"{self.endpoint}/{name}").raise_for_status()
        return name

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in the bucket and its bytes, read with a client of its own (not through Easel)."""
        import obstore
        from obstore.store import S3Store

        store = S3Store(bucket, endpoint=self.endpoint, allow_http=True, region="us-east-1",
                        access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"], secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"])
        paths = [m["path"] for batch in obstore.list(store) for m in batch]
        return {p: bytes(obstore.get(store, p).bytes()) for p in paths}

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@dataclass
class S3Target:
    server: MotoServer
    bucket: str
    prefix: str = "easel"

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def env(self) -> dict[str, str]:
        return {**S3_ENV, "EASEL_BLOB_URL": self.url, "EASEL_S3_ENDPOINT_URL": self.server.endpoint}

    def objects(self) -> dict[str, bytes]:
        return {k.removeprefix(self.prefix + "/"): v for k, v in self.server.objects(self.bucket).items()}


def redis_prefix() -> str:
    return f"easel-test-{secrets.token_hex(6)}"


def redis_or_skip() -> str:
    """The Redis URL if a Redis answers there."""
    try:
        import redis
    except ImportError:
        unavailable("the redis client is not installed")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure to reach it means: not available here
        unavailable(f"no Redis at {REDIS_URL}: {type(exc).__name__}")
    return REDIS_URL


def drop_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
