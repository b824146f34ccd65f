"""The backend sets the suites run against, and the services behind them.

"embedded" is the default a plain `make run` uses: SQLite and a local folder, no services. "services" is a
deployment's: PostgreSQL, an S3 object store (moto's server on loopback, a bucket of its own per backend) and
Redis (a key prefix of its own per backend). Every server or Space a test makes on "services" gets a database
of its own, made with a unique name and dropped when the run ends, so parallel runs never collide.

Where a service is unreachable its tests skip with the reason; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from easel.spaces.engine import create_database, default_url, drop_database, make_engine, redacted
from easel.spaces.tables import usage
from tests.services import MotoServer, S3Target, drop_redis_prefix, redis_or_skip, redis_prefix

EMBEDDED, SERVICES = "embedded", "services"
BACKENDS = [EMBEDDED, SERVICES]
# Read before conftest clears EASEL_* from the environment.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class Backend:
    """One backend set: `env` is what tests/serverproc.py passes to `easel serve` (and the CLI)."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    s3: S3Target | None = None  # the bucket behind EASEL_BLOB_URL, to look at objects directly

    @property
    def database_url(self) -> str | None:
        return self.env.get("EASEL_DATABASE_URL")

    def store_url(self, data_dir: Path) -> str:
        return self.database_url or default_url(data_dir)


def backdate_usage(data_dir: Path, backend: Backend, usage_id: str, created_at: str) -> None:
    """Rewrites a usage record's time in whichever store the server uses, as if it were made then."""
    async def run() -> None:
        engine = make_engine(backend.store_url(data_dir))
        try:
            async with engine.begin() as conn:
                await conn.execute(usage.update().where(usage.c.id == usage_id).values(created_at=created_at))
        finally:
            await engine.dispose()

    asyncio.run(run())


class ServicePool:
    """Makes fresh resources on the shared services, one set per server or Space; drops them all at close."""

    def __init__(self) -> None:
        self._databases: list[str] = []
        self._probed = False
        self._reason: str | None = None
        self._moto: MotoServer | None = None
        self._prefixes: list[str] = []

    def unavailable(self) -> str | None:
        """Why the services backend cannot run here, or None."""
        if not self._probed:
            self._probed = True
            try:
                asyncio.run(drop_database(asyncio.run(create_database(POSTGRES_URL, "easel_probe"))))
            except Exception as exc:  # noqa: BLE001 - any failure to reach the server is the reason to report
                self._reason = f"PostgreSQL at {redacted(POSTGRES_URL)} unreachable: {type(exc).__name__}: {exc}"
        return self._reason

    def require(self) -> None:
        reason = self.unavailable()
        if reason is None:
            return
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"services backend required under CI: {reason}")
        pytest.skip(f"services backend: {reason}")

    def backend(self, name: str) -> Backend:
        if name == EMBEDDED:
            return Backend(EMBEDDED)
        self.require()
        redis_url = redis_or_skip()
        if self._moto is None:
            self._moto = MotoServer().start()
        url = asyncio.run(create_database(POSTGRES_URL, "easel_test"))
        self._databases.append(url)
        prefix = redis_prefix()
        self._prefixes.append(prefix)
        s3 = S3Target(self._moto, self._moto.bucket())
        return Backend(SERVICES, {"EASEL_DATABASE_URL": url, **s3.env, "EASEL_REDIS_URL": redis_url,
                                  "EASEL_REDIS_PREFIX": prefix}, s3=s3)

    def close(self) -> None:
        for url in self._databases:
            asyncio.run(drop_database(url))
        self._databases.clear()
        for prefix in self._prefixes:
            drop_redis_prefix(prefix)
        self._prefixes.clear()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
