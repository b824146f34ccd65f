"""Test-wide switches: no test may reach a real model provider, and litellm never fetches its cost map."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
# Provider keys from the developer's shell must not turn a test into a paid call; offline is the default.
for _name in list(os.environ):
    if _name.endswith("_API_KEY") or _name.startswith("EASEL_"):
        del os.environ[_name]

from tests.backends import BACKENDS, EMBEDDED, Backend, ServicePool  # noqa: E402
from tests.serverproc import EaselServer, parse_fields, run_cli  # noqa: E402
from tests.services import MotoServer, S3Target  # noqa: E402


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def service_pool() -> Iterator[ServicePool]:
    pool = ServicePool()
    yield pool
    pool.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, service_pool: ServicePool) -> Backend:
    """Each backend set in turn, with fresh resources (a database of its own on "services")."""
    return service_pool.backend(request.param)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """For servers kept across a module or the session: each asks `service_pool.backend(backend_name)` for
    resources of its own, and every test using it runs once per backend set."""
    return str(request.param)


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class Tenant:
    key: str
    workspace_id: str
    account_id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.key}


@dataclass
class Running:
    server: EaselServer
    alice: Tenant
    bob: Tenant
    backend: Backend = field(default_factory=lambda: Backend(EMBEDDED))

    @property
    def url(self) -> str:
        return self.server.base_url

    def client(self, tenant: Tenant | None = None, **kw: object) -> httpx.Client:
        headers = tenant.headers if tenant else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)  # type: ignore[arg-type]


def start_with_two_tenants(data_dir: Path, env: dict[str, str] | None = None,
                           backend: Backend | None = None) -> Running:
    # Limits are off here (one key makes hundreds of calls); tests/agent/surfaces/test_limits.py runs them on.
    backend = backend or Backend(EMBEDDED)
    env = {"EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0", **backend.env, **(env or {})}
    server = EaselServer(data_dir, key="esk_alice_test_key_0000000000000000", env=env).start()
    workspaces = httpx.get(server.base_url + "/v1/workspaces",
                           headers={"x-api-key": "esk_alice_test_key_0000000000000000"}).json()["workspaces"]
    alice = Tenant("esk_alice_test_key_0000000000000000", workspaces[0]["id"])
    fields = parse_fields(run_cli(data_dir, "accounts", "create", "bob", env=env))
    bob = Tenant(fields["api key"], fields["workspace"], fields["account"])
    return Running(server, alice, bob, backend)


def start_with_litellm_painter(data_dir: Path, images_base_url: str, backend: Backend | None = None) -> Running:
    """Two tenants on a server whose painter is `openai/gpt-image-1` behind a fake upstream (which litellm
    prices from its usage, so generations cost real, non-zero amounts)."""
    return start_with_two_tenants(data_dir, env={
        "EASEL_IMAGE_MODEL": "openai/gpt-image-1", "EASEL_IMAGE_API_BASE": images_base_url,
        "EASEL_IMAGE_API_KEY": "sk-image-secret"}, backend=backend)


@pytest.fixture(scope="session")
def easel(tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool, backend_name: str) -> Iterator[Running]:
    """One offline server per backend set for the session, with two accounts (alice: bootstrap, bob: via the
    CLI)."""
    running = start_with_two_tenants(tmp_path_factory.mktemp(f"easel-{backend_name}"),
                                     backend=service_pool.backend(backend_name))
    yield running
    running.server.stop()


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoServer]:
    """An S3 wire-protocol server on loopback for the session (moto's server mode)."""
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def s3(moto_s3: MotoServer) -> S3Target:
    """A fresh, empty bucket on that server."""
    return S3Target(moto_s3, moto_s3.bucket())
