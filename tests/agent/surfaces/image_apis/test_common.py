"""The adapters' shared pieces, without a server: body caps, base64, masks, sources stored in a Space."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest
from PIL import Image
from starlette.requests import Request
from starlette.types import Message

from easel.agent.surfaces.image_apis.common import (
    PHOTO_IMAGES,
    Incoming,
    capped,
    check_mask,
    decode_base64,
    money,
    store_source,
    with_end_user,
)
from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord, Principal
from easel.spaces.space import Space
from tests.agent.surfaces.image_apis.conftest import gif_bytes
from tests.backends import Backend
from tests.conftest import png_bytes


def noise_png() -> bytes:
    buf = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(buf, format="PNG")  # incompressible
    return buf.getvalue()


def chunked_request(chunks: int, size: int, pulled: list[int]) -> Request:
    async def receive() -> Message:
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * size, "more_body": len(pulled) < chunks}

    return Request({"type": "http", "method": "POST", "path": "/", "headers": []}, receive)


@pytest.mark.anyio
async def test_a_capped_body_stops_being_read_once_it_crosses_the_limit() -> None:
    pulled: list[int] = []
    with pytest.raises(EaselError) as refused:
        await capped(chunked_request(100, 1000, pulled), 2500, "too big").body()
    assert (refused.value.status, refused.value.message, len(pulled)) == (413, "too big", 3)
    pulled.clear()
    assert len(await capped(chunked_request(2, 1000, pulled), 2500, "too big").body()) == 2000


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"5000")]}
    with pytest.raises(EaselError) as refused:
        capped(Request(scope), 4000, "too big")
    assert refused.value.code == "payload_too_large"


def test_base64_strict_with_data_urls_and_line_breaks() -> None:
    data = png_bytes()
    text = base64.b64encode(data).decode()
    assert decode_base64(text, param="p") == data
    assert decode_base64(f"data:image/png;base64,{text[:40]}\n{text[40:]}", param="p") == data
    for bad in ("not base64!", "", 42, "data:image/png,abc", "abc"):
        with pytest.raises(EaselError) as refused:
            decode_base64(bad, param="images[0].data")
        assert (refused.value.code, refused.value.param) == ("invalid_base64", "images[0].data")


def test_money_is_a_decimal_string_or_none() -> None:
    assert (money(0.0267), money(0.0), money(None)) == ("0.026700", "0.000000", None)


def test_a_mask_must_be_a_png_the_size_of_the_image() -> None:
    first = FileRecord(id="file-1", workspace_id="w", name="a.png", mime_type="image/png", size_bytes=1,
                       sha256="", created_at="", width=64, height=48)
    check_mask(png_bytes((64, 48)), first)
    for mask, status in ((png_bytes((32, 32)), 400), (gif_bytes(), 415), (b"junk", 415)):
        with pytest.raises(EaselError) as refused:
            check_mask(mask, first)
        assert (refused.value.status, refused.value.param) == (status, "mask")


def test_the_header_names_the_end_user_before_the_body_does() -> None:
    bare = Principal(account_id="a", key_id="k", default_workspace_id="w")
    assert with_end_user(bare, "u-1").on_behalf_of == "u-1"
    assert with_end_user(bare, None) is bare and with_end_user(bare, 7) is bare
    headed = Principal(account_id="a", key_id="k", default_workspace_id="w", on_behalf_of="from-header")
    assert with_end_user(headed, "u-1").on_behalf_of == "from-header"


@pytest.mark.anyio
async def test_a_source_is_decoded_then_kept_as_an_upload_and_a_refused_one_leaves_no_bytes(
        tmp_path: Path, backend: Backend) -> None:
    space = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    try:
        account = await space.create_account("a")
        workspace = await space.create_workspace(account.id, "w")
        kept = await store_source(space, workspace, Incoming(name="../p.png", param="image", data=png_bytes()),
                                  max_bytes=10_000, accept=PHOTO_IMAGES)
        assert (kept.origin, kept.name, kept.mime_type, kept.width) == ("upload", "p.png", "image/png", 64)
        refusals = [(gif_bytes(), 415, "unsupported_media_type"), (b"%PDF-1.4 x", 415, "invalid_image"),
                    (b"\x00\x01 noise", 415, "invalid_image"), (b"", 400, "invalid_image"),
                    (noise_png(), 413, "payload_too_large")]
        for data, status, code in refusals:
            with pytest.raises(EaselError) as refused:
                await store_source(space, workspace, Incoming(name="x", param="image[]", data=data),
                                   max_bytes=2_000, accept=PHOTO_IMAGES)
            assert (refused.value.status, refused.value.code, refused.value.param) == (status, code, "image[]")
        assert space.blobs.keys() == [kept.id] and not list(space.blobs.tmp.iterdir())
    finally:
        await space.close()

