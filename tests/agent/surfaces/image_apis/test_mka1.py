"""MKA1's images endpoint (seed 004) over real HTTP. Its SDK is not installable here, so the test makes the
request `sdk.llm.images.create(...)` makes: the same path, bearer auth, JSON body; `X-On-Behalf-Of` is
recorded with the usage."""

from __future__ import annotations

import ast
import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.agent.surfaces.image_apis.conftest import decode, new_tenant, run_client
from tests.conftest import Running, Tenant

PATH = "/api/v1/llm/images/generations"
# The seed's Python (SDK) example, as the HTTP request the SDK sends, printing the response as it does.
CLIENT = '''
import requests

res = requests.post(
    BASE_URL + "/api/v1/llm/images/generations",
    headers={"Authorization": "Bearer <YOUR_BEARER_TOKEN_HERE>", "X-On-Behalf-Of": "end-user-7"},
    json={"prompt": "A serene mountain landscape at sunset with a lake reflection", "model": "meetkai:z-image-turbo",
          "n": 1, "quality": "hd", "response_format": "url", "size": "1024x1024", "style": "vivid"},
).json()

# Handle response
print(res)
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
    printed = run_client(code, tmp_path)
    res = ast.literal_eval(printed)  # print(res) of a dict of JSON values is a Python literal
    assert isinstance(res["created"], int) and len(res["data"]) == 1
    item = res["data"][0]
    assert item["revised_prompt"] and decode(httpx.get(item["url"]).content).size == (1024, 1024)
    latest = history(easel, tenant)[0]
    assert (latest["api"], latest["on_behalf_of"]) == ("mka1", "end-user-7")
    assert latest["file_ids"] == [item["file_id"]]


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
    ({"prompt": "a cat", "size": "1536x1024"}, "size", "invalid_size"),  # OpenAI's, not MKA1's
    ({"prompt": "a cat", "style": "watercolor"}, "style", "invalid_request"),
    ({"prompt": "a cat", "quality": "high"}, "quality", "invalid_request"),
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
