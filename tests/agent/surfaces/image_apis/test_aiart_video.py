"""AiArt's img2video (seed 002) over real HTTP: its Python polling client, unchanged but for the host and the
key; the MP4 it is pointed at decodes with the frames asked for; a job whose server is killed mid-way is
failed with the reason at the next start, never left in progress; jobs are the account's own."""

from __future__ import annotations

import io
import time
from pathlib import Path

import av
import httpx
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import new_tenant, run_client, space_files
from tests.conftest import Running, Tenant
from tests.serverproc import EaselServer

# Seed 002's Python client, verbatim but for the host, the image's path and the key header on its two calls.
CLIENT = '''
import requests
import time
import os

# API endpoint to start generation
upload_url = "BASE_URL/api/img2video"

# Path to image file
image_path = "photo.png"

# Optional parameters
params = {
    "seed": 0,  # random seed
    "cfg_scale": 1.5,  # default value
    "motion_bucket_id": 127  # default value
}

# Prepare the file for upload
files = {
    "image": (os.path.basename(image_path), open(image_path, "rb"))
}

# Start generation
response = requests.post(upload_url, files=files, data=params, headers=HEADERS)
generation_data = response.json()

if not response.ok:
    print(f"Error starting generation: {generation_data.get('error')}")
    exit(1)

# Get the generation ID
generation_id = generation_data["id"]
print(f"Generation started with ID: {generation_id}")

# Poll for results
result_url = f"BASE_URL/api/img2video/result/{generation_id}"

# Poll every 5 seconds for up to 10 minutes
max_attempts = 120
for attempt in range(max_attempts):
    print(f"Checking status... (attempt {attempt+1}/{max_attempts})")
    response = requests.get(result_url, headers=HEADERS)

    if response.status_code == 202:
        # Still in progress
        time.sleep(5)
        continue

    if response.status_code == 200:
        # Complete
        result = response.json()
        print(f"Video generation complete!")
        print(f"Video URL: BASE_URL{result['video_url']}")
        print(f"Finish reason: {result['finish_reason']}")
        print(f"Seed: {result['seed']}")
        break

    # Error
    print(f"Error checking status: {response.text}")
    break
else:
    print("Generation timed out after 10 minutes")
'''


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "aiart-video")


def photo(path: Path, size: tuple[int, int] = (480, 270)) -> None:
    img = Image.new("RGB", size, (70, 120, 200))
    for y in range(size[1] // 2, size[1]):  # a darker lower half, like land under a sky
        for x in range(0, size[0], 4):
            img.putpixel((x, y), (40 + x % 60, 90, 40))
    img.save(path)


def test_the_seeds_polling_client_gets_a_playable_video(easel: Running, tenant: Tenant, tmp_path: Path) -> None:
    photo(tmp_path / "photo.png")
    code = (CLIENT.replace("BASE_URL", easel.url)
            .replace("import requests\n", f"import requests\nHEADERS = {{'x-api-key': {tenant.key!r}}}\n", 1))
    printed = run_client(code, tmp_path)
    assert "Video generation complete!" in printed and "Finish reason: SUCCESS" in printed, printed
    url = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("Video URL: "))
    video = httpx.get(url)  # a signed path: it plays with no key, as the seed's page shows it
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    container = av.open(io.BytesIO(video.content))
    frames = list(container.decode(video=0))
    assert len(frames) == 4 * 24 and (frames[0].width, frames[0].height) == (480, 270)
    files = {f["name"]: f for f in space_files(easel, tenant)}
    mp4 = next(f for f in files.values() if f["mimeType"] == "video/mp4")
    assert mp4["metadata"]["fps"] == 24 and mp4["metadata"]["duration_s"] == 4.0
    assert mp4["metadata"]["poster_file_id"] in {f["fileId"] for f in files.values()}
    history = httpx.get(easel.url + "/v1/generations", headers=tenant.headers).json()["data"]["generations"]
    assert history[0]["type"] and history[0]["api"] == "aiart" and mp4["fileId"] in history[0]["file_ids"]


def start(easel: Running, tenant: Tenant, tmp_path: Path, **fields: str) -> str:
    photo(tmp_path / "p.png")
    with (tmp_path / "p.png").open("rb") as f:
        r = httpx.post(easel.url + "/api/img2video", headers=tenant.headers, files={"image": ("p.png", f)},
                       data=fields)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def test_another_accounts_job_is_not_found_and_bad_knobs_are_refused(easel: Running, tenant: Tenant,
                                                                      tmp_path: Path) -> None:
    job = start(easel, tenant, tmp_path)
    r = httpx.get(f"{easel.url}/api/img2video/result/{job}", headers={"x-api-key": easel.alice.key})
    assert r.status_code == 404 and r.json()["success"] is False
    with (tmp_path / "p.png").open("rb") as f:
        r = httpx.post(easel.url + "/api/img2video", headers=tenant.headers, files={"image": ("p.png", f)},
                       data={"motion_bucket_id": "300"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    r = httpx.post(easel.url + "/api/img2video", headers=tenant.headers,
                   files={"image": ("x.png", b"not an image")})
    assert r.status_code == 415 and r.json()["code"] == "invalid_image"


def test_a_job_running_when_the_server_is_killed_is_failed_with_the_reason(tmp_path: Path) -> None:
    env = {"EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0", "EASEL_VIDEO_LEASE_S": "2"}
    key = "esk_video_kill_test_key_000000000000"
    headers = {"x-api-key": key}
    server = EaselServer(tmp_path / "data", key=key, env=env).start()
    try:
        photo(tmp_path / "big.png", (1280, 720))
        with (tmp_path / "big.png").open("rb") as f:
            r = httpx.post(server.base_url + "/api/img2video", headers=headers, files={"image": ("b.png", f)})
        job = r.json()["id"]
        deadline = time.monotonic() + 60
        while True:  # until the job has started rendering
            poll = httpx.get(f"{server.base_url}/api/img2video/result/{job}", headers=headers)
            assert poll.status_code == 202 and time.monotonic() < deadline, poll.text
            if poll.json()["progress"] > 0:
                break
            time.sleep(0.1)
        server.kill()
        server.start()
        deadline = time.monotonic() + 30
        while (poll := httpx.get(f"{server.base_url}/api/img2video/result/{job}", headers=headers)).status_code == 202:
            assert time.monotonic() < deadline, "the killed job was left in progress"
            time.sleep(0.2)
        assert poll.status_code == 422 and "server stopped while this video was being made" in poll.json()["error"]
    finally:
        server.stop()
