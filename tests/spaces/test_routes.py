"""The files, folders and workspaces API over real HTTP, as a client uses it."""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import time
import zlib

import httpx

from tests.conftest import Running, png_bytes


def upload(c: httpx.Client, data: bytes, name: str = "red.png", ctype: str = "image/png",
           **params: str) -> httpx.Response:
    return c.post("/v1/storage/files", files={"file": (name, data, ctype)}, params=params)


def test_upload_list_retrieve_download_signed_url_delete(easel: Running) -> None:
    data = png_bytes()
    with easel.client(easel.alice) as c:
        r = upload(c, data)
        assert r.status_code == 200, r.text
        f = r.json()
        assert f["fileId"].startswith("file-") and f["mimeType"] == "image/png" and f["sizeBytes"] == len(data)
        assert (f["width"], f["height"]) == (64, 48)
        listed = c.get("/v1/storage/files", params={"limit": 100}).json()["files"]
        assert f["fileId"] in [x["fileId"] for x in listed]

        got = c.get(f"/v1/storage/files/{f['fileId']}").json()
        assert got["type"] == "content" and got["data"]["encoding"] == "base64"
        assert base64.b64decode(got["data"]["content"]) == data

        content = c.get(f"/v1/storage/files/{f['fileId']}/content")
        assert content.content == data
        assert content.headers["content-type"] == "image/png"
        assert content.headers["content-length"] == str(len(data))
        assert content.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
        again = c.get(f"/v1/storage/files/{f['fileId']}/content", headers={"if-none-match": content.headers["etag"]})
        assert again.status_code == 304

    anonymous = httpx.get(f["url"])  # no key: the signed link alone
    assert anonymous.status_code == 200 and anonymous.content == data

    with easel.client(easel.alice) as c:
        assert c.delete(f"/v1/storage/files/{f['fileId']}").json() == {"fileId": f["fileId"], "deleted": True}
        gone = c.get(f"/v1/storage/files/{f['fileId']}")
        assert gone.status_code == 404 and gone.json() == {"error": "File not found", "code": "not_found"}
    assert httpx.get(f["url"]).status_code == 404


def test_cursor_walks_every_file_exactly_once(easel: Running) -> None:
    with easel.client(easel.alice) as c:
        ws = c.post("/v1/workspaces", json={"name": "paging"}).json()["id"]
        made = [upload(c, png_bytes(color=(i * 40, 0, 0)), f"p{i}.png", workspace_id=ws).json()["fileId"]
                for i in range(3)]
        seen, cursor = [], None
        for _ in range(10):
            params = {"limit": 1, "workspace_id": ws, **({"cursor": cursor} if cursor else {})}
            page = c.get("/v1/storage/files", params=params).json()
            seen += [x["fileId"] for x in page["files"]]
            if not page["pagination"]["hasMore"]:
                break
            cursor = page["pagination"]["cursor"]
        assert seen == list(reversed(made))  # newest first, each once
        bad = c.get("/v1/storage/files", params={"cursor": "garbage!", "workspace_id": ws})
        assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"


def test_folders_create_upload_into_list_by_and_delete(easel: Running) -> None:
    with easel.client(easel.alice) as c:
        folder = c.post("/v1/storage/folders", json={"name": "Holiday"}).json()
        assert folder["folderId"].startswith("folder-")
        inside = upload(c, png_bytes(), "beach.png", folder_id=folder["folderId"]).json()
        via_path = c.post(f"/v1/storage/folders/{folder['folderId']}/files",
                          files={"file": ("sea.png", png_bytes(color=(0, 0, 200)), "image/png")}).json()
        outside = upload(c, png_bytes(), "elsewhere.png").json()
        listed = c.get(f"/v1/storage/folders/{folder['folderId']}/files").json()["files"]
        assert {x["fileId"] for x in listed} == {inside["fileId"], via_path["fileId"]}
        assert folder["folderId"] in [f["folderId"] for f in c.get("/v1/storage/folders").json()["folders"]]
        deleted = c.delete(f"/v1/storage/folders/{folder['folderId']}").json()
        assert deleted["filesDeleted"] == 2
        assert c.get(f"/v1/storage/files/{inside['fileId']}").status_code == 404
        assert c.get(f"/v1/storage/files/{outside['fileId']}").status_code == 200


def test_workspaces_listed_default_first_and_created(easel: Running) -> None:
    with easel.client(easel.alice) as c:
        made = c.post("/v1/workspaces", json={"name": "second"})
        assert made.status_code == 201 and made.json()["id"].startswith("wks-")
        listed = c.get("/v1/workspaces").json()["workspaces"]
        assert listed[0]["id"] == easel.alice.workspace_id and listed[0]["default"] is True
        assert made.json()["id"] in [w["id"] for w in listed]
        assert c.post("/v1/workspaces", json={"name": ""}).json()["code"] == "invalid_request"


