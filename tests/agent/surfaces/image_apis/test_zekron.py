"""Zekron's API (seed 001) over real HTTP: its own Python examples run unchanged but for base URL and key;
images by token with their expiry; history and balance on a paid painter; its error envelope."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.agent.surfaces.image_apis.conftest import decode, jpeg_bytes, new_tenant, run_client, set_budget, space_files
from tests.backends import backdate_usage
from tests.conftest import Running, Tenant, png_bytes
from tests.fakes.images_upstream import FakeImagesUpstream

# Seed 001's "Code Examples / Python" and "Edit Image Example (Python)", verbatim but for the two constants.
GENERATE_EXAMPLE = '''
import requests
import base64

API_KEY = "zk_live_abc123..."
BASE_URL = "https://api.zekron.codes"

headers = {
    "Authorization": f"Bearer {API_KEY}",
    "Content-Type": "application/json"
}

# Generate image
response = requests.post(
    f"{BASE_URL}/v1/generate",
    headers=headers,
    json={
        "prompt": "A cute robot in a garden",
        "size": "1024x1024"
    }
)

data = response.json()
if data["success"]:
    # Save image from base64
    image_data = base64.b64decode(data["data"]["image"]["b64_json"])
    with open("robot.png", "wb") as f:
        f.write(image_data)
    print(f"Image saved! Cost: ${data['data']['cost']}")
'''

EDIT_EXAMPLE = '''
import requests
import base64

API_KEY = "zk_live_abc123..."
BASE_URL = "https://api.zekron.codes"

# Read image file and convert to base64
with open("original.jpg", "rb") as f:
    image_base64 = base64.b64encode(f.read()).decode()

headers = {
    "Authorization": f"Bearer {API_KEY}",
    "Content-Type": "application/json"
}

# Edit image
response = requests.post(
    f"{BASE_URL}/v1/generate",
    headers=headers,
    json={
        "prompt": "Make it look like winter with snow",
        "images": [
            {
                "data": image_base64,
                "mime_type": "image/jpeg"
            }
        ],
        "size": "1024x1024"
    }
)

data = response.json()
if data["success"]:
    image_data = base64.b64decode(data["data"]["image"]["b64_json"])
    with open("winter_version.png", "wb") as f:
        f.write(image_data)
'''


def pointed_at(code: str, running: Running, tenant: Tenant) -> str:
    return (code.replace('"zk_live_abc123..."', repr(tenant.key))
            .replace('"https://api.zekron.codes"', repr(running.url)))


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "zekron")


def post(running: Running, tenant: Tenant, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(running.url + "/v1/generate", headers={"Authorization": f"Bearer {tenant.key}"}, json=body,
                      timeout=60)


def test_the_generate_example_saves_a_robot(easel: Running, tenant: Tenant, tmp_path: Path) -> None:
    printed = run_client(pointed_at(GENERATE_EXAMPLE, easel, tenant), tmp_path)
    assert printed.startswith("Image saved! Cost: $0.000000")
    assert decode((tmp_path / "robot.png").read_bytes()).size == (1024, 1024)


def test_the_edit_example_makes_a_winter_version(easel: Running, tenant: Tenant, tmp_path: Path) -> None:
    (tmp_path / "original.jpg").write_bytes(jpeg_bytes())
    assert run_client(pointed_at(EDIT_EXAMPLE, easel, tenant), tmp_path) == ""  # the example prints nothing
    winter = decode((tmp_path / "winter_version.png").read_bytes())
    assert winter.format == "PNG" and winter.size == (1024, 1024)
    files = space_files(easel, tenant)
    edited = next(f for f in files if f["origin"] == "generated" and f["metadata"]["operation"] == "edit")
    source = next(f for f in files if f["fileId"] == edited["metadata"]["source_file_ids"][0])
    assert source["origin"] == "upload" and source["mimeType"] == "image/jpeg"


def test_a_reply_carries_zekrons_fields_and_its_token_serves_the_image(easel: Running, tenant: Tenant) -> None:
    r = post(easel, tenant, {"prompt": "A futuristic city with flying cars at sunset", "model": "zekron-image-1",
                             "size": "1024x768"})
    assert r.status_code == 200, r.text
    body = r.json()
    data = body["data"]
    assert body["success"] is True and body["created_at"]
    assert data["type"] == "create" and data["size"] == "1024x768"
    assert (data["model"], data["engine"]) == ("zekron-image-1", "builtin/painter-1")  # the name it was sent
    assert type(data["id"]) is int and data["id"] >= 1 and data["token"].startswith("gen-")
    assert data["image"]["url"] == f"{easel.url}/v1/images/{data['token']}"
    assert data["image"]["mime_type"] == "image/png" and data["image"]["expires_at"] > body["created_at"]
    assert data["cost"] == "0.000000" and data["remaining_balance"] is None  # no budget: unlimited
    got = httpx.get(data["image"]["url"], headers=tenant.headers)
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert got.content == base64.b64decode(data["image"]["b64_json"])
    stranger = new_tenant(easel, "zekron-stranger")
    assert httpx.get(data["image"]["url"], headers=stranger.headers).status_code == 404
    assert httpx.get(data["image"]["url"]).json()["error"]["code"] == "unauthorized"


def test_two_images_are_combined_and_a_third_is_refused(easel: Running, tenant: Tenant) -> None:
    image = {"data": base64.b64encode(png_bytes((96, 64))).decode(), "mime_type": "image/png"}
    r = post(easel, tenant, {"prompt": "Combine these two images", "images": [image, image], "size": "512x512"})
    assert r.status_code == 200 and r.json()["data"]["type"] == "edit"
    before = {f["fileId"] for f in space_files(easel, tenant)}
    r = post(easel, tenant, {"prompt": "Combine these", "images": [image, image, image]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_many_images"
    assert {f["fileId"] for f in space_files(easel, tenant)} == before


def test_an_expired_token_is_410_and_the_image_stays_in_the_space(easel: Running, tenant: Tenant) -> None:
    data = post(easel, tenant, {"prompt": "A lighthouse", "size": "512x512"}).json()["data"]
    backdate_usage(easel.server.data_dir, easel.backend, data["token"], "2020-01-01T00:00:00.000Z")
    r = httpx.get(data["image"]["url"], headers=tenant.headers)
    assert r.status_code == 410 and r.json()["error"]["code"] == "expired"
    assert data["file_id"] in {f["fileId"] for f in space_files(easel, tenant)}


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"size": "1024x1024"}, 400, "missing_prompt"),
    ({"prompt": "   "}, 400, "missing_prompt"),
    ({"prompt": "x" * 4001}, 400, "invalid_prompt"),
    ({"prompt": "a cat", "size": "64x4000"}, 400, "invalid_size"),
    ({"prompt": "a cat", "size": "2048x2048"}, 400, "invalid_size"),
    ({"prompt": "a cat", "model": "zekron-image-9"}, 400, "invalid_model"),
    ({"prompt": "a cat", "images": [{"data": "not base64!", "mime_type": "image/png"}]}, 400, "invalid_base64"),
    ({"prompt": "a cat", "images": [{"data": base64.b64encode(b"plain text").decode()}]}, 415, "invalid_image"),
    ({"prompt": "a cat", "images": "abc"}, 400, "invalid_request"),
])
def test_bad_requests_get_zekrons_error_envelope(easel: Running, tenant: Tenant, body: dict[str, Any],
                                                 status: int, code: str) -> None:
    r = post(easel, tenant, body)
    assert r.status_code == status, r.text
    reply = r.json()
    assert reply["success"] is False and set(reply["error"]) == {"message", "code", "support"}
    assert reply["error"]["code"] == code and reply["error"]["message"]
    assert reply["error"]["support"].startswith(f"Contact support with error code: {code.upper()}_")


def test_bad_json_bad_keys_and_wrong_methods(easel: Running) -> None:
    r = httpx.post(easel.url + "/v1/generate", headers={"Authorization": "Bearer zk_wrong"}, json={"prompt": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = httpx.post(easel.url + "/v1/generate", json={"prompt": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = httpx.post(easel.url + "/v1/generate", headers={"x-api-key": easel.alice.key}, content=b"{nope")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = httpx.get(easel.url + "/v1/generate", headers={"x-api-key": easel.alice.key})
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = httpx.get(easel.url + "/v1/generations", headers={"x-api-key": easel.alice.key}, params={"limit": 101})
    assert r.status_code == 400 and r.json()["success"] is False


# -- history and balance on a paid painter ---------------------------------------------------------------
def test_history_is_every_generation_of_the_account_newest_first(paid: Running) -> None:
    mine, theirs = new_tenant(paid, "history-mine"), new_tenant(paid, "history-theirs")
    made = []
    for body in ({"prompt": "one", "size": "512x512"}, {"prompt": "two"}, {"prompt": "three", "size": "768x1024"}):
        made.append(post(paid, mine, body).json()["data"]["id"])
    r = httpx.post(paid.url + "/v1/images/generations", headers=mine.headers, json={"prompt": "four", "n": 2})
    assert r.status_code == 200
    post(paid, theirs, {"prompt": "not mine"})
    history = httpx.get(paid.url + "/v1/generations", headers=mine.headers).json()["data"]
    listed = history["generations"]
    assert [g["prompt"] for g in listed] == ["four", "three", "two", "one"]
    assert made == [1, 2, 3] and [g["id"] for g in listed] == [4, 3, 2, 1]  # the account's own sequence
    assert [g["id"] for g in httpx.get(paid.url + "/v1/generations", headers=theirs.headers).json()["data"][
        "generations"]] == [1]
    assert history["pagination"] == {"total": 4, "limit": 20, "offset": 0, "has_more": False}
    assert listed[0]["api"] == "openai" and len(listed[0]["file_ids"]) == 2 and listed[1]["api"] == "zekron"
    assert all(g["status"] == "completed" and float(g["cost"]) > 0 and g["type"] == "create" for g in listed)
    page = httpx.get(paid.url + "/v1/generations", headers=mine.headers, params={"limit": 2, "offset": 1})
    assert [(g["prompt"], g["id"]) for g in page.json()["data"]["generations"]] == [("three", 3), ("two", 2)]
    assert page.json()["data"]["pagination"]["has_more"] is True
    others = httpx.get(paid.url + "/v1/generations", headers=theirs.headers).json()["data"]["generations"]
    assert [g["prompt"] for g in others] == ["not mine"]


def test_balance_moves_by_the_cost_of_each_generation_until_it_runs_out(
        paid: Running, upstream: FakeImagesUpstream) -> None:
    upstream.clear_failures()
    payer = new_tenant(paid, "balance")
    set_budget(paid, payer, "1.00")

    def balance() -> dict[str, Any]:
        reply: dict[str, Any] = httpx.get(paid.url + "/v1/balance", headers=payer.headers).json()
        return reply["data"]

    start = balance()
    assert start == {"balance": "1.000000", "total_spent": "0.000000", "total_generations": 0, "currency": "USD",
                     "budget": "1.000000", "unlimited": False}
    left = 1.0
    for prompt in ("a kite", "a boat"):
        data = post(paid, payer, {"prompt": prompt}).json()["data"]
        cost = float(data["cost"])
        assert cost > 0
        left -= cost
        assert float(data["remaining_balance"]) == pytest.approx(left, abs=1e-6)
        assert float(balance()["balance"]) == pytest.approx(left, abs=1e-6)
    assert balance()["total_generations"] == 2
    assert float(balance()["total_spent"]) == pytest.approx(1.0 - left, abs=1e-6)

    set_budget(paid, payer, f"{1.0 - left:.6f}")  # spent exactly what it may
    sent, stored = len(upstream.image_requests), len(space_files(paid, payer))
    image = {"data": base64.b64encode(png_bytes()).decode(), "mime_type": "image/png"}
    for body in ({"prompt": "a third"}, {"prompt": "an edit", "images": [image]}):
        r = post(paid, payer, body)
        assert r.status_code == 402 and r.json()["error"]["code"] == "insufficient_balance"
    assert len(upstream.image_requests) == sent and len(space_files(paid, payer)) == stored
