"""Decoding and deterministic encoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.base import SourceImage
from easel.tools.engines.offline.codec import decode, encode

from .conftest import make_photo, png_bytes


def test_decode_gives_rgba_and_rejects_garbage() -> None:
    px = decode(SourceImage("f", png_bytes(make_photo(40, 30)), "image/png"))
    assert px.shape == (30, 40, 4) and (px[..., 3] == 255).all()
    with pytest.raises(EaselError) as err:
        decode(SourceImage("f", b"\x89PNG broken", "image/png", "broken.png"))
    assert err.value.code == "invalid_image" and "broken.png" in err.value.message


def test_encode_is_deterministic_and_honours_transparency() -> None:
    rgba = np.dstack([make_photo(40, 30), np.full((30, 40), 255, np.uint8)])
    rgba[:5, :5, 3] = 0
    png = encode(rgba, "png", None)
    assert png == encode(rgba, "png", None)
    assert Image.open(io.BytesIO(png)).mode == "RGBA"
    assert Image.open(io.BytesIO(encode(rgba, "png", "opaque"))).mode == "RGB"
    assert Image.open(io.BytesIO(encode(rgba, "jpeg", "transparent"))).mode == "RGB"
    assert Image.open(io.BytesIO(encode(rgba, "webp", None))).mode == "RGBA"
    opaque = rgba.copy()
    opaque[..., 3] = 255
    assert Image.open(io.BytesIO(encode(opaque, "png", None))).mode == "RGB"
