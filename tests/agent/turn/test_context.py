from __future__ import annotations

from easel.agent.turn.context import system_prompt, usable_images
from easel.spaces.records import FileRecord


def _file(i: str, mime: str = "image/png") -> FileRecord:
    return FileRecord(id=f"file-{i}", workspace_id="wks", name=f"{i}.png", mime_type=mime, size_bytes=2048,
                      sha256="", created_at="", width=640, height=480)


def test_images_are_listed_attached_first_without_duplicates_or_documents() -> None:
    images = usable_images(attached=[_file("a")], folders=[("Holiday", [_file("b"), _file("doc", "application/pdf")])],
                           earlier=[(_file("c"), "made earlier in this conversation"),
                                    (_file("a"), "made earlier in this conversation")])
    assert [(u.file.id, u.origin) for u in images] == [
        ("file-a", "attached to this message"), ("file-b", "in folder Holiday"),
        ("file-c", "made earlier in this conversation")]
    prompt = system_prompt(images)
    assert "- file-a | a.png | 640x480, 2 KB | attached to this message" in prompt
    assert "No images" in system_prompt([])
