"""Hostile requests (issue 10's reproductions), each sent over real HTTP to a real server, on one
keep-alive connection: the answer is a 4xx in the API's own error shape for that path, the connection
stays usable (the next request goes out on the same socket and is answered), and nothing is left in the
store. Memory is measured on the server process itself (/proc)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Running, Tenant, png_bytes, start_with_two_tenants

MB = 1024 * 1024

# Every JSON route, with a body that is otherwise valid enough to reach the part under test.
JSON_ROUTES = {
    "/v1/chat": {"messages": [{"role": "user", "content": "hi"}], "workspace_id": "WKS"},
    "/v1/workspaces": {"name": "w"},
    "/v1/storage/folders": {"name": "f"},
    "/v1/images/generations": {"prompt": "a", "size": "64x64"},
    "/v1/images/edits": {"prompt": "a", "file_ids": ["FILE"]},
    "/v1/generate": {"prompt": "a"},
    "/api/generate": {"video_description": "a"},
    "/v1/ai/generate-image": {"prompt": "a", "image_size": "square"},
    "/api/v1/llm/images/generations": {"prompt": "a", "size": "256x256"},
    "/v1/chat/completions": {"model": "builtin/router", "messages": [{"role": "user", "content": "hi"}]},
    "/v1/responses": {"model": "builtin/router", "input": "hi"},
}


def error_code(path: str, body: dict[str, Any]) -> str:
    """The machine-readable code, after checking that the body has exactly the shape of the path's API."""
    if path.startswith(("/v1/images/", "/api/v1/llm/", "/v1/chat/completions", "/v1/responses", "/v1/videos")):
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
        return str(body["error"]["code"])
    if path == "/v1/generate":  # Zekron
        assert body["success"] is False and set(body["error"]) == {"message", "code", "support"}, body
        return str(body["error"]["code"])
    if path == "/api/generate":  # AiArt
        assert set(body) == {"success", "error", "code"} and isinstance(body["error"], str), body
        return str(body["code"])
    if path.startswith("/v1/ai/"):  # chuk.chat
        assert body["success"] is False and set(body["error"]) == {"code", "message"}, body
        return str(body["error"]["code"]).lower()
    assert set(body) == {"error", "code"} and isinstance(body["error"], str), body  # ZarkAI's
    return str(body["code"])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Wire:
    """One keep-alive connection. `same_socket()` says whether the server kept it: http.client drops the
    socket only when the server said `Connection: close`; a silent close fails the next request."""

    def __init__(self, running: Running, tenant: Tenant) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=120)
        self.key = tenant.key
        self.conn.connect()
        self.sock = self.conn.sock

    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
                chunked: bool = False) -> Reply:
        sent = {"x-api-key": self.key, **(headers or {})}
        self.conn.request(method, path, body=body, headers=sent, encode_chunked=chunked)
        return self._read()

    def headers_only(self, method: str, path: str, headers: dict[str, str]) -> Reply:
        """Send the request line and headers, and read the answer before any of the body is sent."""
        self.conn.putrequest(method, path)
        for name, value in {"x-api-key": self.key, **headers}.items():
            self.conn.putheader(name, value)
        self.conn.endheaders()
        return self._read()

    def _read(self) -> Reply:
        response = self.conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())

    def still_serves(self) -> None:
        """The connection was not closed: a plain request on the very same socket is answered."""
        assert self.conn.sock is self.sock, "the server ended the connection"
        reply = self.request("GET", "/v1/workspaces")
        assert reply.status == 200 and reply.json()["workspaces"], reply
        assert self.conn.sock is self.sock

    def close(self) -> None:
        self.conn.close()


def hostile(wire: Wire, path: str, raw: bytes, *, status: int = 400) -> str:
    reply = wire.request("POST", path, raw, headers={"content-type": "application/json"})
    assert reply.status == status, (path, reply)
    assert reply.headers.get("connection", "").lower() != "close"
    code = error_code(path, reply.json())
    wire.still_serves()
    return code


