from __future__ import annotations

from pathlib import Path

import pytest

from easel.spaces.errors import EaselError
from easel.spaces.media import inspect_file, safe_name
from tests.conftest import png_bytes


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\photo.png", "photo.png"),
    ("bell\x07\x00.png", "bell.png"),
    ('a<b>c:"d".png', "a_b_c__d_.png"),
    ("", "upload"),
    ("...", "upload"),
    ("x" * 300 + ".png", "x" * 190 + ".png"),
])
def test_safe_name(raw: str, clean: str) -> None:
    assert safe_name(raw) == clean


def test_type_comes_from_bytes_not_the_name(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(png_bytes((10, 20)))
    kind = inspect_file(p, name="photo.jpg", claimed_type="image/jpeg")
    assert (kind.mime_type, kind.width, kind.height) == ("image/png", 10, 20)
    p.write_bytes(png_bytes()[:60])  # truncated
    with pytest.raises(EaselError) as err:
        inspect_file(p, name="x.png", claimed_type=None)
    assert err.value.code == "invalid_image"
    p.write_bytes(b"%PDF-1.7\n...")
    assert inspect_file(p, name="doc.pdf", claimed_type=None).mime_type == "application/pdf"
