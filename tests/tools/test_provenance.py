from __future__ import annotations

import io

from PIL import Image

from easel.tools import provenance

META = {"operation": "generate", "prompt": "ünïcode ☕", "seed": 7, "source_file_ids": []}


def _encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 16), (10, 200, 30)).save(buf, format=fmt)
    return buf.getvalue()


def test_png_carries_provenance_and_decodes_to_the_same_pixels() -> None:
    original = _encoded("PNG")
    marked = provenance.embed(original, "image/png", META)
    assert provenance.read(marked) == META
    img = Image.open(io.BytesIO(marked))
    assert img.text["easel:provenance"]  # Pillow reads it as a standard iTXt chunk
    assert img.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_jpeg_carries_provenance_in_a_comment() -> None:
    marked = provenance.embed(_encoded("JPEG"), "image/jpeg", META)
    assert provenance.read(marked) == META
    Image.open(io.BytesIO(marked)).load()


def test_other_formats_pass_through() -> None:
    webp = _encoded("WEBP")
    assert provenance.embed(webp, "image/webp", META) == webp and provenance.read(webp) is None
