"""Build the context of a turn: the system prompt, with every image the model may use listed by id."""

from __future__ import annotations

from dataclasses import dataclass

from easel.spaces.records import FileRecord

ATTACHED = "attached to this message"

SYSTEM_PROMPT = """You are Easel, an assistant that creates and changes images with the image_gen tool.
When the user wants an image made, edited, restyled or combined, call image_gen. Use the file ids listed \
below as source_file_ids: never invent one. "This image" or "my photo" means the images attached to this \
message; "the one you just made" means the latest image made earlier in this conversation. Images are \
saved to the user's Space and shown to them as they are made; afterwards, say briefly what you made. If a \
tool call fails, tell the user why in plain words. Answer other questions directly and briefly."""


@dataclass(frozen=True)
class Usable:
    file: FileRecord
    origin: str


def _size_text(f: FileRecord) -> str:
    size = f"{f.size_bytes / 1024:.0f} KB" if f.size_bytes < 1024 * 1024 else f"{f.size_bytes / 1024 / 1024:.1f} MB"
    return f"{f.width}x{f.height}, {size}" if f.width else size


def usable_images(*, attached: list[FileRecord], folders: list[tuple[str, list[FileRecord]]],
                  earlier: list[tuple[FileRecord, str]]) -> list[Usable]:
    """Attached first (what "this image" means), then folder images, then earlier ones, oldest first."""
    seen: set[str] = set()
    out: list[Usable] = []
    candidates = ([(f, ATTACHED) for f in attached]
                  + [(f, f"in folder {name}") for name, files in folders for f in files]
                  + earlier)
    for f, origin in candidates:
        if f.is_image and f.id not in seen:
            seen.add(f.id)
            out.append(Usable(f, origin))
    return out


def system_prompt(images: list[Usable]) -> str:
    if not images:
        return SYSTEM_PROMPT + "\n\nNo images are available yet in this conversation."
    lines = [f"- {u.file.id} | {u.file.name} | {_size_text(u.file)} | {u.origin}" for u in images]
    return SYSTEM_PROMPT + "\n\nImages you can use (id | name | size | origin):\n" + "\n".join(lines)
