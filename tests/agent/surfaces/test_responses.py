"""`POST /v1/responses` with the `image_generation` tool over real HTTP, the `openai` SDK as the client
(`client.responses.create` and `client.responses.stream`), on the offline defaults."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from PIL import Image

from tests.conftest import Running, Tenant, png_bytes
from tests.serverproc import parse_fields, run_cli

IMAGE_TOOL: dict[str, Any] = {"type": "image_generation"}


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    fields = parse_fields(run_cli(easel.server.data_dir, "accounts", "create", "responses"))
    return Tenant(fields["api key"], fields["workspace"], fields["account"])


@pytest.fixture(scope="module")
def client(easel: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0) as c:
        yield c


def images(response: Any) -> list[Any]:
    return [o for o in response.output if o.type == "image_generation_call"]


def stored(easel: Running, tenant: Tenant, file_id: str) -> bytes:
    r = httpx.get(f"{easel.url}/v1/storage/files/{file_id}/content", headers=tenant.headers)
    assert r.status_code == 200
    return r.content


def test_create_returns_the_image_in_base64_with_the_tools_settings(
        easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    r = client.responses.create(model="easel", input="Create an image of a harbour at dusk",
                                tools=[{"type": "image_generation", "size": "512x384", "output_format": "jpeg",
                                        "quality": "low"}])
    assert r.status == "completed" and r.id.startswith("resp_")
    assert [o.type for o in r.output] == ["message", "image_generation_call", "message"]
    (call,) = images(r)
    data = base64.b64decode(call.result or "")
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.size) == ("JPEG", (512, 384))
    extra = call.model_extra or {}
    assert (extra["size"], extra["output_format"], extra["quality"]) == ("512x384", "jpeg", "low")
    assert data == stored(easel, tenant, extra["easel"]["file_id"])  # the Space's bytes
    assert "harbour" in r.output_text.lower()
    assert r.usage is not None and r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens > 0


def test_previous_response_id_edits_the_last_image_and_branches(
        easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    first = client.responses.create(model="easel", input="Create an image of a forest lake", tools=[IMAGE_TOOL])
    made = images(first)[0].model_extra["easel"]["file_id"]
    darker = client.responses.create(model="easel", input="Make it darker", previous_response_id=first.id,
                                     tools=[IMAGE_TOOL])
    edit = images(darker)[0].model_extra["easel"]
    assert edit["metadata"]["source_file_ids"] == [made] and edit["metadata"]["operation"] == "edit"
    assert darker.previous_response_id == first.id
    snowy = client.responses.create(model="easel", input="Add snow to it", previous_response_id=darker.id,
                                    tools=[IMAGE_TOOL])
    assert images(snowy)[0].model_extra["easel"]["metadata"]["source_file_ids"] == [edit["file_id"]]
    # From the first response again: a branch, in which "it" is still the first image.
    branch = client.responses.create(model="easel", input="Make it black and white", previous_response_id=first.id,
                                     tools=[IMAGE_TOOL])
    assert images(branch)[0].model_extra["easel"]["metadata"]["source_file_ids"] == [made]
    assert branch.id.split("_")[1] != first.id.split("_")[1]


def test_stream_sends_openais_events_in_order(easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    with client.responses.stream(model="easel", input="Create an image of a lighthouse on a cliff",
                                 tools=[{"type": "image_generation", "size": "256x256", "partial_images": 2}]) as s:
        events = list(s)
        final = s.get_final_response()
    kinds = [e.type for e in events]
    deltas = [i for i, k in enumerate(kinds) if k == "response.output_text.delta"]
    text_item = ["response.output_item.added", "response.content_part.added", "response.output_text.delta",
                 "response.output_text.done", "response.content_part.done", "response.output_item.done"]
    squeezed = [k for i, k in enumerate(kinds) if not (k == "response.output_text.delta" and i - 1 in deltas)]
    assert squeezed == ["response.created", "response.in_progress", *text_item,
                        "response.output_item.added", "response.image_generation_call.in_progress",
                        "response.image_generation_call.generating", "response.image_generation_call.partial_image",
                        "response.image_generation_call.partial_image", "response.image_generation_call.completed",
                        "response.output_item.done", *text_item, "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    partials = [e for e in events if e.type == "response.image_generation_call.partial_image"]
    assert [e.partial_image_index for e in partials] == [0, 1]
    finished = images(final)[0]
    for p in partials:
        with Image.open(io.BytesIO(base64.b64decode(p.partial_image_b64))) as img:
            assert img.size == (256, 256)
    assert len({p.partial_image_b64 for p in partials} | {finished.result}) == 3  # two painter states, the final
    assert base64.b64decode(finished.result or "") == stored(easel, tenant, finished.model_extra["easel"]["file_id"])
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == final.output_text and "lighthouse" in text.lower()
    assert final.status == "completed" and events[0].response.id == final.id


def test_input_images_and_errors(easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    photo = png_bytes((64, 64), (20, 160, 60))
    r = client.responses.create(model="easel", tools=[IMAGE_TOOL], input=[{"role": "user", "content": [
        {"type": "input_text", "text": "Render this photo as a pencil sketch"},
        {"type": "input_image", "image_url": "data:image/png;base64," + base64.b64encode(photo).decode()}]}])
    source = images(r)[0].model_extra["easel"]["metadata"]["source_file_ids"]
    assert len(source) == 1 and stored(easel, tenant, source[0]) == photo
    cases = [
        ({"input": "hi", "tools": [{"type": "web_search"}]}, 400, "invalid_request", "tools.0"),
        ({"input": "hi", "previous_response_id": "resp_0123456789abcdef_1"}, 404, "not_found", None),
        ({"input": "hi", "previous_response_id": "nonsense"}, 404, "not_found", None),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/a.png"}]}]},
         400, "invalid_image_url", "input.0.content.0.image_url"),
        ({"input": "hi", "model": "gpt-5"}, 400, "invalid_model", "model"),
        ({"input": "hi", "tools": [{"type": "image_generation", "partial_images": 9}]}, 400, "invalid_request",
         "tools.0.partial_images"),
    ]
    for body, status, code, param in cases:
        r2 = httpx.post(easel.url + "/v1/responses", headers=tenant.headers, json={"model": "easel", **body})
        assert r2.status_code == status, r2.text
        assert (r2.json()["error"]["code"], r2.json()["error"]["param"]) == (code, param), r2.text
    unkept = client.responses.create(model="easel", input="hello", store=False)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="easel", input="again", previous_response_id=unkept.id)
