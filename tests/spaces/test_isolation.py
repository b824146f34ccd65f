"""No account sees another's workspaces, folders or files: every endpoint answers 404, as if absent."""

from __future__ import annotations

import pytest

from tests.conftest import Running, png_bytes


@pytest.fixture(scope="module")
def bobs(easel: Running) -> dict[str, str]:
    with easel.client(easel.bob) as c:
        folder = c.post("/v1/storage/folders", json={"name": "private"}).json()["folderId"]
        file = c.post("/v1/storage/files", files={"file": ("b.png", png_bytes(), "image/png")}).json()
    return {"workspace": easel.bob.workspace_id, "folder": folder, "file": file["fileId"], "url": file["url"]}


def test_every_endpoint_hides_another_accounts_things(easel: Running, bobs: dict[str, str]) -> None:
    ws, folder, file = bobs["workspace"], bobs["folder"], bobs["file"]
    calls = [
        ("GET", "/v1/storage/files", {"params": {"workspace_id": ws}}),
        ("POST", "/v1/storage/files", {"params": {"workspace_id": ws},
                                      "files": {"file": ("x.png", png_bytes(), "image/png")}}),
        ("POST", "/v1/storage/files", {"data": {"workspace_id": ws},
                                      "files": {"file": ("x.png", png_bytes(), "image/png")}}),
        ("POST", "/v1/storage/files", {"data": {"folder_id": folder},
                                      "files": {"file": ("x.png", png_bytes(), "image/png")}}),
        ("GET", f"/v1/storage/files/{file}", {}),
        ("GET", f"/v1/storage/files/{file}", {"params": {"workspace_id": ws}}),
        ("GET", f"/v1/storage/files/{file}/content", {}),
        ("GET", f"/v1/storage/files/{file}/content", {"params": {"workspace_id": ws}}),
        ("DELETE", f"/v1/storage/files/{file}", {}),
        ("DELETE", f"/v1/storage/files/{file}", {"params": {"workspace_id": ws}}),
        ("GET", "/v1/storage/folders", {"params": {"workspace_id": ws}}),
        ("POST", "/v1/storage/folders", {"json": {"name": "x", "workspace_id": ws}}),
        ("GET", f"/v1/storage/folders/{folder}", {}),
        ("GET", f"/v1/storage/folders/{folder}/files", {}),
        ("POST", f"/v1/storage/folders/{folder}/files", {"files": {"file": ("x.png", png_bytes(), "image/png")}}),
        ("DELETE", f"/v1/storage/folders/{folder}", {}),
        ("GET", "/v1/storage/files", {"params": {"folder_id": folder}}),
    ]
    with easel.client(easel.alice) as c:
        for method, path, kw in calls:
            r = c.request(method, path, **kw)
            assert (r.status_code, r.json()["code"]) == (404, "not_found"), (method, path, kw, r.text)
        assert ws not in [w["id"] for w in c.get("/v1/workspaces").json()["workspaces"]]
    with easel.client(easel.bob) as c:  # and all of it is still there for its owner
        assert c.get(f"/v1/storage/files/{file}").status_code == 200
        assert c.get(f"/v1/storage/folders/{folder}").status_code == 200
        assert len(c.get(f"/v1/storage/folders/{folder}/files").json()["files"]) == 0


def test_a_signed_url_is_bound_to_its_file_and_expires(easel: Running, bobs: dict[str, str]) -> None:
    import httpx

    url = bobs["url"]
    other = url.replace(bobs["file"], "file-00000000-0000-0000-0000-000000000000")
    assert httpx.get(other).status_code == 404
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert httpx.get(tampered).status_code == 404
    from easel.spaces.signing import UrlSigner

    signer = UrlSigner(secret=b"k", ttl_s=60)
    q = dict(p.split("=") for p in signer.query("file-x", now=1000).split("&"))
    signer.verify("file-x", q["expires"], q["sig"], now=1059)
    from easel.spaces.errors import EaselError

    with pytest.raises(EaselError) as err:
        signer.verify("file-x", q["expires"], q["sig"], now=1061)
    assert (err.value.status, err.value.code) == (410, "expired")
