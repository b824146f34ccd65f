"""AiArt's API (seed 002) over real HTTP: its Python examples for text-to-image and img2img run unchanged
but for the base URL and the key Easel needs; its upload limits (413/415) and error shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.agent.surfaces.image_apis.conftest import (
    decode,
    gif_bytes,
    jpeg_bytes,
    new_tenant,
    run_client,
    set_budget,
    space_files,
)
from tests.conftest import Running, Tenant, png_bytes
from tests.fakes.images_upstream import FakeImagesUpstream

# Seed 002's Python examples (the page runs them together on one line; here with their line breaks).
GENERATE_EXAMPLE = '''
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
'''  # noqa: E501 - the seed's own line

IMG2IMG_EXAMPLE = '''
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

MB = 1024 * 1024


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "aiart")


def test_the_text_to_image_example_prints_a_working_url(easel: Running, tenant: Tenant, tmp_path: Path) -> None:
    code = (GENERATE_EXAMPLE.replace("https://aiart-zroo.onrender.com", easel.url)
            .replace('headers = {"Content-Type": "application/json"}',
                     f'headers = {{"Content-Type": "application/json", "Authorization": "Bearer {tenant.key}"}}'))
    printed = run_client(code, tmp_path)
    assert printed.startswith(f"Image URL: {easel.url}/v1/storage/files/file-")
    image = decode(httpx.get(printed.removeprefix("Image URL: ").strip()).content)  # no key: a signed link
    assert image.format == "PNG" and image.size == (1024, 576)  # 16:9


def test_the_img2img_example_prints_its_url_and_seed(easel: Running, tenant: Tenant, tmp_path: Path) -> None:
    (tmp_path / "image.jpg").write_bytes(jpeg_bytes((200, 150)))
    code = (IMG2IMG_EXAMPLE.replace("https://aiart-zroo.onrender.com", easel.url)
            .replace("/path/to/your/image.jpg", "image.jpg")
            .replace("requests.post(url, files=files, data=data)",
                     f"requests.post(url, files=files, data=data, headers={{'Authorization': 'Bearer {tenant.key}'}})"))
    url_line, seed_line = run_client(code, tmp_path).splitlines()
    assert url_line.startswith("Transformed image URL: http") and int(seed_line.removeprefix("Seed used: ")) > 0
    assert decode(httpx.get(url_line.split(": ", 1)[1]).content).size == (1024, 1024)  # 1:1
    made = [f for f in space_files(easel, tenant) if f["url"].split("?")[0] == url_line.split(": ", 1)[1].split("?")[0]]
    assert made[0]["metadata"]["operation"] == "style_transfer" and made[0]["metadata"]["style"]


def test_a_seed_reproduces_the_image_and_jpg_is_a_jpeg(easel: Running, tenant: Tenant) -> None:
    def make(**extra: Any) -> bytes:
        r = httpx.post(easel.url + "/api/generate", headers=tenant.headers, timeout=60,
                       json={"video_description": "A quiet lake at dawn", "aspect_ratio": "1:1", **extra})
        assert r.status_code == 200 and r.json()["success"] is True, r.text
        return httpx.get(r.json()["image_url"]).content

    assert make(seed=42) == make(seed=42) != make(seed=43)
    assert decode(make(seed=7, output_format="jpg")).format == "JPEG"


@pytest.mark.parametrize(("body", "code"), [
    ({"negative_prompt": "blurry"}, "missing_prompt"),
    ({"video_description": ""}, "missing_prompt"),
    ({"video_description": "x" * 4001}, "invalid_prompt"),
    ({"video_description": "a cat", "style_preset": "baroque"}, "invalid_request"),
    ({"video_description": "a cat", "aspect_ratio": "64x4000"}, "invalid_size"),
    ({"video_description": "a cat", "output_format": "tiff"}, "invalid_request"),
    ({"video_description": "a cat", "seed": -1}, "invalid_request"),
])
def test_bad_text_to_image_requests(easel: Running, tenant: Tenant, body: dict[str, Any], code: str) -> None:
    r = httpx.post(easel.url + "/api/generate", headers=tenant.headers, json=body)
    assert r.status_code == 400
    assert r.json()["success"] is False and r.json()["code"] == code and isinstance(r.json()["error"], str)


@pytest.mark.parametrize(("file", "fields", "status", "code"), [
    (("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * MB), "image/png"), {}, 413, "payload_too_large"),
    (("anim.gif", gif_bytes(), "image/gif"), {}, 415, "unsupported_media_type"),
    (("notes.txt", b"some words", "text/plain"), {}, 415, "invalid_image"),
    (("a.png", png_bytes(), "image/png"), {"strength": "1.5"}, 400, "invalid_request"),
    (("a.png", png_bytes(), "image/png"), {"prompt": ""}, 400, "missing_prompt"),
    (None, {}, 400, "invalid_request"),
])
def test_bad_img2img_requests_store_nothing(easel: Running, tenant: Tenant, file: tuple[str, bytes, str] | None,
                                            fields: dict[str, str], status: int, code: str) -> None:
    before = len(space_files(easel, tenant))
    r = httpx.post(easel.url + "/api/img2img", headers=tenant.headers, timeout=60,
                   data={"prompt": "Make it snowy", **fields}, files={"image": file} if file else None)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.json()["success"] is False and r.json()["error"]
    assert len(space_files(easel, tenant)) == before


def test_a_key_is_required(easel: Running) -> None:
    r = httpx.post(easel.url + "/api/generate", json={"video_description": "a cat"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = httpx.post(easel.url + "/api/img2img", headers={"Authorization": "Bearer nope"}, data={"prompt": "x"},
                   files={"image": ("a.png", png_bytes(), "image/png")})
    assert r.status_code == 401 and r.json()["code"] == "invalid_api_key"


def test_an_exhausted_budget_is_402_and_paints_nothing(paid: Running, upstream: FakeImagesUpstream) -> None:
    broke = new_tenant(paid, "aiart-broke")
    set_budget(paid, broke, "0")
    sent = len(upstream.image_requests)
    # The first paid request waits for the model libraries to load (the price estimate uses litellm).
    r = httpx.post(paid.url + "/api/img2img", headers=broke.headers, data={"prompt": "Make it snowy"},
                   files={"image": ("a.png", png_bytes(), "image/png")}, timeout=120)
    assert r.status_code == 402 and r.json()["code"] == "insufficient_credits"
    r = httpx.post(paid.url + "/api/generate", headers=broke.headers, json={"video_description": "a cat"})
    assert r.status_code == 402
    assert len(upstream.image_requests) == sent and space_files(paid, broke) == []


def test_a_chunked_upload_over_the_limit_is_413(easel: Running, tenant: Tenant) -> None:
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nMake it snowy\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"big.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode()

    def body() -> Iterator[bytes]:  # no Content-Length: the server learns the size only as it reads
        yield head
        for _ in range(12):
            yield b"\0" * MB
        yield f"\r\n--{boundary}--\r\n".encode()

    r = httpx.post(easel.url + "/api/img2img", content=body(), timeout=60,
                   headers={**tenant.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert "10 MB" in r.json()["error"]
