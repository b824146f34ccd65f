"""`EASEL_ANONYMOUS_WORKSPACE`: AiArt's own documented Python clients, which send no key, against a live server.

With the setting, keyless calls to the seeds' image APIs act as that workspace (the images are in its Space),
reach no other workspace of its account, and share limits of their own, apart from every key's. Without it a
keyless call is a 401 as before; a name that is no workspace stops the server starting; listening beyond
loopback with it set logs a warning at start-up."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.backends import ServicePool
from tests.conftest import Tenant
from tests.serverproc import SERVER_ENV, EaselServer, parse_fields, run_cli

# Seed 002's Python clients as the document gives them (its lines joined back into code), unchanged but for
# the host; the image path is the test's photo.
GENERATE = '''
import requests
import json

url = "https://aiart-zroo.onrender.com/api/generate"

payload = {
    "video_description": "A futuristic city skyline at sunset, with flying cars and neon holographic billboards, cyberpunk style",
    "negative_prompt": "blurry, low quality, distorted faces, poor lighting",
    "style_preset": "neon-punk",
    "aspect_ratio": "16:9",
    "output_format": "png",
    "seed": 0
}

headers = {"Content-Type": "application/json"}

response = requests.post(url, headers=headers, json=payload)

if response.status_code == 200:
    result = response.json()
    print(f"Image URL: {result['image_url']}")
    # Download the image if needed
    # image_data = requests.get(result['image_url']).content
    # with open('generated_image.png', 'wb') as f:
    #     f.write(image_data)
else:
    print(f"Error: {response.text}")
'''  # noqa: E501

IMG2IMG = '''
import requests

url = "https://aiart-zroo.onrender.com/api/img2img"

# Open the image file
with open('/path/to/your/image.jpg', 'rb') as img_file:
    files = {
        'image': ('image.jpg', img_file, 'image/jpeg')
    }

    data = {
        'prompt': 'Transform this into a watercolor painting with vibrant colors and detailed brushstrokes',
        'negative_prompt': 'blurry, low quality, distorted',
        'strength': '0.8',
        'style_preset': 'cinematic',
        'aspect_ratio': '1:1',
        'output_format': 'png',
        'seed': '0'
    }

    response = requests.post(url, files=files, data=data)

if response.status_code == 200:
    result = response.json()
    print(f"Transformed image URL: {result['image_url']}")
    print(f"Seed used: {result['seed']}")
    # Download the transformed image
    # image_data = requests.get(result['image_url']).content
    # with open('transformed_image.png', 'wb') as f:
    #     f.write(image_data)
else:
    print(f"Error: {response.text}")
'''

RPM = 4


class Anonymous:
    def __init__(self, server: EaselServer, owner: Tenant, other_workspace: str, outsider: Tenant) -> None:
        self.server, self.owner, self.other_workspace, self.outsider = server, owner, other_workspace, outsider

    @property
    def url(self) -> str:
        return self.server.base_url


def _prepare(data_dir: Path, env: dict[str, str]) -> tuple[Tenant, str, Tenant]:
    SERVER_ENV[data_dir] = dict(env)
    owner_fields = parse_fields(run_cli(data_dir, "accounts", "create", "kiosk", "--workspace-name", "public"))
    owner = Tenant(owner_fields["api key"], owner_fields["workspace"], owner_fields["account"])
    other = run_cli(data_dir, "workspaces", "create", "private", "--account", owner.account_id).strip()
    outsider_fields = parse_fields(run_cli(data_dir, "accounts", "create", "outsider"))
    outsider = Tenant(outsider_fields["api key"], outsider_fields["workspace"], outsider_fields["account"])
    return owner, other, outsider


@pytest.fixture(scope="module")
def anon(tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
         backend_name: str) -> Iterator[Anonymous]:
    data_dir = tmp_path_factory.mktemp(f"anonymous-{backend_name}")
    backend = service_pool.backend(backend_name)
    owner, other, outsider = _prepare(data_dir, backend.env)
    env = {**backend.env, "EASEL_ANONYMOUS_WORKSPACE": owner.workspace_id, "EASEL_ANONYMOUS_RPM": str(RPM),
           "EASEL_ANONYMOUS_CONCURRENT": "1", "EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0",
           "EASEL_LOG_LEVEL": "info"}
    server = EaselServer(data_dir, env=env).start()
    yield Anonymous(server, owner, other, outsider)
    server.stop()


def run_client(code: str, url: str, cwd: Path) -> str:
    code = code.replace("https://aiart-zroo.onrender.com", url).replace("/path/to/your/image.jpg",
                                                                          str(cwd / "image.jpg"))
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def files_of(anon: Anonymous, workspace_id: str) -> list[dict[str, Any]]:
    r = httpx.get(anon.url + "/v1/storage/files", headers={"x-api-key": anon.owner.key},
                  params={"workspace_id": workspace_id, "limit": 100})
    assert r.status_code == 200, r.text
    files: list[dict[str, Any]] = r.json()["files"]
    return files


def test_aiarts_documented_clients_work_without_a_key(anon: Anonymous, tmp_path: Path) -> None:
    Image.new("RGB", (320, 240), (40, 120, 200)).save(tmp_path / "image.jpg", format="JPEG")
    printed = run_client(GENERATE, anon.url, tmp_path)
    url = re.search(r"^Image URL: (\S+)$", printed, re.M)
    assert url, printed
    assert httpx.get(url[1]).content.startswith(b"\x89PNG")  # the link plays with no key, as AiArt's does
    printed = run_client(IMG2IMG, anon.url, tmp_path)
    url, seed = re.search(r"^Transformed image URL: (\S+)$", printed, re.M), re.search(r"^Seed used: (\d+)$",
                                                                                          printed, re.M)
    assert url and seed, printed
    transformed = httpx.get(url[1]).content
    assert transformed.startswith(b"\x89PNG")
    # Both images and the uploaded photo are in the anonymous workspace's Space; none in the account's other one.
    assert len(files_of(anon, anon.owner.workspace_id)) >= 3
    assert files_of(anon, anon.other_workspace) == []


def test_keyless_callers_reach_only_that_workspace_and_only_image_apis(anon: Anonymous) -> None:
    r = httpx.post(anon.url + "/api/generate", json={"video_description": "a kite", "workspace_id":
                                                     anon.other_workspace}, timeout=120)
    assert r.status_code == 404 or (r.status_code == 200 and r.json()["image_url"]), r.text
    assert files_of(anon, anon.other_workspace) == []
    for method, path in (("GET", "/v1/balance"), ("GET", "/v1/generations"), ("GET", "/v1/user/credits"),
                         ("GET", "/v1/storage/files"), ("GET", "/v1/workspaces"), ("POST", "/v1/chat"),
                         ("POST", "/v1/images/generations")):
        r = httpx.request(method, anon.url + path, json={} if method == "POST" else None)
        assert r.status_code == 401, (path, r.status_code, r.text)
    # Chuk's and Zekron's image endpoints take keyless calls too; their accounts' balances do not.
    r = httpx.post(anon.url + "/v1/ai/generate-image", json={"prompt": "A serene mountain landscape",
                                                             "image_size": "square"}, timeout=120)
    assert r.status_code == 200 and r.json()["success"] is True, r.text


def test_keyless_limits_are_their_own(anon: Anonymous) -> None:
    """Every keyless caller shares EASEL_ANONYMOUS_RPM a minute (the module's earlier keyless calls count too);
    keys (unlimited here) are not touched by it."""
    seen = []
    for _ in range(RPM + 2):
        r = httpx.post(anon.url + "/api/generate", json={"video_description": "a paper boat"}, timeout=120)
        seen.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1 and r.json()["success"] is False
            assert r.json()["code"] == "rate_limited"
            break
    assert seen[-1] == 429 and set(seen[:-1]) <= {200} and len(seen) <= RPM + 1, seen
    keyed = httpx.post(anon.url + "/api/generate", headers={"x-api-key": anon.outsider.key},
                       json={"video_description": "a paper boat"}, timeout=120)
    assert keyed.status_code == 200, keyed.text
    owner = httpx.post(anon.url + "/api/generate", headers={"x-api-key": anon.owner.key},
                       json={"video_description": "a paper boat"}, timeout=120)
    assert owner.status_code == 200, owner.text


def test_off_by_default_a_keyless_call_is_401(tmp_path: Path) -> None:
    with EaselServer(tmp_path / "plain") as server:
        r = httpx.post(server.base_url + "/api/generate", json={"video_description": "a kite"})
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_start_up_refuses_a_missing_workspace_and_warns_beyond_loopback(tmp_path: Path) -> None:
    missing = EaselServer(tmp_path / "missing", env={"EASEL_ANONYMOUS_WORKSPACE": "wks-doesnotexist"})
    with pytest.raises(RuntimeError, match="wks-doesnotexist, which does not exist"):
        missing.start()
    missing.stop()
    data_dir = tmp_path / "exposed"
    owner, _, _ = _prepare(data_dir, {})
    exposed = EaselServer(data_dir, env={"EASEL_ANONYMOUS_WORKSPACE": owner.workspace_id, "EASEL_HOST": "0.0.0.0"})
    exposed.start()
    output = exposed.stop()
    assert "EASEL_ANONYMOUS_WORKSPACE is set and the server listens on 0.0.0.0" in output, output
    assert owner.key not in output
    with EaselServer(data_dir, env={"EASEL_ANONYMOUS_WORKSPACE": owner.workspace_id}) as local:
        pass
    assert "beyond loopback" not in local.output
