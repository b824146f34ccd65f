"""CORS with real preflight requests against a real server: named origins, `*` (warned about), and none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serverproc import EaselServer

KEY = "esk_cors_test_key_00000000000000000000"
APP = "http://app.example.test:5173"


def preflight(server: EaselServer, origin: str, method: str = "PATCH") -> httpx.Response:
    return httpx.options(server.base_url + "/v1/conversations/conv-x", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "x-api-key, content-type"})


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EaselServer]:
    server = EaselServer(tmp_path_factory.mktemp("cors"), key=KEY, env={
        "EASEL_CORS_ORIGINS": f"{APP}, http://other.example.test", "EASEL_RATE_LIMIT_RPM": "2"}).start()
    yield server
    server.stop()


def test_preflight_from_a_named_origin_is_answered(named: EaselServer) -> None:
    r = preflight(named, APP)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == APP
    assert "PATCH" in r.headers["access-control-allow-methods"].split(", ")
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"x-api-key", "content-type", "authorization"} <= allowed
    assert "access-control-allow-credentials" not in r.headers


def test_preflight_from_another_origin_is_refused(named: EaselServer) -> None:
    r = preflight(named, "http://evil.example.test")
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers


def test_responses_expose_rate_limit_headers_and_a_429_is_readable(named: EaselServer) -> None:
    seen = [httpx.get(named.base_url + "/v1/workspaces", headers={"x-api-key": KEY, "Origin": APP})
            for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 429]
    for r in seen:
        assert r.headers["access-control-allow-origin"] == APP
        exposed = {h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
        assert {"retry-after", "x-ratelimit-remaining-requests", "x-request-id"} <= exposed
    assert int(seen[2].headers["retry-after"]) >= 1 and seen[2].json()["code"] == "rate_limited"


def test_star_allows_any_origin_and_is_warned_about(tmp_path: Path) -> None:
    server = EaselServer(tmp_path, key=KEY, env={"EASEL_CORS_ORIGINS": "*"}).start()
    try:
        r = preflight(server, "http://anywhere.example.test", method="DELETE")
        got = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY, "Origin": "http://x.test"})
    finally:
        output = server.stop()
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == "*"
    assert "EASEL_CORS_ORIGINS is '*'" in output


def test_no_origin_is_allowed_by_default(tmp_path: Path) -> None:
    with EaselServer(tmp_path, key=KEY) as server:
        r = preflight(server, APP)
        got = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY, "Origin": APP})
    assert "access-control-allow-origin" not in r.headers and r.status_code == 405
    assert got.status_code == 200 and "access-control-allow-origin" not in got.headers
