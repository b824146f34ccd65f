"""MKA1's images endpoint (seed 004) over real HTTP, called by MKA1's own SDK (`meetkai-mka1`, from the
registry) with the seed's arguments and with the SDK's defaults (`model="auto"`, `quality="auto"`, ...);
`X-On-Behalf-Of` is recorded with the usage."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import decode, new_tenant, run_client
from tests.conftest import Running, Tenant

PATH = "/api/v1/llm/images/generations"
# The seed's Python (SDK) example, unchanged but for the server's address and the end user's header.
CLIENT = '''
from mka1 import SDK


with SDK(
    bearer_auth="<YOUR_BEARER_TOKEN_HERE>", server_url=BASE_URL,
) as sdk:

    res = sdk.llm.images.create(prompt="A serene mountain landscape at sunset with a lake reflection", model="meetkai:z-image-turbo", n=1, quality="hd", response_format="url", size="1024x1024", style="vivid", x_on_behalf_of="end-user-7")

    # Handle response
    print(res.model_dump_json())
'''  # noqa: E501 (the seed's line, verbatim)
# The same SDK with every default: it sends model="auto", quality="auto", size="1024x1024", style="vivid".
DEFAULTS = '''
from mka1 import SDK

with SDK(bearer_auth="<YOUR_BEARER_TOKEN_HERE>", server_url=BASE_URL) as sdk:
    for size in ("1024x1024", "1536x1024", "1024x1536", "auto"):
        res = sdk.llm.images.create(prompt="A red bicycle", size=size, quality="low", output_format="webp")
        print(res.model_dump_json())
    print(sdk.llm.images.create(prompt="A lighthouse").model_dump_json())
'''


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "mka1")


def history(running: Running, tenant: Tenant) -> list[dict[str, Any]]:
    r = httpx.get(running.url + "/v1/generations", headers=tenant.headers)
    generations: list[dict[str, Any]] = r.json()["data"]["generations"]
    return generations


def test_the_sdk_request_makes_an_image_recorded_for_the_end_user(easel: Running, tenant: Tenant,
                                                                   tmp_path: Path) -> None:
    code = f"BASE_URL = {easel.url!r}\n" + CLIENT.replace("<YOUR_BEARER_TOKEN_HERE>", tenant.key)
    res = json.loads(run_client(code, tmp_path))
    assert res["created"] > 1.7e9 and len(res["data"]) == 1  # the SDK's model holds `created` as a float
    item = res["data"][0]
    assert item["revised_prompt"] and decode(httpx.get(item["url"]).content).size == (1024, 1024)
    latest = history(easel, tenant)[0]
    assert (latest["api"], latest["on_behalf_of"]) == ("mka1", "end-user-7")
    assert latest["file_ids"] == [latest_file(easel, tenant)]


def latest_file(running: Running, tenant: Tenant) -> str:
    r = httpx.get(running.url + "/v1/storage/files?limit=1", headers=tenant.headers)
    return str(r.json()["files"][0]["fileId"])


def test_the_sdk_defaults_and_its_sizes_and_qualities_are_accepted(easel: Running, tenant: Tenant,
                                                                   tmp_path: Path) -> None:
    code = f"BASE_URL = {easel.url!r}\n" + DEFAULTS.replace("<YOUR_BEARER_TOKEN_HERE>", tenant.key)
    replies = [json.loads(line) for line in run_client(code, tmp_path).splitlines()]
    images = [Image.open(io.BytesIO(httpx.get(r["data"][0]["url"]).content)) for r in replies]
    assert [(im.format, im.size) for im in images[:4]] == [
        ("WEBP", (1024, 1024)), ("WEBP", (1536, 1024)), ("WEBP", (1024, 1536)), ("WEBP", (1024, 1024))]
    assert (images[4].format, images[4].size) == ("PNG", (1024, 1024))  # "auto" size: the painter's default


def test_user_names_the_end_user_when_no_header_does(easel: Running, tenant: Tenant) -> None:
    r = httpx.post(easel.url + PATH, headers=tenant.headers, timeout=60, json={
        "prompt": "Two paper boats", "n": 2, "size": "256x256", "response_format": "b64_json", "user": "u-99"})
    assert r.status_code == 200, r.text
    assert [decode(base64.b64decode(d["b64_json"])).size for d in r.json()["data"]] == [(256, 256)] * 2
    assert history(easel, tenant)[0]["on_behalf_of"] == "u-99"


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"prompt": ""}, "prompt", "invalid_prompt"),
    ({"prompt": "x" * 1001}, "prompt", "invalid_prompt"),
    ({"prompt": "a cat", "n": 11}, "n", "invalid_request"),
    ({"prompt": "a cat", "n": 0}, "n", "invalid_request"),
    ({"prompt": "a cat", "size": "64x4000"}, "size", "invalid_size"),
    ({"prompt": "a cat", "size": "2048x2048"}, "size", "invalid_size"),  # not in MKA1's list
    ({"prompt": "a cat", "style": "watercolor"}, "style", "invalid_request"),
    ({"prompt": "a cat", "quality": "ultra"}, "quality", "invalid_request"),
    ({"prompt": "a cat", "output_format": "gif"}, "output_format", "invalid_request"),
    ({"prompt": "a cat", "model": "meetkai:other"}, "model", "invalid_model"),
    ({"prompt": "a cat", "background": "transparent"}, "background", "invalid_request"),
])
def test_bad_requests_get_openai_shaped_errors(easel: Running, tenant: Tenant, body: dict[str, Any], param: str,
                                               code: str) -> None:
    r = httpx.post(easel.url + PATH, headers=tenant.headers, json=body)
    assert r.status_code == 400
    assert r.json() == {"error": {"message": r.json()["error"]["message"], "type": "invalid_request_error",
                                  "param": param, "code": code}}


def test_keys_are_checked(easel: Running) -> None:
    r = httpx.post(easel.url + PATH, headers={"Authorization": "Bearer wrong"}, json={"prompt": "a cat"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = httpx.post(easel.url + PATH, json={"prompt": "a cat"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "invalid_request_error"
