"""The `video_gen` tool's arguments: the schema the model sees, and the parser that reads what it sent.

A bad argument is an `ArgumentError` whose message the model can read and act on; nothing here touches the
Space or the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from easel.tools.engines.animator.engine import MAX_H, MAX_SECONDS, MAX_W, MIN_SECONDS
from easel.tools.image_args import ArgumentError

# Shapes within the animator's 1280x720 (or 720x1280) frame.
RATIOS = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (720, 720), "4:3": (960, 720), "3:4": (720, 960),
          "3:2": (1080, 720), "2:3": (720, 1080)}
ARGUMENTS = frozenset({"prompt", "source_file_id", "seconds", "size", "aspect_ratio", "seed", "motion_bucket_id",
                       "cfg_scale"})
MAX_PROMPT = 4000


@dataclass(frozen=True)
class VideoGenArgs:
    prompt: str
    source_file_id: str | None = None
    seconds: int = 4
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    motion_bucket_id: int = 127
    cfg_scale: float = 1.5


def _integer(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,6}(?:\.0+)?\s*", value):
        value = float(value)  # "5" or "5.0": what some models send for an integer
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ArgumentError(f"{name} must be a whole number from {low} to {high}")
    return value


def _size(value: Any) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{2,4})\s*[xX×]\s*(\d{2,4})\s*", value) if isinstance(value, str) else None
    if match is None:
        raise ArgumentError("size must be WIDTHxHEIGHT, e.g. 1280x720")
    w, h = int(match[1]), int(match[2])
    if not (64 <= w <= MAX_W and 64 <= h <= MAX_W) or w * h > MAX_W * MAX_H:
        raise ArgumentError(f"a video is at most {MAX_W}x{MAX_H} (or {MAX_H}x{MAX_W}); {w}x{h} was asked")
    return w, h


def parse_video_args(arguments: dict[str, Any]) -> VideoGenArgs:
    unknown = sorted(set(arguments) - ARGUMENTS - {"source_file_ids"})
    if unknown:
        raise ArgumentError(f"{unknown[0]} is not an argument of video_gen")
    prompt = arguments.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ArgumentError("prompt is required: what the video shows, or how the picture should move")
    if len(prompt) > MAX_PROMPT:
        raise ArgumentError(f"prompt holds at most {MAX_PROMPT} characters")
    source = arguments.get("source_file_id")
    many = arguments.get("source_file_ids")  # the image tool's name for it, which a model may carry over
    if source is None and isinstance(many, list):
        if len(many) > 1:
            raise ArgumentError("video_gen animates one image: give one source_file_id")
        source = many[0] if many else None
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise ArgumentError("source_file_id must be a file id listed to you")
    width = height = None
    if arguments.get("size") is not None:
        width, height = _size(arguments["size"])
    elif arguments.get("aspect_ratio") is not None:
        ratio = arguments["aspect_ratio"]
        if ratio not in RATIOS:
            raise ArgumentError(f"aspect_ratio must be one of {', '.join(RATIOS)}")
        width, height = RATIOS[ratio]
    seconds = arguments.get("seconds", 4)
    seconds = _integer(seconds, "seconds", MIN_SECONDS, MAX_SECONDS)
    seed = arguments.get("seed")
    cfg = arguments.get("cfg_scale", 1.5)
    if isinstance(cfg, bool) or not isinstance(cfg, int | float) or not 0 <= cfg <= 10:
        raise ArgumentError("cfg_scale must be a number from 0 to 10")
    return VideoGenArgs(
        prompt=prompt.strip(), source_file_id=source.strip() if source else None, seconds=seconds,
        width=width, height=height, seed=None if seed is None else _integer(seed, "seed", 0, 2**31 - 1),
        motion_bucket_id=_integer(arguments.get("motion_bucket_id", 127), "motion_bucket_id", 1, 255),
        cfg_scale=float(cfg))


SCHEMA: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "video_gen",
        "description": (
            "Make a short video (MP4, 2-8 s, 24 fps, up to 1280x720). Animate an image the user has (by its file "
            "id), or give only a prompt and a still is painted first, then animated. The offline animator moves "
            "the camera (slow zoom or pan) and what the picture suggests (clouds, water, city lights, rain or "
            "snow when asked), not the subjects. The video is saved to the user's Space and shown to them; you "
            "receive its file id, or the job's id if it is still being made."),
        "parameters": {
            "type": "object",
            "properties": {
                "prompt": {"type": "string", "description": "What the video shows, or how the picture should "
                           "move (zoom in, pan left, falling snow, ...)."},
                "source_file_id": {"type": "string", "description": "The image to animate (a file id listed to "
                                   "you); omit it to paint a still from the prompt first."},
                "seconds": {"type": "integer", "minimum": MIN_SECONDS, "maximum": MAX_SECONDS,
                            "description": "Length of the clip (default 4)."},
                "size": {"type": "string", "description": "WIDTHxHEIGHT within 1280x720 or 720x1280; omitted: "
                         "the image's own shape."},
                "aspect_ratio": {"type": "string", "enum": list(RATIOS)},
                "seed": {"type": "integer", "minimum": 0, "description": "Same seed and arguments, same video."},
                "motion_bucket_id": {"type": "integer", "minimum": 1, "maximum": 255,
                                     "description": "How much moves (default 127)."},
                "cfg_scale": {"type": "number", "minimum": 0, "maximum": 10,
                              "description": "How closely the clip keeps to the still (default 1.5)."},
            },
            "required": ["prompt"],
        },
    },
}
