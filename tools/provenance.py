"""Provenance written into the image file itself (a PNG iTXt chunk, a JPEG comment), so it travels
with the bytes when they leave the Space. The pixels are untouched: chunks are spliced in, not re-encoded."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

KEYWORD = b"easel:provenance"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def embed(data: bytes, mime_type: str, metadata: dict[str, Any]) -> bytes:
    text = json.dumps(metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if mime_type == "image/png" and data.startswith(b"\x89PNG\r\n\x1a\n"):
        # iTXt: keyword, NUL, compression flag 0, method 0, empty language, NUL, empty translated keyword, NUL
        payload = KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text
        ihdr_end = 8 + 4 + 4 + 13 + 4  # signature, then IHDR (length, type, 13 bytes, CRC)
        return data[:ihdr_end] + _png_chunk(b"iTXt", payload) + data[ihdr_end:]
    if mime_type == "image/jpeg" and data.startswith(b"\xff\xd8") and len(text) < 65000:
        comment = KEYWORD + b"=" + text
        return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]
    return data  # WebP and others: the Space's metadata still holds it


def read(data: bytes) -> dict[str, Any] | None:
    """The provenance embedded by `embed`, or None."""
    marker = KEYWORD + (b"\x00\x00\x00\x00\x00" if data.startswith(b"\x89PNG") else b"=")
    start = data.find(marker)
    if start < 0:
        return None
    start += len(marker)
    if data.startswith(b"\x89PNG"):
        length = struct.unpack(">I", data[start - len(marker) - 8:start - len(marker) - 4])[0]
        end = start - len(marker) + length
    else:
        seg_len = struct.unpack(">H", data[start - len(marker) - 2:start - len(marker)])[0]
        end = start - len(marker) + seg_len - 2
    parsed: dict[str, Any] = json.loads(data[start:end])
    return parsed
