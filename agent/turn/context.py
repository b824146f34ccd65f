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


VIDEO_PROMPT = """When the user wants something to move (animate a photo, a video or clip of something, \
"make it move"), call video_gen: with source_file_id set to the image to animate (from the ids below), or with \
only a prompt to paint a still first. seconds is 2 to 8. The video is saved to the user's Space and shown as it \
is made; say briefly what moved. If the tool answers that the video is still being made, give the user its \
job id and where it will appear."""


def system_prompt(images: list[Usable], tools: list[str] | None = None) -> str:
    """`tools` names the tools offered this turn (image_gen alone when not given)."""
    base = SYSTEM_PROMPT + ("\n\n" + VIDEO_PROMPT if tools and "video_gen" in tools else "")
    if not images:
        return base + "\n\nNo images are available yet in this conversation."
    lines = [f"- {u.file.id} | {u.file.name} | {_size_text(u.file)} | {u.origin}" for u in images]
    return base + "\n\nImages you can use (id | name | size | origin):\n" + "\n".join(lines)