def blob_count(running: Running) -> int:
    return sum(1 for p in (running.server.data_dir / "blobs").rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("hostile"))
    running.server.wait_warm()
    yield running
    running.server.stop()


@pytest.fixture
def wire(server: Running) -> Iterator[Wire]:
    w = Wire(server, server.alice)
    yield w
    w.close()


@pytest.fixture(scope="module")
def photo(server: Running) -> str:
    with server.client(server.alice) as c:
        r = c.post("/v1/storage/files", files={"file": ("p.png", png_bytes(), "image/png")})
        assert r.status_code == 200
        return str(r.json()["fileId"])


def body_for(path: str, server: Running, photo: str, **extra: Any) -> dict[str, Any]:
    base = json.loads(json.dumps(JSON_ROUTES[path]).replace("WKS", server.alice.workspace_id)
                      .replace("FILE", photo))
    return {**base, **extra}


@pytest.fixture
def unchanged(server: Running) -> Iterator[None]:
    """Nothing is left behind: no file row, no blob, no folder, no workspace."""
    def state() -> tuple[int, int, int, int]:
        with server.client(server.alice) as c:
            files = c.get("/v1/storage/files", params={"limit": 100}).json()["files"]
            folders = c.get("/v1/storage/folders").json()["folders"]
            workspaces = c.get("/v1/workspaces").json()["workspaces"]
        return len(files), blob_count(server), len(folders), len(workspaces)

    before = state()
    yield
    assert state() == before


# -- item 4: 500s, now 400s in each API's shape ---------------------------------------------------------------
@pytest.mark.parametrize("path", list(JSON_ROUTES))
def test_an_integer_of_5000_digits_is_invalid_json(server: Running, wire: Wire, photo: str, path: str,
                                                   unchanged: None) -> None:
    raw = json.dumps(body_for(server=server, photo=photo, path=path, n=0)).replace('"n": 0', '"n": ' + "9" * 5000)
    assert hostile(wire, path, raw.encode()) == "invalid_json"


@pytest.mark.parametrize("path", list(JSON_ROUTES))
def test_nesting_20000_deep_is_invalid_json(server: Running, wire: Wire, photo: str, path: str,
                                            unchanged: None) -> None:
    raw = json.dumps(body_for(path, server, photo, extra=0)).replace('"extra": 0',
                                                                      '"extra": ' + "[" * 20_000 + "]" * 20_000)
    assert hostile(wire, path, raw.encode()) == "invalid_json"


@pytest.mark.parametrize("path", ["/v1/images/generations", "/v1/images/edits", "/api/v1/llm/images/generations",
                                  "/api/generate", "/v1/chat"])
@pytest.mark.parametrize("field", ["n", "seed"])
def test_a_number_of_1e999_is_invalid_json(server: Running, wire: Wire, photo: str, path: str, field: str,
                                           unchanged: None) -> None:
    raw = json.dumps(body_for(path, server, photo, **{field: 7})).replace(f'"{field}": 7', f'"{field}": 1e999')
    assert hostile(wire, path, raw.encode()) == "invalid_json"


@pytest.mark.parametrize("path", ["/v1/storage/folders", "/v1/workspaces", "/v1/chat", "/v1/images/generations"])
def test_a_lone_surrogate_is_invalid_json(server: Running, wire: Wire, photo: str, path: str,
                                          unchanged: None) -> None:
    body = body_for(path, server, photo)
    key = "name" if "name" in body else ("prompt" if "prompt" in body else "model")
    raw = json.dumps({**body, key: "@@"}).replace("@@", "\\ud800")
    assert hostile(wire, path, raw.encode()) == "invalid_json"


@pytest.mark.parametrize("workspace_id", [["a"], {"a": 1}, 7, [None, None]])
@pytest.mark.parametrize(("path", "body"), [("/v1/storage/folders", {"name": "x"}), ("/v1/videos", {"prompt": "a"})])
def test_a_workspace_id_that_is_not_a_string_is_invalid(server: Running, wire: Wire, workspace_id: Any, path: str,
                                                        body: dict[str, Any], unchanged: None) -> None:
    raw = json.dumps({**body, "workspace_id": workspace_id}).encode()
    assert hostile(wire, path, raw) == "invalid_request"


