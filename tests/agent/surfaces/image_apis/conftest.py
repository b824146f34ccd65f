"""Servers and helpers the adapter tests share.

Offline tests use the session's server (`easel`) with an account of their own, so nothing they make is
seen by other tests. Paid tests share one server per package whose painter is `openai/gpt-image-1` on a
fake OpenAI-compatible upstream: litellm prices it from the usage the fake reports, so costs are real.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.backends import ServicePool
from tests.conftest import Running, Tenant, start_with_litellm_painter
from tests.fakes.images_upstream import FakeImagesUpstream
from tests.serverproc import parse_fields, run_cli


def new_tenant(running: Running, name: str) -> Tenant:
    fields = parse_fields(run_cli(running.server.data_dir, "accounts", "create", name))
    return Tenant(fields["api key"], fields["workspace"], fields["account"])


def set_budget(running: Running, tenant: Tenant, amount: str) -> None:
    run_cli(running.server.data_dir, "accounts", "budget", tenant.account_id, amount)


def space_files(running: Running, tenant: Tenant, workspace_id: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"limit": 100}
    if workspace_id:
        params["workspace_id"] = workspace_id
    r = httpx.get(running.url + "/v1/storage/files", headers=tenant.headers, params=params)
    assert r.status_code == 200, r.text
    files: list[dict[str, Any]] = r.json()["files"]
    return files


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def jpeg_bytes(size: tuple[int, int] = (160, 120)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buf, format="JPEG")
    return buf.getvalue()


def gif_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buf, format="GIF")
    return buf.getvalue()


def run_client(code: str, cwd: Path) -> str:
    """Runs a seed's client code as its users do: a Python process of its own; returns what it printed."""
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="package")
def upstream() -> Iterator[FakeImagesUpstream]:
    with FakeImagesUpstream() as up:
        yield up


@pytest.fixture(scope="package")
def paid(upstream: FakeImagesUpstream, tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
         backend_name: str) -> Iterator[Running]:
    running = start_with_litellm_painter(tmp_path_factory.mktemp("paid"), upstream.base_url,
                                         backend=service_pool.backend(backend_name))
    running.server.wait_warm()  # a litellm painter answers once litellm is loaded, seconds on a busy machine
    yield running
    running.server.stop()