def _bomb_png(side: int = 60_000) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (side * 3 + 1) * 4, 9)  # a few rows; the header is the bomb
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _count_files(c: httpx.Client) -> int:
    return len(c.get("/v1/storage/files", params={"limit": 100}).json()["files"])


def test_bad_input_gets_contract_errors_and_stores_nothing(easel: Running) -> None:
    objects_before = set(easel.backend.s3.objects()) if easel.backend.s3 else None
    with easel.client() as anon:
        r = anon.get("/v1/storage/files")
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
        r = anon.get("/v1/storage/files", headers={"x-api-key": "esk_wrong"})
        assert (r.status_code, r.json()["code"]) == (401, "invalid_api_key")
        r = anon.get("/v1/workspaces", headers={"Authorization": f"Bearer {easel.alice.key}"})
        assert r.status_code == 200  # Bearer works as well as x-api-key
    with easel.client(easel.alice) as c:
        before = _count_files(c)
        r = c.post("/v1/workspaces", content=b"{not json", headers={"content-type": "application/json"})
        assert (r.status_code, r.json()["code"]) == (400, "invalid_json")
        r = upload(c, b"just some text\n", "notes.png")
        assert (r.status_code, r.json()["code"]) == (415, "invalid_image")
        r = upload(c, b"MZ\x90\x00binary", "tool.exe", "application/octet-stream")
        assert (r.status_code, r.json()["code"]) == (415, "unsupported_media_type")
        started = time.monotonic()
        r = upload(c, _bomb_png(), "bomb.png")
        assert time.monotonic() - started < 1.0
        assert (r.status_code, r.json()["code"]) == (415, "invalid_image")
        r = upload(c, png_bytes(), workspace_id="wks-doesnotexist")
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
        r = c.get("/v1/storage/files", params={"limit": 0})
        assert (r.status_code, r.json()["code"]) == (400, "invalid_request")
        assert _count_files(c) == before
    if easel.backend.s3 is None:  # nothing half-written left: no temporary file, or no object in the bucket
        assert list((easel.server.data_dir / "blobs" / "tmp").iterdir()) == []
    else:
        assert set(easel.backend.s3.objects()) == objects_before


def test_text_document_upload_is_typed_from_bytes(easel: Running) -> None:
    with easel.client(easel.alice) as c:
        r = upload(c, b"# Notes\nhello\n", "../../etc/notes.md", "image/png")
        # the client's header claims an image: then it must decode as one
        assert r.json()["code"] == "invalid_image"
        r = upload(c, b"# Notes\nhello\n", "../../etc/notes.md", "application/octet-stream")
        assert r.status_code == 200 and r.json()["mimeType"] == "text/markdown"
        assert r.json()["name"] == "notes.md"


def test_oversized_upload_is_refused_while_streaming_without_memory_growth(easel: Running) -> None:
    size = 26 * 1024 * 1024
    head = b"\x89PNG\r\n\x1a\n" + b"\x00" * 1024
    objects_before = set(easel.backend.s3.objects()) if easel.backend.s3 else None

    def body():  # chunked: no Content-Length, so the server must count as it reads
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
        yield b"Content-Type: image/png\r\n\r\n" + head
        chunk = b"\x00" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            yield chunk
        yield b"\r\n--b--\r\n"

    easel.server.wait_warm()
    rss_before = easel.server.rss_kb()
    with easel.client(easel.alice) as c:
        before = _count_files(c)
        try:
            r = c.post("/v1/storage/files", content=body(), headers={"content-type": "multipart/form-data; boundary=b"})
            assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
        except httpx.HTTPError:
            pass  # the server may close the connection before the client finished sending: also a refusal
        # A declared length over the limit is refused before any of the body is read.
        with socket.create_connection(("127.0.0.1", easel.server.port)) as raw:
            raw.sendall((f"POST /v1/storage/files HTTP/1.1\r\nHost: x\r\nx-api-key: {easel.alice.key}\r\n"
                         "Content-Type: multipart/form-data; boundary=b\r\n"
                         f"Content-Length: {size}\r\n\r\n").encode())
            raw.settimeout(5)
            reply = ""
            while '"}' not in reply and (part := raw.recv(65536)):
                reply += part.decode()
        assert reply.startswith("HTTP/1.1 413") and '"code":"payload_too_large"' in reply
        assert _count_files(c) == before
    assert easel.server.rss_kb() - rss_before < 12 * 1024  # far below the 26 MB sent
    if easel.backend.s3 is None:  # nothing half-written left: no temporary file, or no object in the bucket
        assert list((easel.server.data_dir / "blobs" / "tmp").iterdir()) == []
    else:
        assert set(easel.backend.s3.objects()) == objects_before

