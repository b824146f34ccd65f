"""Request ids and JSON access logs, read from a real `easel serve`'s own output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Running, start_with_two_tenants

PROMPT = "A violet lighthouse on a basalt cliff"


def _start(data_dir: Path, **env: str) -> Running:
    return start_with_two_tenants(data_dir, env={"EASEL_LOG_FORMAT": "json", "EASEL_LOG_LEVEL": "info", **env})


def _json_lines(output: str) -> list[dict[str, Any]]:
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def _access(lines: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    found = [x for x in lines if x.get("logger") == "easel.access" and x.get("request_id") == request_id]
    assert len(found) == 1, f"expected one access line for {request_id}, got {found}"
    return found[0]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, dict[str, httpx.Response]]]:
    """A server logging JSON; every request the tests read about is made here, then the server is stopped
    so its whole output can be read."""
    running = _start(tmp_path_factory.mktemp("logs"))
    alice, bob = running.alice, running.bob
    url = running.url
    replies = {
        "given": httpx.get(url + "/v1/workspaces", headers={**alice.headers, "X-Request-Id": "trace-42.a"}),
        "made": httpx.get(url + "/v1/workspaces", headers={"Authorization": f"Bearer {bob.key}"}),
        "bad_id": httpx.get(url + "/v1/workspaces", headers={**alice.headers, "X-Request-Id": "has spaces\tand"}),
        "paint": httpx.post(url + "/v1/images/generations", headers={**alice.headers, "X-Request-Id": "paint-1"},
                            json={"prompt": PROMPT, "size": "256x256", "workspace_id": alice.workspace_id},
                            timeout=60),
        "unknown": httpx.get(url + "/no/such/path", headers={"X-Request-Id": "lost-1"}),
        "unauthorized": httpx.get(url + "/v1/storage/files", headers={"x-api-key": "esk_wrong_key",
                                                                      "X-Request-Id": "wrong-key"}),
    }
    running.server.stop()
    yield running, replies


def test_the_given_request_id_is_returned_and_logged_with_route_status_account_and_workspace(
        logged: tuple[Running, dict[str, httpx.Response]]) -> None:
    running, replies = logged
    assert replies["given"].status_code == 200
    assert replies["given"].headers["x-request-id"] == "trace-42.a"
    line = _access(_json_lines(running.server.output), "trace-42.a")
    assert (line["method"], line["route"], line["path"], line["status"]) == ("GET", "/v1/workspaces",
                                                                             "/v1/workspaces", 200)
    assert line["account_id"].startswith("acct") and line["workspace_id"] == running.alice.workspace_id
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["time"]


def test_a_request_without_an_id_gets_a_new_one_and_a_malformed_one_is_replaced(
        logged: tuple[Running, dict[str, httpx.Response]]) -> None:
    running, replies = logged
    made, replaced = replies["made"].headers["x-request-id"], replies["bad_id"].headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made) and re.fullmatch(r"[0-9a-f]{32}", replaced) and made != replaced
    lines = _json_lines(running.server.output)
    assert _access(lines, made)["workspace_id"] == running.bob.workspace_id
    assert _access(lines, replaced)["status"] == 200


def test_errors_carry_the_id_and_an_unknown_path_is_one_route_label(
        logged: tuple[Running, dict[str, httpx.Response]]) -> None:
    running, replies = logged
    assert replies["unknown"].status_code == 404 and replies["unknown"].headers["x-request-id"] == "lost-1"
    assert replies["unauthorized"].status_code == 401
    assert replies["unauthorized"].headers["x-request-id"] == "wrong-key"
    lines = _json_lines(running.server.output)
    lost = _access(lines, "lost-1")
    assert (lost["route"], lost["path"], lost["status"], lost["account_id"]) == ("unmatched", "/no/such/path",
                                                                                404, None)
    assert _access(lines, "wrong-key")["route"] == "/v1/storage/files"


def test_every_line_is_json_and_no_key_or_prompt_is_logged(
        logged: tuple[Running, dict[str, httpx.Response]]) -> None:
    running, replies = logged
    assert replies["paint"].status_code == 200
    output = running.server.output
    # The bootstrap announcement is printed, not logged; everything else is one JSON object a line.
    announcement = ("Easel created", "  workspace:", "  api key:", "The key is shown")
    logged_lines = [line for line in output.splitlines() if line.strip() and not line.startswith(announcement)]
    assert logged_lines and all(json.loads(line) for line in logged_lines)
    assert running.alice.key not in "\n".join(logged_lines)  # printed once at the first start, never logged
    paint = _access(_json_lines(output), "paint-1")
    assert paint["route"] == "/v1/images/generations" and paint["status"] == 200 and "prompt" not in paint
    assert PROMPT not in output
    assert running.bob.key not in output and "esk_wrong_key" not in output


def test_prompts_are_logged_only_when_asked(tmp_path: Path) -> None:
    running = _start(tmp_path, EASEL_LOG_PROMPTS="1")
    try:
        r = httpx.post(running.url + "/v1/chat", headers={**running.alice.headers, "X-Request-Id": "chat-1"},
                       json={"messages": [{"role": "user", "content": "Say hello"}],
                             "workspace_id": running.alice.workspace_id, "tools": []}, timeout=60)
        assert r.status_code == 200
        g = httpx.post(running.url + "/api/v1/llm/images/generations",
                       headers={**running.alice.headers, "X-Request-Id": "mka1-1"},
                       json={"prompt": PROMPT, "size": "256x256"}, timeout=60)
        assert g.status_code == 200
    finally:
        running.server.stop()
    lines = _json_lines(running.server.output)
    assert _access(lines, "chat-1")["prompt"] == "Say hello"
    assert _access(lines, "mka1-1")["prompt"] == PROMPT
