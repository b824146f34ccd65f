"""OpenAI's Images API (and ZarkAI's direct images endpoint on the same path) over real HTTP: the OpenAI
Python SDK as the client, the offline painter, and a paid painter on a fake upstream for masks and budgets."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import decode, gif_bytes, new_tenant, set_budget, space_files
from tests.conftest import Running, Tenant, png_bytes
from tests.fakes.images_upstream import FakeImagesUpstream


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "openai-images")


@pytest.fixture(scope="module")
def client(easel: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0) as c:
        yield c


def ids(files: list[dict[str, Any]]) -> set[str]:
    return {f["fileId"] for f in files}


def post(running: Running, tenant: Tenant, path: str, **kw: Any) -> httpx.Response:
    return httpx.post(running.url + path, headers=tenant.headers, timeout=60, **kw)


def test_sdk_generates_two_images_as_base64_and_both_are_in_the_space(
        easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    res = client.images.generate(prompt="A lighthouse on a cliff at dawn", n=2, response_format="b64_json",
                                 size="512x512")
    assert len(res.data or []) == 2
    blobs = [base64.b64decode(item.b64_json or "") for item in res.data or []]
    assert [decode(b).size for b in blobs] == [(512, 512), (512, 512)] and blobs[0] != blobs[1]
    made = [item.model_dump()["file_id"] for item in res.data or []]
    assert set(made) <= ids(space_files(easel, tenant))
    for file_id, blob in zip(made, blobs, strict=True):  # the bytes handed out are the Space's bytes
        stored = httpx.get(f"{easel.url}/v1/storage/files/{file_id}/content", headers=tenant.headers)
        assert stored.content == blob


def test_sdk_edits_two_uploaded_images_into_one_and_keeps_the_sources(
        easel: Running, tenant: Tenant, client: openai.OpenAI, tmp_path: Path) -> None:
    (tmp_path / "red.png").write_bytes(png_bytes((96, 96), (220, 30, 30)))
    (tmp_path / "blue.png").write_bytes(png_bytes((96, 96), (30, 30, 220)))
    before = ids(space_files(easel, tenant))
    with open(tmp_path / "red.png", "rb") as a, open(tmp_path / "blue.png", "rb") as b:
        res = client.images.edit(image=[a, b], prompt="Combine these two images side by side")
    assert len(res.data or []) == 1
    url = (res.data or [])[0].url or ""
    combined = decode(httpx.get(url).content)  # a signed URL: no key needed
    assert combined.width > combined.height
    files = {f["fileId"]: f for f in space_files(easel, tenant)}
    new = {i: files[i] for i in set(files) - before}
    sources = sorted(i for i, f in new.items() if f["origin"] == "upload")
    results = [f for f in new.values() if f["origin"] == "generated"]
    assert len(sources) == 2 and len(results) == 1
    assert sorted(results[0]["metadata"]["source_file_ids"]) == sources
    assert results[0]["metadata"]["operation"] == "compose"


def test_sdk_edits_one_image(easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    photo = png_bytes((128, 96), (40, 120, 200))
    res = client.images.edit(image=("photo.png", photo, "image/png"), prompt="Make it black and white",
                             response_format="b64_json")
    edited = decode(base64.b64decode((res.data or [])[0].b64_json or ""))
    assert edited.size == (128, 96)
    pixel = edited.convert("RGB").getpixel((64, 48))
    assert isinstance(pixel, tuple)
    r, g, b = pixel
    assert abs(r - b) < 8 and abs(r - g) < 8  # grey now, blue before


def test_zarkai_direct_generation_saves_to_the_named_workspace(easel: Running, tenant: Tenant) -> None:
    ws = httpx.post(easel.url + "/v1/workspaces", headers=tenant.headers, json={"name": "posters"}).json()["id"]
    r = post(easel, tenant, "/v1/images/generations",
             json={"prompt": "Tokyo landmarks at night", "workspace_id": ws, "aspect_ratio": "16:9"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["file_id"].startswith("file-") and body["mime_type"] == "image/png"
    assert body["name"].endswith(".png") and "tokyo" in body["name"]
    assert body["data"][0]["file_id"] == body["file_id"] and isinstance(body["created"], int)
    in_ws = {f["fileId"]: f for f in space_files(easel, tenant, ws)}
    assert in_ws[body["file_id"]]["width"] > in_ws[body["file_id"]]["height"]
    assert body["file_id"] not in ids(space_files(easel, tenant))  # not in the default workspace
    other = new_tenant(easel, "not-the-owner")
    assert post(easel, other, "/v1/images/generations",
                json={"prompt": "x", "workspace_id": ws}).json()["error"]["code"] == "not_found"


def test_json_edit_by_file_id_and_by_data_url(easel: Running, tenant: Tenant) -> None:
    up = httpx.post(easel.url + "/v1/storage/files", headers=tenant.headers,
                    files={"file": ("lake.png", png_bytes((80, 60)), "image/png")}).json()["fileId"]
    r = post(easel, tenant, "/v1/images/edits", json={"prompt": "Add falling snow", "images": [{"file_id": up}]})
    assert r.status_code == 200, r.text
    made = r.json()["data"][0]["file_id"]
    meta = {f["fileId"]: f for f in space_files(easel, tenant)}[made]["metadata"]
    assert meta["source_file_ids"] == [up] and meta["operation"] == "edit"
    inline = "data:image/png;base64," + base64.b64encode(png_bytes((80, 60))).decode()
    r = post(easel, tenant, "/v1/images/edits", json={"prompt": "Combine these two images side by side",
                                                       "images": [{"image_url": inline}, {"file_id": up}]})
    assert r.status_code == 200, r.text
    meta = {f["fileId"]: f for f in space_files(easel, tenant)}[r.json()["data"][0]["file_id"]]["metadata"]
    assert meta["operation"] == "compose" and meta["source_file_ids"][1] == up  # in the order sent
    bad = post(easel, tenant, "/v1/images/edits",
               json={"prompt": "Add rain", "images": [{"image_url": "data:image/png;base64,@@not base64@@"}]})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_base64"


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"prompt": ""}, "prompt", "invalid_prompt"),
    ({"n": 1}, "prompt", "missing_prompt"),
    ({"prompt": "x" * 4001}, "prompt", "invalid_prompt"),
    ({"prompt": "a cat", "n": 11}, "n", "invalid_request"),
    ({"prompt": "a cat", "n": True}, "n", "invalid_request"),
    ({"prompt": "a cat", "size": "64x4000"}, "size", "invalid_size"),
    ({"prompt": "a cat", "size": "huge"}, "size", "invalid_size"),
    ({"prompt": "a cat", "aspect_ratio": "5:1"}, "aspect_ratio", "invalid_size"),
    ({"prompt": "a cat", "model": "gpt-4o"}, "model", "invalid_model"),
    ({"prompt": "a cat", "response_format": "xml"}, "response_format", "invalid_request"),
    ({"prompt": "a cat", "quality": "ultra"}, "quality", "invalid_request"),
    ({"prompt": "a cat", "stream": "yes"}, "stream", "invalid_request"),
    ({"prompt": "a cat", "partial_images": 2}, "partial_images", "invalid_request"),
    ({"prompt": "a cat", "stream": True, "partial_images": 4}, "partial_images", "invalid_request"),
    ({"prompt": "a cat", "colour": "red"}, "colour", "invalid_request"),
])
def test_bad_generation_requests_get_openai_errors(easel: Running, tenant: Tenant, body: dict[str, Any],
                                                   param: str, code: str) -> None:
    r = post(easel, tenant, "/v1/images/generations", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)


def test_the_sdk_sees_bad_requests_and_bad_keys_as_its_own_errors(easel: Running, client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.images.generate(prompt="a cat", n=11)
    assert bad.value.code == "invalid_request" and bad.value.param == "n"
    with openai.OpenAI(base_url=easel.url + "/v1", api_key="esk_wrong", max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError) as denied:
            wrong.images.generate(prompt="a cat")
    assert denied.value.code == "invalid_api_key"
    r = httpx.post(easel.url + "/v1/images/edits", files={"image": ("a.png", png_bytes(), "image/png")},
                   data={"prompt": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_bad_edit_images_are_refused_and_nothing_is_left_behind(easel: Running, tenant: Tenant) -> None:
    before = ids(space_files(easel, tenant))
    good = ("a.png", png_bytes(), "image/png")
    cases = [
        ([good, ("b.png", b"\x89PNG\r\n\x1a\n but not really", "image/png")], 415, "invalid_image"),
        ([("notes.txt", b"just some text", "text/plain")], 415, "invalid_image"),
        ([("anim.gif", gif_bytes(), "image/gif")], 415, "unsupported_media_type"),
        ([good] * 5, 400, "too_many_images"),  # the offline painter takes at most 4
        ([], 400, "invalid_request"),
    ]
    for parts, status, code in cases:
        files = [("image[]", p) for p in parts] or [("mask", good)]
        r = post(easel, tenant, "/v1/images/edits", files=files, data={"prompt": "Add rain"})
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert ids(space_files(easel, tenant)) == before


# -- a paid painter: masks reach it, budgets hold ---------------------------------------------------------
@pytest.fixture(scope="module")
def payer(paid: Running) -> Tenant:
    return new_tenant(paid, "openai-payer")


def test_a_mask_reaches_the_painter_with_the_image(paid: Running, payer: Tenant, upstream: FakeImagesUpstream) -> None:
    upstream.clear_failures()
    mask = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 0, 0, 0)).save(mask, format="PNG")
    image = ("image", ("lake.png", png_bytes(), "image/png"))
    r = post(paid, payer, "/v1/images/edits", data={"prompt": "Put a boat on the lake"},
             files=[image, ("mask", ("m.png", mask.getvalue(), "image/png"))])
    assert r.status_code == 200, r.text
    sent = upstream.image_requests[-1]
    assert sent.path.endswith("/images/edits") and len(sent.files_named("image[]")) == 1
    [sent_mask] = sent.files_named("mask")
    assert decode(sent_mask.data).size == (64, 48)
    wrong = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(wrong, format="PNG")
    r = post(paid, payer, "/v1/images/edits", data={"prompt": "x"},
             files=[image, ("mask", ("m.png", wrong.getvalue(), "image/png"))])
    assert (r.status_code, r.json()["error"]["param"]) == (400, "mask")


def test_an_exhausted_budget_is_402_and_nothing_is_painted_or_stored(
        paid: Running, upstream: FakeImagesUpstream) -> None:
    broke = new_tenant(paid, "openai-broke")
    set_budget(paid, broke, "0")
    sent, stored = len(upstream.image_requests), ids(space_files(paid, broke))
    r = post(paid, broke, "/v1/images/generations", json={"prompt": "a red kite"})
    assert r.status_code == 402 and r.json()["error"]["code"] == "insufficient_credits"
    r = post(paid, broke, "/v1/images/edits", data={"prompt": "Add rain"},
             files=[("image", ("a.png", png_bytes(), "image/png"))])
    assert r.status_code == 402 and r.json()["error"]["type"] == "invalid_request_error"
    assert len(upstream.image_requests) == sent and ids(space_files(paid, broke)) == stored


# -- OpenAI's image guide, run unchanged but for the client's address and key --------------------------------
GUIDE_GENERATE = '''
from openai import OpenAI
import base64
client = OpenAI()

prompt = """
A children's book drawing of a veterinarian using a stethoscope to
listen to the heartbeat of a baby otter.
"""

result = client.images.generate(
    model="gpt-image-1",
    prompt=prompt
)

image_base64 = result.data[0].b64_json
image_bytes = base64.b64decode(image_base64)

# Save the image to a file
with open("otter.png", "wb") as f:
    f.write(image_bytes)
'''
GUIDE_EDIT = '''
import base64
from openai import OpenAI
client = OpenAI()

prompt = """
Generate a photorealistic image of a gift basket on a white background
labeled 'Relax & Unwind' with a ribbon and handwriting-like font,
containing all the items in the reference pictures.
"""

result = client.images.edit(
    model="gpt-image-1",
    image=[
        open("body-lotion.png", "rb"),
        open("bath-bomb.png", "rb"),
        open("incense-kit.png", "rb"),
        open("soap.png", "rb"),
    ],
    prompt=prompt
)

image_base64 = result.data[0].b64_json
image_bytes = base64.b64decode(image_base64)

# Save the image to a file
with open("gift-basket.png", "wb") as f:
    f.write(image_bytes)
'''


def run_guide(running: Running, tenant: Tenant, code: str, cwd: Path) -> None:
    import subprocess
    import sys

    env = {"OPENAI_BASE_URL": running.url + "/v1", "OPENAI_API_KEY": tenant.key, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_image_guides_generation_quick_start_gets_base64(easel: Running, tenant: Tenant,
                                                              tmp_path: Path) -> None:
    run_guide(easel, tenant, GUIDE_GENERATE, tmp_path)
    assert decode((tmp_path / "otter.png").read_bytes()).size == (1024, 1024)


def test_the_image_guides_edit_quick_start_combines_four_images(easel: Running, tenant: Tenant,
                                                                 tmp_path: Path) -> None:
    for name, colour in (("body-lotion", "white"), ("bath-bomb", "pink"), ("incense-kit", "brown"),
                         ("soap", "green")):
        Image.new("RGB", (256, 256), colour).save(tmp_path / f"{name}.png")
    run_guide(easel, tenant, GUIDE_EDIT, tmp_path)
    assert decode((tmp_path / "gift-basket.png").read_bytes()).format == "PNG"


def test_the_default_format_follows_the_model_family(client: openai.OpenAI) -> None:
    gpt = client.images.generate(model="gpt-image-1", prompt="A paper crane", size="256x256")
    assert gpt.data and gpt.data[0].b64_json and gpt.data[0].url is None
    assert (gpt.size, gpt.quality, gpt.output_format, gpt.background) == ("256x256", "auto", "png", "opaque")
    assert gpt.usage is not None and gpt.usage.input_tokens == gpt.usage.input_tokens_details.text_tokens > 0
    dalle = client.images.generate(model="dall-e-3", prompt="A paper crane", size="256x256")
    assert dalle.data and dalle.data[0].url and dalle.data[0].b64_json is None
    unnamed = client.images.generate(prompt="A paper crane", size="256x256")
    assert unnamed.data and unnamed.data[0].url and unnamed.data[0].b64_json is None
    asked = client.images.generate(model="gpt-image-1", prompt="A paper crane", size="256x256",
                                   response_format="url")
    assert asked.data and asked.data[0].url


def test_moderation_compression_and_fidelity_are_accepted(client: openai.OpenAI, tenant: Tenant) -> None:
    res = client.images.generate(model="gpt-image-1", prompt="A lantern", size="256x256", moderation="low",
                                 output_format="jpeg", output_compression=60)
    assert res.data and decode(base64.b64decode(res.data[0].b64_json or "")).format == "JPEG"
    photo = io.BytesIO(png_bytes())
    edited = client.images.edit(model="gpt-image-1", image=("p.png", photo, "image/png"), prompt="Add snow",
                                input_fidelity="high")
    assert edited.data and edited.data[0].b64_json
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="x", output_compression=101)
    assert caught.value.body["param"] == "output_compression"  # type: ignore[index]


def test_variations_through_the_sdk(client: openai.OpenAI, easel: Running, tenant: Tenant) -> None:
    before = ids(space_files(easel, tenant))
    res = client.images.create_variation(image=("p.png", io.BytesIO(png_bytes()), "image/png"), n=2,
                                         response_format="b64_json")
    made = [decode(base64.b64decode(d.b64_json or "")) for d in res.data or []]
    assert len(made) == 2 and made[0].tobytes() != made[1].tobytes()
    assert made[0].size == decode(png_bytes()).size
    assert len(ids(space_files(easel, tenant)) - before) == 3  # the source, kept as an upload, and two variations
    with pytest.raises(openai.APIStatusError) as caught:
        client.images.create_variation(image=("p.gif", io.BytesIO(b"GIF89a not really"), "image/gif"))
    assert caught.value.status_code == 415 and caught.value.body["code"] == "invalid_image"  # type: ignore[index]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/v1/images/generations", 405), ("GET", "/v1/images/variations", 405),
    ("PUT", "/v1/images/edits", 405), ("POST", "/v1/images/nothing-here", 404)])
def test_every_error_under_images_is_openais(easel: Running, tenant: Tenant, method: str, path: str,
                                              status: int) -> None:
    r = httpx.request(method, easel.url + path, headers=tenant.headers)
    assert r.status_code == status
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}


def test_zekron_tokens_keep_zekrons_shape(easel: Running, tenant: Tenant) -> None:
    r = httpx.get(easel.url + "/v1/images/gen-0123456789abcdef", headers=tenant.headers)
    assert r.status_code == 404 and r.json()["success"] is False


def test_a_providers_usage_is_passed_on(paid: Running, payer: Tenant) -> None:
    r = post(paid, payer, "/v1/images/generations", json={"model": "gpt-image-1", "prompt": "a kite", "n": 2,
                                                          "size": "256x256"})
    assert r.status_code == 200, r.text
    assert r.json()["usage"] == {"input_tokens": 50, "output_tokens": 544, "total_tokens": 594,
                                 "input_tokens_details": {"text_tokens": 50, "image_tokens": 0}}
