"""Seed 000's own Python clients, unchanged but for the URL, key and workspace id, against the offline
defaults: they print the response, `Image generated: file-…`, the streamed text and `Done.`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import Running

QUICK_START = '''
import requests

response = requests.post(
    "https://api.zarkai.xyz/v1/chat",
    headers={
        "x-api-key": "your_api_key",
        "Content-Type": "application/json",
    },
    json={
        "messages": [
            {"role": "user", "content": "Create an image of a futuristic cityscape at night with neon lights"}
        ],
        "workspace_id": "wks-xxxxx",
        "tools": ["image_gen"],
        "tool_choice": "auto",
    },
)

data = response.json()
print(data["response"])
'''

STREAMING = '''
import requests
import json

response = requests.post(
    "https://api.zarkai.xyz/v1/chat",
    headers={"x-api-key": "your_api_key", "Content-Type": "application/json"},
    json={
        "messages": [{"role": "user", "content": "Create an image of a mountain landscape at sunrise"}],
        "workspace_id": "wks-xxxxx",
        "tools": ["image_gen"],
        "stream": True,
    },
    stream=True,
)

for line in response.iter_lines():
    if line:
        event = json.loads(line.decode("utf-8").removeprefix("data: "))
        if event["type"] == "media_item":
            print(f"Image generated: {event['file_id']}")
        elif event["type"] == "ai_chunk":
            print(event["content"], end="", flush=True)
        elif event["type"] == "ai_complete":
            print(f"\\n\\nDone.")
'''


def run_seed(code: str, easel: Running, tmp_path: Path) -> str:
    code = (code.replace("https://api.zarkai.xyz", easel.url).replace("your_api_key", easel.alice.key)
            .replace("wks-xxxxx", easel.alice.workspace_id))
    script = tmp_path / "client.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_quick_start_prints_the_response(easel: Running, tmp_path: Path) -> None:
    printed = run_seed(QUICK_START, easel, tmp_path)
    assert re.search(r"futuristic-cityscape.*\.png", printed), printed


def test_streaming_client_prints_image_text_and_done(easel: Running, tmp_path: Path) -> None:
    printed = run_seed(STREAMING, easel, tmp_path)
    m = re.search(r"Image generated: (file-[0-9a-f-]{36})", printed)
    assert m, printed
    assert printed.rstrip().endswith("Done.")
    text = printed.replace(m.group(0), "").replace("Done.", "")
    assert "mountain" in text.lower()
    with easel.client(easel.alice) as c:
        stored = c.get(f"/v1/storage/files/{m[1]}")
        assert stored.status_code == 200 and stored.json()["mimeType"] == "image/png"
    assert httpx.get(stored.json()["url"]).content.startswith(b"\x89PNG")
