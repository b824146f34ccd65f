"""Per-key limits over real HTTP with the defaults (60 a minute, 5 at once), and the window's arithmetic."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from easel.spaces.limits import headers
from easel.spaces.limits.memory import MemoryLimiter
from tests.serverproc import EaselServer

KEY = "esk_limits_test_key_00000000000000000000"


def test_the_61st_request_in_a_minute_is_refused(tmp_path: Path) -> None:
    with EaselServer(tmp_path, key=KEY) as server, httpx.Client(base_url=server.base_url, timeout=30) as c:
        seen = []
        for _ in range(60):
            r = c.get("/v1/workspaces", headers={"x-api-key": KEY})
            assert r.status_code == 200
            seen.append(int(r.headers["x-ratelimit-remaining-requests"]))
        assert seen == list(range(59, -1, -1))
        assert r.headers["x-ratelimit-limit-requests"] == "60"
        refused = c.get("/v1/workspaces", headers={"x-api-key": KEY})
        assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-ratelimit-remaining-requests"] == "0"
        # another key is not affected; /healthz never counts
        assert c.get("/v1/workspaces", headers={"x-api-key": "esk_someone_else"}).status_code == 401
        assert c.get("/healthz").status_code == 200


def test_the_6th_concurrent_request_is_refused_and_passes_after(tmp_path: Path) -> None:
    env = {"EASEL_IMAGE_MODEL": "fake/solid:3"}
    with EaselServer(tmp_path, key=KEY, env=env) as server:
        workspace = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY}).json()["workspaces"][0]
        body = {"messages": [{"role": "user", "content": "Create an image of a cat"}],
                "workspace_id": workspace["id"], "stream": True}
        started = threading.Barrier(6)
        statuses: list[int] = []

        def hold() -> None:
            with httpx.stream("POST", server.base_url + "/v1/chat", json=body, headers={"x-api-key": KEY},
                              timeout=60) as r:
                statuses.append(r.status_code)
                lines = r.iter_lines()
                for line in lines:
                    if '"generating"' in line:
                        break
                started.wait(timeout=120)
                for _ in lines:
                    pass

        threads = [threading.Thread(target=hold) for _ in range(5)]
        for t in threads:
            t.start()
        started.wait(timeout=120)  # all five are painting now
        sixth = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY})
        assert (sixth.status_code, sixth.json()["code"]) == (429, "rate_limited")
        assert sixth.headers["retry-after"] == "1"
        for t in threads:
            t.join(timeout=60)
        assert statuses == [200] * 5
        # The slots free as the five streams end on the server, a moment after their clients saw the end.
        deadline = time.monotonic() + 30
        while (after := httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY})).status_code != 200:
            assert time.monotonic() < deadline, after.text
            time.sleep(0.1)


@pytest.mark.anyio
async def test_window_slides_and_idle_keys_are_forgotten() -> None:
    now = [1000.0]
    limiter = MemoryLimiter(rpm=2, concurrent=0, clock=lambda: now[0])
    assert (await limiter.acquire("k")).allowed
    await limiter.release("k")
    now[0] += 30
    assert (await limiter.acquire("k")).allowed
    await limiter.release("k")
    refused = await limiter.acquire("k")
    assert not refused.allowed and refused.retry_after_s == pytest.approx(30)
    assert headers(refused)["retry-after"] == "30"
    now[0] += 30  # the first request has left the window
    assert (await limiter.acquire("k")).allowed
    await limiter.release("k")
    now[0] += 61
    assert (await limiter.acquire("other")).allowed
    await limiter.release("other")
    assert "other" not in limiter._active


@pytest.mark.anyio
async def test_concurrency_is_released_even_when_unlimited_per_minute() -> None:
    limiter = MemoryLimiter(rpm=0, concurrent=1)
    assert (await limiter.acquire("k")).allowed
    assert not (await limiter.acquire("k")).allowed
    await limiter.release("k")
    assert (await limiter.acquire("k")).allowed
    assert headers(await limiter.acquire("x")) == {}  # no per-minute limit: no rate headers
