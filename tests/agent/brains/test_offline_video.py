"""The offline router on moving pictures: which words ask for a video (and which only mention one), the
arguments it gives video_gen, and what the stand-in says before and after, through its real litellm path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from easel.agent.brains.offline_model import reply_chunks, speak
from easel.agent.brains.offline_router import route
from easel.agent.brains.offline_types import Conversation, Decision, ListedImage
from easel.tools.video_args import SCHEMA as VIDEO_SCHEMA

PHOTO = ListedImage("file-p", "photo.png", "800x600", "attached to this message")
MADE = ListedImage("file-m", "lighthouse.png", "1024x1024", "made earlier in this conversation")
SUNSET = ListedImage("file-s", "sunset.png", "1280x720", "made earlier in this conversation")


def decide(text: str, images: tuple[ListedImage, ...] = (), *, may_video: bool = True, **kw: Any) -> Decision:
    return route(Conversation(user_text=text, user_spoke_last=True, images=images), may_video=may_video, **kw)


def video(text: str, images: tuple[ListedImage, ...] = ()) -> dict[str, Any]:
    d = decide(text, images)
    assert d.kind == "call_tool" and d.video is not None, (text, d)
    v = d.video
    return {"prompt": v.prompt, "source": v.source.name if v.source else None, "seconds": v.seconds,
            "asked": v.asked_seconds, **v.options}


@pytest.mark.parametrize(("text", "images", "source"), [
    ("animate this photo", (PHOTO,), "photo.png"),
    ("Can you animate my photo?", (PHOTO,), "photo.png"),
    ("make it move", (MADE,), "lighthouse.png"),
    ("Bring it to life", (PHOTO, MADE), "lighthouse.png"),
    ("turn this picture into a video", (PHOTO,), "photo.png"),
    ("make a short clip of the sunset", (PHOTO, SUNSET), "sunset.png"),
    ("animate it with falling snow", (MADE,), "lighthouse.png"),
    ("animate", (PHOTO,), "photo.png"),
    ("Animate this photo, pan left, 4 seconds", (PHOTO,), "photo.png"),
])
def test_animating_an_image_takes_the_one_pointed_at(text: str, images: tuple[ListedImage, ...],
                                                     source: str) -> None:
    assert video(text, images)["source"] == source


@pytest.mark.parametrize(("text", "prompt", "seconds"), [
    ("make a 5-second video of waves at sunset", "waves at sunset", 5),
    ("Could you create a video of a city at night with rain, 6 seconds long?", "a city at night with rain", 6),
    ("a short clip of snow falling on a forest", "snow falling on a forest", None),
    ("video of clouds over mountains for 3 seconds", "clouds over mountains", 3),
    ("Make an animation of a lake at dawn", "a lake at dawn", None),
    ("generate a 4s clip of a river", "a river", 4),
    ("animate a lighthouse in a storm", "a lighthouse in a storm", None),
])
def test_a_new_video_paints_its_subject_first(text: str, prompt: str, seconds: int | None) -> None:
    got = video(text)
    assert got["source"] is None and got["prompt"] == prompt and got["seconds"] == seconds


def test_a_new_video_is_painted_even_when_images_are_at_hand() -> None:
    assert video("make a 5-second video of waves at sunset", (MADE,))["source"] is None


def test_lengths_outside_what_the_animator_makes_are_kept_in_range_and_said() -> None:
    long = video("make a one-minute video of the sea")
    assert long["seconds"] == 8 and long["asked"] == 60
    short = video("animate this photo for 1 second", (PHOTO,))
    assert short["seconds"] == 2 and short["asked"] == 1
    said = speak(decide("make a 20 second video of the sea"))
    assert "2 to 8 seconds" in said and "not 20" in said


def test_motion_seed_and_shape_become_arguments() -> None:
    assert video("animate this photo gently, seed 42", (PHOTO,))["motion_bucket_id"] == 60
    assert video("animate this photo gently, seed 42", (PHOTO,))["seed"] == 42
    assert video("a dramatic video of a storm at sea")["motion_bucket_id"] == 200
    assert video("a vertical video of a waterfall")["aspect_ratio"] == "9:16"
    assert "aspect_ratio" not in video("animate this photo", (PHOTO,))  # the photo's own shape


@pytest.mark.parametrize("text", [
    "draw a video game character",
    "make clip art of a cat",
    "create a thumbnail for my video about cooking",
    "what is a video codec?",
    "tell me how to edit a video",
    "don't make a video, just a picture of a fox",
    "move the cat to the left",
    "a poster for the animation studio",
    "paint a fox in the 90s style",
    "a picture of a vintage video camera",
])
def test_words_that_only_mention_video_are_not_a_video(text: str) -> None:
    d = decide(text, (PHOTO,))
    assert d.video is None, text


def test_without_the_video_tool_it_says_so_instead_of_painting() -> None:
    d = decide("make a video of waves", may_video=False)
    assert d.kind == "tool_unavailable" and "video tool isn't available" in speak(d)


def test_forcing_image_gen_by_name_paints_even_for_video_words() -> None:
    d = decide("make a video of waves", must_call=True, must_video=False)
    assert d.kind == "call_tool" and d.video is None and d.request is not None


def _tools() -> list[dict[str, Any]]:
    image = {"type": "function", "function": {"name": "image_gen", "parameters": {"type": "object",
                                                                                  "properties": {"prompt": {}}}}}
    return [image, VIDEO_SCHEMA]


def test_the_call_is_streamed_as_video_gen_with_arguments_that_fit_its_schema() -> None:
    system = ("Images you can use (id | name | size | origin):\n- file-p | photo.png | 800x600, 12 KB | "
              "attached to this message")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "animate this photo for 5 s"}]
    chunks = reply_chunks(messages, {"tools": _tools(), "tool_choice": "auto"})
    text = "".join(c["text"] for c in chunks)
    calls = [c["tool_use"] for c in chunks if c["tool_use"]]
    assert text == "Animating photo.png into a 5-second video…"
    assert calls[0]["function"]["name"] == "video_gen" and all(c["function"]["name"] is None for c in calls[1:])
    args = json.loads("".join(c["function"]["arguments"] for c in calls))
    assert args == {"prompt": "animate this photo", "source_file_id": "file-p", "seconds": 5}
    assert chunks[-1]["finish_reason"] == "tool_calls"


def _closing(result: dict[str, Any]) -> str:
    messages = [
        {"role": "user", "content": "animate this photo"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_v", "type": "function", "function": {"name": "video_gen", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_v", "content": json.dumps(result)},
    ]
    return "".join(c["text"] for c in reply_chunks(messages, {"tools": _tools()}))


def test_the_closing_words_say_honestly_what_the_animator_made() -> None:
    said = _closing({
        "status": "completed", "operation": "video", "engine": "builtin/animator-1", "job_id": "video_1",
        "source": {"file_id": "file-p", "name": "photo.png"},
        "files": [{"file_id": "file-v", "name": "photo.mp4", "width": 480, "height": 270, "duration_s": 5.0,
                   "fps": 24, "frames": 120}],
        "notes": ["Offline animation (camera and weather, not generated motion): zoom in, drifting clouds."]})
    assert said.startswith("I animated photo.png into photo.mp4 (480x270, 5 s at 24 fps, 120 frames). "
                           "Offline animation (camera and weather, not generated motion): zoom in, drifting clouds.")


def test_a_video_still_being_made_is_answered_with_its_job_and_where_it_will_be() -> None:
    said = _closing({"status": "in_progress", "job_id": "video_abc", "progress": 35,
                     "status_url": "/v1/videos/video_abc"})
    assert "video_abc" in said and "35% done" in said and "/v1/videos/video_abc" in said


def test_a_failed_video_says_why() -> None:
    said = _closing({"status": "failed", "error": "Not enough credits: $0.0000 left"})
    assert said.startswith("I couldn't make the video: Not enough credits")


def test_camera_words_reach_the_animator_as_said() -> None:
    assert video("Animate this photo, pan left, 4 seconds", (PHOTO,))["prompt"] == "Animate this photo, pan left"
    assert video("make a video of waves, pan right, 3 seconds")["prompt"] == "waves, pan right"