@pytest.mark.parametrize("cursor", ["czk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "czA", "cy0x", "x" * 500])
def test_a_cursor_this_api_never_made_is_400(server: Running, wire: Wire, cursor: str) -> None:
    reply = wire.request("GET", f"/v1/storage/files?cursor={cursor}")
    assert (reply.status, error_code("/v1/storage/files", reply.json())) == (400, "invalid_request"), reply
    wire.still_serves()


# -- memory bounds: a 50 MB body is refused before it is read, declared or chunked ------------------------------
@pytest.mark.parametrize("path", list(JSON_ROUTES))
def test_a_50_mb_json_body_is_refused_before_it_is_read(server: Running, wire: Wire, path: str,
                                                        unchanged: None) -> None:
    rss_before = server.server.rss_kb()
    reply = wire.headers_only("POST", path, {"content-type": "application/json", "content-length": str(50 * MB)})
    assert reply.status == 413 and error_code(path, reply.json()) == "payload_too_large", reply
    # The client may still send what it declared; the server reads past it and keeps the connection.
    wire.conn.send(b" " * (50 * MB))
    wire.still_serves()
    assert server.server.rss_kb() - rss_before < 20 * 1024  # far below the 50 MB sent


@pytest.mark.parametrize("path", ["/v1/chat", "/v1/workspaces", "/v1/images/edits", "/v1/generate"])
def test_a_50_mb_chunked_json_body_is_refused_once_it_crosses_the_limit(server: Running, wire: Wire, path: str,
                                                                       unchanged: None) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"prompt": "'
        for _ in range(50):
            yield b"a" * MB
        yield b'"}'

    rss_before = server.server.rss_kb()
    reply = wire.request("POST", path, chunks(), headers={"content-type": "application/json"}, chunked=True)
    assert reply.status == 413 and error_code(path, reply.json()) == "payload_too_large", reply
    wire.still_serves()
    assert server.server.rss_kb() - rss_before < 40 * 1024  # the inline-image routes read up to ~34 MB


def test_the_json_limit_is_configurable(tmp_path: Path) -> None:
    running = start_with_two_tenants(tmp_path, env={"EASEL_MAX_JSON_MB": "0.01"})
    try:
        w = Wire(running, running.alice)
        reply = w.request("POST", "/v1/workspaces", json.dumps({"name": "x" * 20_000}).encode(),
                          headers={"content-type": "application/json"})
        assert (reply.status, reply.json()) == (413, {"error": "The JSON body is over the limit of 10 KB",
                                                      "code": "payload_too_large"})
        reply = w.request("POST", "/v1/workspaces", json.dumps({"name": "small"}).encode(),
                          headers={"content-type": "application/json"})
        assert reply.status == 201
    finally:
        running.server.stop()


# -- item 7: Range errors in JSON ---------------------------------------------------------------------------
@pytest.mark.parametrize(("header", "status", "code"), [
    ("bytes=5-1", 400, "invalid_request"), ("bytes=abc", 400, "invalid_request"),
    ("items=0-1", 400, "invalid_request"), ("bytes=999999-", 416, "range_not_satisfiable"),
    ("bytes=-0", 416, "range_not_satisfiable"),
])
def test_a_bad_range_is_answered_in_json(server: Running, wire: Wire, photo: str, header: str, status: int,
                                         code: str) -> None:
    reply = wire.request("GET", f"/v1/storage/files/{photo}/content", headers={"range": header})
    assert reply.status == status and reply.headers["content-type"] == "application/json", reply
    assert error_code("/v1/storage/files", reply.json()) == code
    if status == 416:
        assert reply.headers["content-range"] == f"bytes */{len(png_bytes())}"
    wire.still_serves()


def test_good_ranges_are_served_with_nosniff(server: Running, wire: Wire, photo: str) -> None:
    data = png_bytes()
    reply = wire.request("GET", f"/v1/storage/files/{photo}/content", headers={"range": "bytes=2-9"})
    assert (reply.status, reply.body, reply.headers["content-range"]) == (206, data[2:10], f"bytes 2-9/{len(data)}")
    reply = wire.request("GET", f"/v1/storage/files/{photo}/content", headers={"range": "bytes=-4"})
    assert (reply.status, reply.body) == (206, data[-4:])
    reply = wire.request("GET", f"/v1/storage/files/{photo}/content")
    assert (reply.status, reply.body, reply.headers["x-content-type-options"]) == (200, data, "nosniff")


# -- item 8: the minor ones -----------------------------------------------------------------------------------
def test_text_parts_count_toward_the_message_limit(server: Running, wire: Wire) -> None:
    parts = [{"type": "text", "text": "a" * 60_000}, {"type": "text", "text": "b" * 60_000}]
    body = {"messages": [{"role": "user", "content": parts}], "workspace_id": server.alice.workspace_id}
    reply = wire.request("POST", "/v1/chat", json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert (reply.status, reply.json()) == (400, {
        "error": "messages.0.content: a message may hold at most 100000 characters", "code": "invalid_request"})
    wire.still_serves()


@pytest.mark.parametrize("path", ["/v1/storage/folders", "/v1/workspaces"])
def test_names_lose_nul_and_bidi_controls(server: Running, wire: Wire, path: str) -> None:
    raw = json.dumps({"name": "Hol\u0000i\u202eday\u200b"}).encode()
    reply = wire.request("POST", path, raw, headers={"content-type": "application/json"})
    assert reply.status == 201 and reply.json()["name"] == "Holiday", reply
    raw = json.dumps({"name": "\u0000\u202e"}).encode()
    assert hostile(wire, path, raw) == "invalid_request"  # nothing printable is left: no name


# -- item 2 and the memory bounds: pixels are capped, painting runs in a bounded pool -------------------------
def big_png(side: int, *, noisy: bool) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    pixels = (np.random.default_rng(7).integers(0, 255, (side, side, 3), dtype=np.uint8) if noisy
              else np.zeros((side, side, 3), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1 if noisy else 9)
    return buf.getvalue()


def test_a_small_upload_that_decodes_huge_is_refused(server: Running, wire: Wire, unchanged: None) -> None:
    data = big_png(6300, noisy=False)
    assert len(data) < 200_000  # under 200 KB that would decode to 119 MB
    boundary = "harden"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    reply = wire.request("POST", "/v1/storage/files", body,
                         headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert reply.status == 415 and reply.json() == {
        "error": "The image is 6300x6300 pixels, over this server's limit of 4,194,304 pixels; scale it down "
                 "and send it again", "code": "invalid_image"}
    wire.still_serves()


def test_eight_concurrent_edits_of_the_largest_image_stay_under_1_gb(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    running = start_with_two_tenants(tmp_path)
    try:
        running.server.wait_warm()
        with running.client(running.alice) as c:
            r = c.post("/v1/storage/files", files={"file": ("big.png", big_png(2048, noisy=True), "image/png")})
            assert r.status_code == 200 and (r.json()["width"], r.json()["height"]) == (2048, 2048), r.text
            photo = r.json()["fileId"]

        def edit(_: int) -> int:
            return httpx.post(running.url + "/v1/images/edits", headers=running.alice.headers, timeout=600,
                              json={"prompt": "add snow", "file_ids": [photo]}).status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(edit, range(8))) == [200] * 8
        status = Path(f"/proc/{running.server.proc.pid}/status").read_text()  # type: ignore[union-attr]
        peak_kb = int(status.split("VmHWM:")[1].split()[0])
        print(f"peak RSS of the server over 8 concurrent 2048x2048 edits: {peak_kb / 1024:.0f} MB")
        assert peak_kb <= 1024 * 1024
    finally:
        running.server.stop()
