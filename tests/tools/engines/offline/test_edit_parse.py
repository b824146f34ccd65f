"""Reading edit instructions: the right operations, in order; unknown edits refused by name."""

from __future__ import annotations

import pytest

from easel.spaces.errors import EaselError
from easel.tools.engines.offline.edit_parse import parse_edit


def kinds(prompt: str) -> list[str]:
    return [op.kind for op in parse_edit(prompt)]


def test_several_edits_in_order() -> None:
    assert kinds("add falling snow, then make it darker and add a rainbow") == [
        "snow",
        "brightness",
        "rainbow",
    ]
    assert kinds("make it black and white") == ["grayscale"]
    assert kinds("please add some rain") == ["rain"]


def test_amounts_and_directions() -> None:
    darker, brighter = parse_edit("make it much darker")[0], parse_edit("slightly brighter")[0]
    assert darker.amount < -1.0 and 0 < brighter.amount < 1.0
    assert parse_edit("less contrast")[0].amount < 0 < parse_edit("more contrast")[0].amount


def test_text_with_quotes_keeps_commas_and_and() -> None:
    op = parse_edit('add the text "Salt, Pepper and Sea" at the top')[0]
    assert (op.kind, op.text, op.where) == ("text", "Salt, Pepper and Sea", "top")
    assert parse_edit("with the caption 'Hello'")[0].text == "Hello"


def test_geometry() -> None:
    rot = parse_edit("rotate it 45 degrees counterclockwise")[0]
    assert (rot.kind, rot.amount) == ("rotate", -45.0)
    assert parse_edit("rotate right")[0].amount == 90.0
    assert parse_edit("flip it vertically")[0].where == "vertical"
    assert parse_edit("mirror the image")[0].where == "horizontal"
    assert parse_edit("crop to square")[0].size == (1, 1)
    assert parse_edit("crop to 16:9")[0].size == (16, 9)
    assert parse_edit("resize to 512x384")[0].size == (512, 384)
    assert parse_edit("scale to 50%")[0].amount == 0.5


def test_style_requests_inside_an_edit() -> None:
    op = parse_edit("make this photo look like a watercolour painting")[0]
    assert (op.kind, op.text) == ("style", "watercolor")
    assert kinds("add snow to this photo") == ["snow"]


@pytest.mark.parametrize(
    ("prompt", "phrase"),
    [
        ("remove the car", "cannot remove objects from a photo"),
        ("add a submarine to the sky", "cannot add a submarine to a photo"),
        ("replace the sky with a galaxy", "cannot replace the sky in a photo"),
        ("blur the background", "cannot change the background"),
        ("make her smile", "cannot edit people or faces"),
        ("make it darker and remove the car", "cannot remove objects"),
        ("teleport it to mars", 'cannot do "teleport it to mars"'),
    ],
)
def test_unknown_edits_are_refused_by_name(prompt: str, phrase: str) -> None:
    with pytest.raises(EaselError) as err:
        parse_edit(prompt)
    assert err.value.code == "generation_failed" and err.value.status == 422
    assert phrase in err.value.message and "configure an image model" in err.value.message
