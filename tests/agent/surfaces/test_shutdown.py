"""A shutdown lets a stream in flight finish (within the grace period) before the process exits."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import httpx

from tests.serverproc import EaselServer

KEY = "esk_shutdown_key_0000000000000000000000"


def test_sigint_mid_stream_lets_the_turn_finish(tmp_path: Path) -> None:
    server = EaselServer(tmp_path, key=KEY, env={"EASEL_IMAGE_MODEL": "fake/solid:2"}).start()
    workspace = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": KEY}).json()["workspaces"][0]
    events: list[dict] = []
    painting = threading.Event()

    def client() -> None:
        body = {"messages": [{"role": "user", "content": "Create an image of a heron"}],
                "workspace_id": workspace["id"], "stream": True}
        with httpx.stream("POST", server.base_url + "/v1/chat", json=body, headers={"x-api-key": KEY},
                          timeout=60) as r:
            for line in r.iter_lines():
                if line:
                    events.append(json.loads(line.removeprefix("data: ")))
                    if events[-1].get("status") == "generating":
                        painting.set()

    t = threading.Thread(target=client)
    t.start()
    assert painting.wait(120)
    assert server.proc is not None
    server.proc.send_signal(signal.SIGINT)
    t.join(timeout=60)
    server.proc.wait(timeout=60)
    assert [e["type"] for e in events][-1] == "ai_complete"
    assert len(events[-1]["media"]) == 1
    restarted = EaselServer(tmp_path, key=KEY).start()
    try:
        files = httpx.get(restarted.base_url + "/v1/storage/files", headers={"x-api-key": KEY}).json()["files"]
        assert [f["fileId"] for f in files] == [events[-1]["media"][0]["file_id"]]
    finally:
        restarted.stop()
