"""The isolation matrix on the OpenAI-shaped and MCP surfaces: another account's workspace, files and links
are 404 or simply invisible, exactly as if they did not exist."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import Running, png_bytes


@pytest.fixture(scope="module")
def bobs(easel: Running) -> dict[str, Any]:
    """Bob's upload (with its signed link) and an image he made through chat completions (lasting link)."""
    with easel.client(easel.bob) as c:
        upload = c.post("/v1/storage/files", files={"file": ("b.png", png_bytes(), "image/png")}).json()
        made = c.post("/v1/chat/completions", json={
            "model": "easel", "messages": [{"role": "user", "content": "Create an image of a private garden"}]})
        assert made.status_code == 200, made.text
    return {"workspace": easel.bob.workspace_id, "upload": upload["fileId"], "upload_url": upload["url"],
            "made": made.json()["easel"]["media"][0], "markdown": made.json()["choices"][0]["message"]["content"]}


def completion(easel: Running, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(easel.url + "/v1/chat/completions", headers={**easel.alice.headers, **headers},
                      json={"model": "easel", **body}, timeout=60)


def test_chat_completions_hide_another_accounts_workspace_and_files(easel: Running, bobs: dict[str, Any]) -> None:
    say = [{"role": "user", "content": "Create an image of a cat"}]
    r = completion(easel, {"messages": say}, **{"X-Easel-Workspace": bobs["workspace"]})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    for url in (bobs["upload_url"], bobs["made"]["url"]):  # his links, sent as if they were Alice's images
        r = completion(easel, {"messages": [{"role": "user", "content": [
            {"type": "text", "text": "Make it darker"}, {"type": "image_url", "image_url": {"url": url}}]}]})
        assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found"), r.text
    # His Markdown replayed as Alice's history: the image is not offered to the model, nor changed.
    r = completion(easel, {"messages": [{"role": "user", "content": "Create an image of a private garden"},
                                        {"role": "assistant", "content": bobs["markdown"]},
                                        {"role": "user", "content": "Make it darker"}]})
    assert r.status_code == 200, r.text
    assert all(m["metadata"]["source_file_ids"] == [] for m in r.json()["easel"]["media"])
    assert bobs["made"]["file_id"] not in r.text.replace(bobs["made"]["url"], "")
    with easel.client(easel.bob) as c:
        assert c.get(f"/v1/storage/files/{bobs['made']['file_id']}").status_code == 200


def test_a_lasting_link_is_bound_to_its_file_and_workspace_secret_and_may_expire() -> None:
    from easel.spaces.errors import EaselError
    from easel.spaces.signing import LinkSigner

    forever = LinkSigner(secret=b"k", workspace_secret="w1")
    mac = forever.query("file-x").removeprefix("link=")
    forever.verify("file-x", mac, None, now=10**12)  # no lifetime: good at any time
    for signer, file_id in ((forever, "file-y"), (LinkSigner(secret=b"k", workspace_secret="w2"), "file-x"),
                            (LinkSigner(secret=b"other", workspace_secret="w1"), "file-x")):
        with pytest.raises(EaselError) as err:
            signer.verify(file_id, mac, None)
        assert (err.value.status, err.value.code) == (404, "not_found")
    timed = LinkSigner(secret=b"k", workspace_secret="w1", ttl_s=60)
    q = dict(p.split("=") for p in timed.query("file-x", now=1000).split("&"))
    timed.verify("file-x", q["link"], q["until"], now=1059)
    with pytest.raises(EaselError) as err:
        timed.verify("file-x", q["link"], q["until"], now=1061)
    assert (err.value.status, err.value.code) == (410, "expired")
    with pytest.raises(EaselError) as err:  # the lifetime is signed: it cannot be stretched
        timed.verify("file-x", q["link"], str(int(q["until"]) + 3600), now=1061)
    assert err.value.status == 404


def test_responses_hide_another_accounts_responses_workspace_and_files(easel: Running,
                                                                      bobs: dict[str, Any]) -> None:
    made = httpx.post(easel.url + "/v1/responses", headers=easel.bob.headers, timeout=60, json={
        "model": "easel", "input": "Create an image of a secret map", "tools": [{"type": "image_generation"}]})
    assert made.status_code == 200, made.text

    def respond(body: dict[str, Any], **headers: str) -> httpx.Response:
        return httpx.post(easel.url + "/v1/responses", headers={**easel.alice.headers, **headers}, timeout=60,
                          json={"model": "easel", "tools": [{"type": "image_generation"}], **body})

    tries = [
        respond({"input": "Make it darker", "previous_response_id": made.json()["id"]}),
        respond({"input": "hi"}, **{"X-Easel-Workspace": bobs["workspace"]}),
        respond({"input": [{"role": "user", "content": [{"type": "input_text", "text": "Make it darker"},
                                                         {"type": "input_image", "file_id": bobs["upload"]}]}]}),
        respond({"input": [{"role": "user", "content": [{"type": "input_text", "text": "Make it darker"},
                                                         {"type": "input_image", "image_url": bobs["made"]["url"]}]}]}),
    ]
    for r in tries:
        assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found"), r.text


def test_mcp_hides_another_accounts_files_and_workspace(easel: Running, bobs: dict[str, Any]) -> None:
    import anyio
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.shared.exceptions import MCPError

    his = [bobs["upload"], bobs["made"]["file_id"]]

    async def as_alice(**headers: str) -> list[Any]:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {easel.alice.key}", **headers})
        async with http, Client(streamable_http_client(easel.url + "/mcp", http_client=http)) as client:
            seen: list[Any] = [await client.call_tool("get_file", {"file_id": f}) for f in his]
            seen.append(await client.call_tool("image_gen", {"prompt": "Make it darker", "source_file_ids": his[:1]}))
            seen.append(await client.call_tool("list_files", {"limit": 100}))
            seen.append(await client.list_resources())
            for f in his:
                with pytest.raises(MCPError) as err:
                    await client.read_resource(f"easel://files/{f}")
                seen.append(err.value.code)
            return seen

    got_upload, got_made, edit, listed, resources, *codes = anyio.run(as_alice)
    assert got_upload.is_error and got_made.is_error and "not found" in got_upload.content[0].text.lower()
    assert edit.is_error and "not all images in this workspace" in edit.content[0].text
    assert not set(his) & {f["file_id"] for f in json.loads(listed.content[0].text)["files"]}
    assert not set(his) & {str(r.uri).removeprefix("easel://files/") for r in resources.resources}
    assert codes == [-32002, -32002]

    async def in_his_workspace() -> Any:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {easel.alice.key}",
                                               "X-Easel-Workspace": bobs["workspace"]})
        async with http, Client(streamable_http_client(easel.url + "/mcp", http_client=http)) as client:
            return await client.call_tool("list_files", {})

    listing = anyio.run(in_his_workspace)
    assert listing.is_error and listing.content[0].text == "Workspace not found (not_found)"
