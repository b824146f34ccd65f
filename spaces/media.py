"""What a file really is: its type decided from its bytes, images decoded before they are accepted."""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from easel.spaces.errors import EaselError

# Pillow's decompression-bomb guard: refuse, by the header alone, anything over this many pixels. The server's
# own cap (EASEL_MAX_PIXELS, passed as `max_pixels`) is lower; this one holds for every other caller.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif", ".svg"}
DOC_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv", ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
EXT_FOR_MIME = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}


@dataclass(frozen=True)
class Inspected:
    mime_type: str
    width: int | None = None
    height: int | None = None


def sniff_image(head: bytes) -> bool:
    return (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")
            or head[:6] in (b"GIF87a", b"GIF89a") or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"))


def printable(text: str) -> str:
    """NFC text without control, format (bidi overrides, zero-width) or unassigned characters: what a
    name shown to other people may hold."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] != "C")


def safe_name(name: str | None, *, default: str = "upload") -> str:
    """A file name that is safe to show and to send back in a header: no path, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = printable(name)
    name = re.sub(r"[<>:\"|?*]", "_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name or default


def too_many_pixels(w: int, h: int, max_pixels: int) -> EaselError:
    return EaselError(415, "invalid_image", f"The image is {w}x{h} pixels, over this server's limit of "
                      f"{max_pixels:,} pixels; scale it down and send it again")


def _decode_image(path: Path, max_pixels: int) -> Inspected:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                fmt, (w, h) = img.format, img.size
                if fmt not in IMAGE_TYPES:
                    raise EaselError(415, "invalid_image", f"{fmt or 'This'} images are not accepted; "
                                     "use PNG, JPEG, WebP or GIF")
                if w * h > max_pixels:  # by the header, before a byte is decoded
                    raise too_many_pixels(w, h, max_pixels)
                img.load()  # a full decode: truncated or corrupt data fails here
    except EaselError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EaselError(415, "invalid_image", f"The image is over the limit of {MAX_PIXELS:,} pixels") from None
    except Exception:
        raise EaselError(415, "invalid_image", "The file is not a decodable PNG, JPEG, WebP or GIF image") from None
    return Inspected(IMAGE_TYPES[fmt], w, h)


def inspect_file(path: Path, *, name: str, claimed_type: str | None, max_pixels: int = MAX_PIXELS) -> Inspected:
    """Decide the type from the bytes. Anything that looks like, or claims to be, an image must decode
    as one of the allowed formats; other files must be one of the accepted document types."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    ext = Path(name).suffix.lower()
    claims_image = (claimed_type or "").startswith("image/") or ext in IMAGE_EXTS
    if sniff_image(head) or claims_image:
        return _decode_image(path, min(max_pixels, MAX_PIXELS))
    if head.startswith(b"%PDF-"):
        return Inspected("application/pdf")
    if head.startswith(b"PK\x03\x04") and ext in (".docx", ".xlsx", ".pptx"):
        return Inspected(DOC_TYPES[ext])
    if ext in (".txt", ".md", ".csv", ".json") and _is_text(path):
        return Inspected(DOC_TYPES[ext])
    raise EaselError(415, "unsupported_media_type",
                     "Accepted uploads: PNG, JPEG, WebP and GIF images, and PDF, TXT, MD, CSV, JSON, DOCX, "
                     "XLSX and PPTX documents")


def _is_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        sample = fh.read(64 * 1024)
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # a multi-byte character cut by the sample's end
    return True


def image_size(data: bytes) -> tuple[int, int]:
    import io

    with Image.open(io.BytesIO(data)) as img:
        return img.size
