"""The offline router's judgment on the kinds of requests it used to miss (the whole labelled set runs in
tests/agent/test_evaluation.py through `easel eval`)."""

from __future__ import annotations

import pytest

from easel.agent.brains.offline_router import route
from easel.agent.brains.offline_types import Conversation, ListedImage

PHOTO = ListedImage("file-p", "photo.png", "800x600", "attached to this message")
OTHER = ListedImage("file-o", "beach.png", "800x600", "attached to this message")
MADE = ListedImage("file-m", "lighthouse.png", "1024x1024", "made earlier in this conversation")


def decide(text: str, images: tuple[ListedImage, ...] = (), earlier: tuple[str, ...] = ()) -> dict:
    decision = route(Conversation(user_text=text, user_spoke_last=True, images=images, earlier=earlier))
    if decision.request is None:
        return {"kind": decision.kind}
    r = decision.request
    return {"kind": decision.kind, "operation": r.operation, "sources": [i.name for i in r.sources],
            "prompt": r.prompt, **r.options}


@pytest.mark.parametrize("text", [
    "Don't make a picture, just tell me what a heron looks like",
    "No image please, just explain what pop art is",
    "Hold off on generating, how many images can you make at once?",
])
def test_a_declined_image_is_not_painted(text: str) -> None:
    assert decide(text)["kind"] == "chat"


def test_a_negated_change_followed_by_a_wanted_one_is_an_edit() -> None:
    got = decide("Don't make it black and white, make it sepia", (PHOTO,))
    assert got["operation"] == "edit" and got["sources"] == ["photo.png"]


@pytest.mark.parametrize(("text", "seed"), [("Seed: 1234. A cat on a roof", 1234),
                                            ("Use seed 7 and paint a lighthouse", 7),
                                            ("seed #12, two variations of a cactus", 12)])
def test_a_seed_stated_before_the_request_still_paints(text: str, seed: int) -> None:
    got = decide(text)
    assert got["kind"] == "call_tool" and got["seed"] == seed and got["operation"] == "generate"


@pytest.mark.parametrize(("text", "ratio"), [
    ("A wide shot of a desert road", "16:9"), ("Panoramic view of a mountain range", "16:9"),
    ("A tall picture of a lighthouse", "2:3"), ("Draw a giraffe, portrait orientation", "2:3"),
    ("A square image of a cupcake", "1:1"), ("Make a 16:9 image of a city at night", "16:9"),
])
def test_words_for_shapes_give_a_shape_and_no_count(text: str, ratio: str) -> None:
    got = decide(text)
    assert got["aspect_ratio"] == ratio and "n" not in got


def test_a_portrait_of_someone_is_a_subject_not_a_shape() -> None:
    assert "aspect_ratio" not in decide("A portrait of an old man with a beard")


@pytest.mark.parametrize(("text", "style"), [
    ("Sketch a cat in pencil", "pencil-sketch"), ("Paint a harbour in watercolor", "watercolor"),
    ("An impressionist oil painting of a harbor", "oil-painting"), ("A cubist watercolor of a guitar", "watercolor"),
    ("A claymation snail on a leaf", "modeling-compound"), ("8-bit style spaceship", "pixel-art"),
])
def test_a_medium_named_by_a_verb_or_phrase_is_the_style_and_beats_the_movement(text: str, style: str) -> None:
    assert decide(text)["style"] == style


def test_a_version_of_an_attached_image_is_an_edit_or_a_restyle() -> None:
    assert decide("A winter version of this photo", (PHOTO,))["operation"] == "edit"
    got = decide("A pop-art version of this", (PHOTO,))
    assert got["operation"] == "style_transfer" and got["style"] == "pop-art" and got["sources"] == ["photo.png"]


def test_moving_something_from_one_image_into_another_is_a_compose() -> None:
    got = decide("Take the cat from photo.png and put it on the beach in beach.png", (PHOTO, OTHER))
    assert got["operation"] == "compose" and sorted(got["sources"]) == ["beach.png", "photo.png"]


def test_follow_ups_lean_on_the_earlier_request() -> None:
    earlier = ("paint a lighthouse on a cliff in watercolor, wide",)
    got = decide("another one, but at night", (MADE,), earlier)
    assert got["operation"] == "generate" and got["prompt"].startswith("a lighthouse on a cliff")
    assert got["prompt"].endswith(", at night")
    assert got["style"] == "watercolor" and got["aspect_ratio"] == "16:9" and got["sources"] == []
    assert decide("do three more", (MADE,), earlier)["n"] == 3
    assert decide("Same again but square", (MADE,), earlier)["aspect_ratio"] == "1:1"
    assert decide("Make it darker", (MADE,), earlier)["sources"] == ["lighthouse.png"]
    assert decide("what seed did you use?", (MADE,), earlier)["kind"] == "chat"


@pytest.mark.parametrize("text", ["Drwa a cat sitting on a sofa", "creat an imgae of a forest at night",
                                  "paitn a boat on a lake", "cat", "fox in snow", "robot, garden"])
def test_typos_and_terse_requests_still_paint(text: str) -> None:
    assert decide(text)["operation"] == "generate"
