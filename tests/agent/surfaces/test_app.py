"""/healthz is liveness (200 from the first moment), /readyz is readiness (503 until the model libraries are
loaded, then 200); neither counts against a key's limits."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from easel.agent.settings import Settings
from easel.agent.surfaces.app import create_app
from tests.serverproc import EaselServer

pytestmark = pytest.mark.anyio


async def test_readyz_is_503_until_the_models_are_loaded(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))  # no lifespan here: nothing is loaded
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://easel") as c:
        starting = await c.get("/readyz")
        assert (starting.status_code, starting.json()) == (503, {"status": "starting"})
        alive = await c.get("/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "ok", "models_ready": False})
        app.state.runtime = SimpleNamespace(warmed=False)
        assert (await c.get("/readyz")).status_code == 503
        app.state.runtime = SimpleNamespace(warmed=True)
        ready = await c.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_a_started_server_becomes_ready_and_stays_alive(tmp_path: Path) -> None:
    with EaselServer(tmp_path) as server, httpx.Client(base_url=server.base_url, timeout=10) as c:
        deadline = time.monotonic() + 60
        while (r := c.get("/readyz")).status_code == 503:
            assert r.json() == {"status": "starting"} and c.get("/healthz").status_code == 200
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.05)
        assert (r.status_code, r.json()) == (200, {"status": "ready"})
        assert c.get("/healthz").json() == {"status": "ok", "models_ready": True}


STARTS_WITHOUT = ("litellm", "mcp", "cv2", "numpy", "av", "aiohttp", "easel.agent.brains.openai_wire",
                  "easel.agent.surfaces.openapi", "easel.agent.surfaces.mcp_server",
                  "easel.tools.engines.offline.painter", "easel.tools.engines.animator.clip")
STARTED = """
import asyncio, sys
from pathlib import Path
from easel.agent.runtime import Runtime
from easel.agent.settings import Settings
from easel.agent.surfaces.app import create_app
Runtime.start_warming = lambda self: None  # the thread that loads litellm after start is not start-up
app = create_app(Settings(data_dir=Path(sys.argv[1])))
async def main():
    async with app.router.lifespan_context(app):
        pass
asyncio.run(main())
print(" ".join(sorted(sys.modules)))
"""


def test_the_app_starts_without_the_libraries_it_loads_at_first_use(tmp_path: Path) -> None:
    """What /healthz waits for: the app's import and its start (store opened, services built). The chat model's
    libraries, the MCP SDK, the painter and animator (numpy, OpenCV, PyAV) and the OpenAPI document's models
    are loaded later: by the thread that imports litellm after start, or by their first request."""
    out = subprocess.run([sys.executable, "-c", STARTED, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = set(out.stdout.splitlines()[-1].split())
    assert "easel.agent.surfaces.app" in loaded
    assert not loaded & set(STARTS_WITHOUT), sorted(loaded & set(STARTS_WITHOUT))
