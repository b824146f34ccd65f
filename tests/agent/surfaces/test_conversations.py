"""`/v1/conversations` over real HTTP on the offline defaults: listed newest first with cursor paging,
reopened as the stream drew them (links freshly signed), renamed, deleted (images stay), and another
account's conversation is 404 on every route."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Running, png_bytes


def chat(c: httpx.Client, workspace_id: str, text: str, **extra: Any) -> dict[str, Any]:
    r = c.post("/v1/chat", json={"messages": [{"role": "user", "content": text}], "workspace_id": workspace_id,
                                 **extra})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture(scope="module")
def workspace(easel: Running) -> str:
    """A workspace of alice's own, so other tests' conversations do not show in these lists."""
    with easel.client(easel.alice) as c:
        created: str = c.post("/v1/workspaces", json={"name": "conversations"}).json()["id"]
    return created


def test_a_thread_reopens_as_it_was_streamed(easel: Running, workspace: str) -> None:
    with easel.client(easel.alice) as c:
        first = chat(c, workspace, "Create an image of a lighthouse at dawn")
        conv = first["conversation_id"]
        second = chat(c, workspace, "Make it snowy", conversation_id=conv)
        assert second["conversation_id"] == conv and len(first["media"]) == len(second["media"]) == 1
        got = c.get(f"/v1/conversations/{conv}", params={"workspace_id": workspace}).json()
    assert got["id"] == conv and got["title"] == "Create an image of a lighthouse at dawn"
    assert got["message_count"] == 4 == len(got["messages"])
    assert [m["role"] for m in got["messages"]] == ["user", "assistant", "user", "assistant"]
    assert [m["content"] for m in got["messages"]] == ["Create an image of a lighthouse at dawn", first["response"],
                                                        "Make it snowy", second["response"]]
    for entry, reply in ((got["messages"][1], first), (got["messages"][3], second)):
        assert [m["file_id"] for m in entry["media"]] == [m["file_id"] for m in reply["media"]]
        assert entry["tool_calls"] == reply["tool_calls"]  # the same calls, arguments, statuses and files
        assert entry["media"][0]["metadata"] == reply["media"][0]["metadata"]
    # Every link works with no key and serves the image's own bytes.
    made = got["messages"][3]["media"][0]
    with easel.client(easel.alice) as c:
        own = c.get(f"/v1/storage/files/{made['file_id']}/content", params={"workspace_id": workspace}).content
    anon = httpx.get(made["url"])
    assert anon.status_code == 200 and anon.content == own and own.startswith(b"\x89PNG")
    assert got["last_image"]["file_id"] == made["file_id"]
    assert made["metadata"]["source_file_ids"] == [first["media"][0]["file_id"]]


def test_list_is_newest_first_with_cursor_paging(easel: Running) -> None:
    with easel.client(easel.alice) as c:
        ws = c.post("/v1/workspaces", json={"name": "paging"}).json()["id"]
        made = [chat(c, ws, f"Say hello number {i}")["conversation_id"] for i in range(5)]
        chat(c, ws, "And again", conversation_id=made[1])  # activity moves it to the front
        seen, cursor, pages = [], None, 0
        while True:
            r = c.get("/v1/conversations", params={"workspace_id": ws, "limit": 2, **({"cursor": cursor} if cursor
                                                                                       else {})})
            assert r.status_code == 200, r.text
            page = r.json()
            pages += 1
            seen += page["conversations"]
            assert page["pagination"]["has_more"] == (page["pagination"]["cursor"] is not None)
            if not (cursor := page["pagination"]["cursor"]):
                break
        bad = c.get("/v1/conversations", params={"workspace_id": ws, "cursor": "not-a-cursor"})
        too_many = c.get("/v1/conversations", params={"workspace_id": ws, "limit": 1000})
    assert pages == 3
    assert [s["id"] for s in seen] == [made[1], made[4], made[3], made[2], made[0]]
    assert [s["message_count"] for s in seen] == [4, 2, 2, 2, 2]
    assert seen[0]["title"] == "Say hello number 1" and seen[0]["last_image"] is None
    assert seen[0]["updated_at"] > seen[0]["created_at"]
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_request")
    assert (too_many.status_code, too_many.json()["code"]) == (400, "invalid_request")


def test_attachments_show_on_the_user_message_and_last_image_in_the_list(easel: Running, workspace: str) -> None:
    with easel.client(easel.alice) as c:
        up = c.post("/v1/storage/files", data={"workspace_id": workspace},
                    files={"file": ("photo.png", png_bytes((80, 60)), "image/png")}).json()
        done = chat(c, workspace, "Render this photo as a pencil sketch", file_ids=[up["fileId"]])
        conv = done["conversation_id"]
        got = c.get(f"/v1/conversations/{conv}", params={"workspace_id": workspace}).json()
        listed = c.get("/v1/conversations", params={"workspace_id": workspace, "limit": 1}).json()
    user = got["messages"][0]
    assert user["file_ids"] == [up["fileId"]] and [m["name"] for m in user["media"]] == ["photo.png"]
    assert got["messages"][1]["media"][0]["metadata"]["source_file_ids"] == [up["fileId"]]
    assert listed["conversations"][0]["id"] == conv
    assert listed["conversations"][0]["last_image"]["file_id"] == done["media"][0]["file_id"]
    assert httpx.get(listed["conversations"][0]["last_image"]["url"]).content[:4] == b"\x89PNG"


def test_rename_then_delete_keeps_the_images(easel: Running, workspace: str) -> None:
    with easel.client(easel.alice) as c:
        done = chat(c, workspace, "Create an image of a red bicycle")
        conv, image = done["conversation_id"], done["media"][0]["file_id"]
        p = {"workspace_id": workspace}
        renamed = c.patch(f"/v1/conversations/{conv}", params=p, json={"title": "  Bikes \n and more "})
        assert renamed.status_code == 200 and renamed.json()["title"] == "Bikes and more"
        assert c.get(f"/v1/conversations/{conv}", params=p).json()["title"] == "Bikes and more"
        for body in ({"title": ""}, {"title": "x" * 201}, {"title": 3}, {}):
            r = c.patch(f"/v1/conversations/{conv}", params=p, json=body)
            assert (r.status_code, r.json()["code"]) == (400, "invalid_request"), body
        assert c.patch(f"/v1/conversations/{conv}", params=p, content=b"{").json()["code"] == "invalid_json"
        # A later turn does not overwrite a title that was set.
        chat(c, workspace, "Make it blue", conversation_id=conv)
        assert c.get(f"/v1/conversations/{conv}", params=p).json()["title"] == "Bikes and more"
        gone = c.delete(f"/v1/conversations/{conv}", params=p)
        assert gone.status_code == 200 and gone.json() == {"id": conv, "deleted": True}
        for method in ("GET", "PATCH", "DELETE"):
            r = c.request(method, f"/v1/conversations/{conv}", params=p, json={"title": "x"})
            assert (r.status_code, r.json()["code"]) == (404, "not_found")
        again = c.post("/v1/chat", json={"messages": [{"role": "user", "content": "hi"}], "workspace_id": workspace,
                                         "conversation_id": conv})
        assert (again.status_code, again.json()["code"]) == (404, "not_found")
        assert c.get(f"/v1/storage/files/{image}", params=p).status_code == 200  # the image stays in the Space
        assert conv not in [x["id"] for x in c.get("/v1/conversations", params=p).json()["conversations"]]


def test_another_accounts_conversation_is_not_found(easel: Running) -> None:
    with easel.client(easel.bob) as c:
        conv = chat(c, easel.bob.workspace_id, "Create an image of a secret garden")["conversation_id"]
    with easel.client(easel.alice) as c:
        for params in ({}, {"workspace_id": easel.bob.workspace_id}):
            for method in ("GET", "PATCH", "DELETE"):
                r = c.request(method, f"/v1/conversations/{conv}", params=params, json={"title": "mine"})
                assert (r.status_code, r.json()["code"]) == (404, "not_found"), (method, params)
        listed = c.get("/v1/conversations", params={"workspace_id": easel.bob.workspace_id})
        assert (listed.status_code, listed.json()["code"]) == (404, "not_found")
        assert conv not in [x["id"] for x in c.get("/v1/conversations").json()["conversations"]]
        r = c.post("/v1/chat", json={"messages": [{"role": "user", "content": "hi"}],
                                     "workspace_id": easel.alice.workspace_id, "conversation_id": conv})
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    with easel.client(easel.bob) as c:  # still there, untouched, for its owner
        got = c.get(f"/v1/conversations/{conv}").json()
        assert got["title"] == "Create an image of a secret garden" and got["message_count"] == 2
    assert httpx.get(easel.url + "/v1/conversations").status_code == 401
