"""`POST /v1/chat/completions` and `GET /v1/models` over real HTTP against `easel serve` on the offline
defaults, with the `openai` SDK and litellm as clients (what chat frontends are built on)."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from PIL import Image

from tests.conftest import Running, Tenant, png_bytes
from tests.serverproc import parse_fields, run_cli

LINK = re.compile(r"!\[([^\]]+)\]\((http://127\.0\.0\.1:\d+/v1/storage/files/(file-[0-9a-f-]{36})/content\?link=\w+)\)")


def new_tenant(running: Running, name: str) -> Tenant:
    fields = parse_fields(run_cli(running.server.data_dir, "accounts", "create", name))
    return Tenant(fields["api key"], fields["workspace"], fields["account"])


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "chat-completions")


@pytest.fixture(scope="module")
def client(easel: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0) as c:
        yield c


def files_of(easel: Running, tenant: Tenant, workspace_id: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 100, **({"workspace_id": workspace_id} if workspace_id else {})}
    r = httpx.get(easel.url + "/v1/storage/files", headers=tenant.headers, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["files"])


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_models_lists_easel(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["easel"]


def test_sdk_not_streamed_gives_markdown_image_with_a_lasting_link_and_the_media_object(
        easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="easel", messages=[{"role": "user", "content": "Create an image of a city skyline at night"}])
    content = reply.choices[0].message.content or ""
    links = LINK.findall(content)
    assert len(links) == 1, content
    name, url, file_id = links[0]
    assert content.startswith("Creating") and content.index("![") < content.index("I created")
    media = (reply.model_extra or {})["easel"]["media"]
    assert [(m["file_id"], m["name"], m["url"]) for m in media] == [(file_id, name, url)]
    assert reply.choices[0].finish_reason == "stop" and reply.model == "easel"
    assert reply.usage is not None and reply.usage.total_tokens == reply.usage.prompt_tokens + \
        reply.usage.completion_tokens > 0
    image = httpx.get(url)  # no key: the link is the capability
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    own = httpx.get(f"{easel.url}/v1/storage/files/{file_id}/content", headers=tenant.headers)
    assert image.content == own.content and Image.open(io.BytesIO(image.content)).size == (1024, 1024)
    assert file_id in [f["fileId"] for f in files_of(easel, tenant)]


def test_sdk_streamed_chunks_with_usage_and_done(easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(
        model="easel", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Create an image of a mountain lake at sunrise"}]))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 2) + ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks[:-1])
    (name, url, file_id), = LINK.findall(text)
    with_media = [c for c in chunks if (c.model_extra or {}).get("easel")]
    assert len(with_media) == 1 and with_media[0].model_extra["easel"]["media"][0]["file_id"] == file_id  # type: ignore[index]
    assert "![" in (with_media[0].choices[0].delta.content or "")
    assert "mountain" in text.lower() and httpx.get(url).content.startswith(b"\x89PNG")


def test_the_wire_is_openai_sse_ending_in_done(easel: Running, tenant: Tenant) -> None:
    raw = b""
    with httpx.stream("POST", easel.url + "/v1/chat/completions", headers=tenant.headers, timeout=60,
                      json={"model": "easel", "stream": True, "messages": [{"role": "user", "content": "hello"}]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for part in r.iter_raw():
            raw += part
    blocks = raw.decode().split("\n\n")
    assert blocks[-1] == "" and blocks[-2] == "data: [DONE]"
    assert all(b.startswith("data: {") for b in blocks[:-2])  # no usage chunk unless asked for
    assert '"usage"' not in raw.decode()


def test_stateless_history_edits_the_image_it_shows(easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="easel", messages=[{"role": "user", "content": "Create an image of a beach at noon"}])
    shown = first.choices[0].message.content or ""
    (_, _, made), = LINK.findall(shown)
    second = client.chat.completions.create(model="easel", messages=[
        {"role": "user", "content": "Create an image of a beach at noon"},
        {"role": "assistant", "content": shown},  # what a frontend keeps: text and Markdown, no ids
        {"role": "user", "content": "Make it darker"}])
    media = (second.model_extra or {})["easel"]["media"]
    assert len(media) == 1 and media[0]["metadata"]["source_file_ids"] == [made]
    assert media[0]["metadata"]["operation"] == "edit" and media[0]["file_id"] != made


def test_image_url_data_is_attached_once_and_easel_links_are_recognised(
        easel: Running, client: openai.OpenAI) -> None:
    tenant = new_tenant(easel, "chat-completions-images")
    sdk = openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0)
    photo = png_bytes((80, 60), (10, 120, 200))
    ask = [{"type": "text", "text": "Render this photo as a pencil sketch"},
           {"type": "image_url", "image_url": {"url": data_url(photo)}}]
    reply = sdk.chat.completions.create(model="easel", messages=[{"role": "user", "content": ask}])  # type: ignore[misc,list-item]
    media = (reply.model_extra or {})["easel"]["media"]
    uploads = [f for f in files_of(easel, tenant) if f["origin"] == "upload"]
    assert len(uploads) == 1 and media[0]["metadata"]["source_file_ids"] == [uploads[0]["fileId"]]
    assert httpx.get(uploads[0]["url"]).content == photo
    # The frontend sends the same photo again with its history: it is recognised, not stored twice; and an
    # image given back by its Easel link is the same file.
    again = sdk.chat.completions.create(model="easel", messages=[
        {"role": "user", "content": ask}, {"role": "assistant", "content": reply.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "Apply a watercolor style to this image"},
                                     {"type": "image_url", "image_url": {"url": media[0]["url"]}}]}])  # type: ignore[misc,list-item]
    second = (again.model_extra or {})["easel"]["media"]
    assert second[0]["metadata"]["source_file_ids"] == [media[0]["file_id"]]
    assert len([f for f in files_of(easel, tenant) if f["origin"] == "upload"]) == 1


def test_other_urls_are_never_fetched_and_errors_are_openai_shaped(easel: Running, tenant: Tenant,
                                                                    client: openai.OpenAI) -> None:
    before = [f["fileId"] for f in files_of(easel, tenant)]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="easel", messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": data_url(png_bytes())}},  # stored, then removed again
            {"type": "image_url", "image_url": {"url": "http://127.0.0.1:9/secret.png"}}]}])
    body = err.value.body
    assert isinstance(body, dict) and body["code"] == "invalid_image_url"
    assert "does not fetch" in body["message"] and body["param"] == "messages.0.content.1"
    assert [f["fileId"] for f in files_of(easel, tenant)] == before  # nothing left behind
    cases = [
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, 400, "invalid_model", "model"),
        ({"model": "easel", "messages": []}, 400, "invalid_request", "messages"),
        ({"model": "easel", "messages": [{"role": "user", "content": "hi"}],
          "tools": [{"type": "function", "function": {"name": "f"}}]}, 400, "invalid_request", None),
        ({"model": "easel", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}]}]},
         400, "invalid_image_url", "messages.0.content.0"),
        ({"model": "easel", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": data_url(b"not an image at all")}}]}]},
         415, "invalid_image", "messages.0.content.0"),
    ]
    for body_sent, status, code, param in cases:
        r = httpx.post(easel.url + "/v1/chat/completions", headers=tenant.headers, json=body_sent)
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert (error["code"], error["param"], error["type"]) == (code, param, "invalid_request_error"), r.text
    r = httpx.post(easel.url + "/v1/chat/completions", json=cases[0][0])
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert [f["fileId"] for f in files_of(easel, tenant)] == before


def test_workspace_from_the_header(easel: Running, tenant: Tenant, client: openai.OpenAI) -> None:
    other = httpx.post(easel.url + "/v1/workspaces", headers=tenant.headers, json={"name": "posters"}).json()["id"]
    reply = client.chat.completions.create(
        model="easel", messages=[{"role": "user", "content": "Create an image of a red poster"}],
        extra_headers={"X-Easel-Workspace": other})
    made = (reply.model_extra or {})["easel"]["media"][0]["file_id"]
    assert [f["fileId"] for f in files_of(easel, tenant, other)] == [made]
    assert made not in [f["fileId"] for f in files_of(easel, tenant)]


def test_lasting_links_die_with_the_file_and_with_a_rotation(easel: Running, tenant: Tenant,
                                                             client: openai.OpenAI) -> None:
    def make() -> tuple[str, str]:
        reply = client.chat.completions.create(
            model="easel", messages=[{"role": "user", "content": "Create an image of a green field"}])
        media = (reply.model_extra or {})["easel"]["media"][0]
        return media["file_id"], media["url"]

    doomed, doomed_url = make()
    kept, kept_url = make()
    assert httpx.get(doomed_url).status_code == 200
    assert httpx.delete(f"{easel.url}/v1/storage/files/{doomed}", headers=tenant.headers).status_code == 200
    assert httpx.get(doomed_url).status_code == 404
    forged = kept_url.replace(kept, doomed)
    assert httpx.get(forged).status_code == 404
    assert httpx.get(kept_url[:-2] + "00").status_code == 404
    out = run_cli(easel.server.data_dir, "workspaces", "rotate-links", tenant.workspace_id)
    assert tenant.workspace_id in out
    assert httpx.get(kept_url).status_code == 404  # rotated: every earlier link is dead
    fresh, fresh_url = make()
    assert fresh_url != kept_url and httpx.get(fresh_url).status_code == 200
    assert httpx.get(f"{easel.url}/v1/storage/files/{kept}/content", headers=tenant.headers).status_code == 200


def test_litellm_as_a_client_streamed_and_not(easel: Running, tenant: Tenant) -> None:
    import litellm

    common: dict[str, Any] = {"model": "openai/easel", "api_base": easel.url + "/v1", "api_key": tenant.key}
    whole = litellm.completion(messages=[{"role": "user", "content": "Create an image of a snowy village"}],
                               **common)
    content = whole.choices[0].message.content
    (_, url, _), = LINK.findall(content)
    assert httpx.get(url).content.startswith(b"\x89PNG")
    parts = list(litellm.completion(messages=[{"role": "user", "content": "Create an image of a desert road"}],
                                    stream=True, **common))
    text = "".join(p.choices[0].delta.content or "" for p in parts)
    (_, url, _), = LINK.findall(text)
    assert "desert" in text.lower() and httpx.get(url).content.startswith(b"\x89PNG")
