"""What the offline router reads and decides: small records, in a leaf module of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ListedImage:
    """One line of the system prompt's image list."""

    file_id: str
    name: str
    size: str
    origin: str

    @property
    def made(self) -> bool:
        return self.origin.startswith("made earlier")

    @property
    def attached(self) -> bool:
        return self.origin.startswith("attached")


@dataclass(frozen=True)
class Conversation:
    """What the router reads: the latest user words (and whether they end the conversation), the tool
    results that end it, and the images the system prompt lists, in listed order (assumed oldest first)."""

    user_text: str = ""
    user_spoke_last: bool = False
    earlier: tuple[str, ...] = ()  # the user's earlier messages, oldest first, for "another one, but …"
    results: tuple[str, ...] = ()
    images: tuple[ListedImage, ...] = ()
    result_tools: tuple[str, ...] = ()  # the tool each of `results` came from, where the conversation says


@dataclass
class ImageRequest:
    operation: str  # generate | edit | style_transfer | compose
    prompt: str
    sources: list[ListedImage] = field(default_factory=list)
    # style, size, aspect_ratio, n, seed, negative_prompt: only those the user stated
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class VideoPlan:
    """A video to make: animate `source`, or paint `prompt` first when there is none."""

    prompt: str
    source: ListedImage | None = None
    seconds: int | None = None  # as asked, within what the tool takes; None: the tool's default
    asked_seconds: float | None = None  # what the user said, when it was outside 2-8 s
    options: dict[str, Any] = field(default_factory=dict)  # seed, motion_bucket_id, aspect_ratio


@dataclass(frozen=True)
class Decision:
    """What the stand-in does this turn. `kind` is "call_tool" (with `request`), "close" (with tool
    `results`, from `result_tools`), "chat" (no image wanted: a short answer to `text`, maybe about `images`),
    "tool_unavailable" (an image is wanted but image_gen isn't offered) or "nothing_to_do"."""

    kind: str
    text: str = ""
    request: ImageRequest | None = None
    results: tuple[str, ...] = ()
    images: tuple[ListedImage, ...] = ()
    result_tools: tuple[str, ...] = ()
    video: VideoPlan | None = None  # a "call_tool" (or "tool_unavailable") for video_gen rather than image_gen
