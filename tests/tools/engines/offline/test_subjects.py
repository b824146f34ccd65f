"""Subjects: which nouns the painter knows, how a prompt is read into a cast, and how the cast is placed."""

from __future__ import annotations

import io
import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from easel.tools.engines.offline import painter
from easel.tools.engines.offline.figures import figure
from easel.tools.engines.offline.subject_catalog import FIGURES, SUBJECTS
from easel.tools.engines.offline.subjects import label, read_cast

ROOT = Path(__file__).resolve().parents[4]


def test_the_catalogue_has_hundreds_of_subjects_each_with_its_vendored_figure_and_licence() -> None:
    assert len(SUBJECTS) >= 200
    assert Counter(s.place for s in SUBJECTS).keys() == {"ground", "sky", "water", "bust"}
    folder = resources.files("easel.tools.engines.offline").joinpath("subjects")
    shipped = {p.name for p in folder.iterdir()}
    assert {f"{name}.png" for name in FIGURES} <= shipped and {"LICENSE", "README.md"} <= shipped
    assert "Apache License" in folder.joinpath("LICENSE").read_text()
    assert sum(len(folder.joinpath(f"{n}.png").read_bytes()) for n in FIGURES) < 3_000_000
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "subjects/*.png" in data["easel.tools.engines.offline"]
    assert figure("cat").shape[2] == 4 and figure("cat")[..., 3].max() > 0.99  # cropped, opaque inside


@pytest.mark.parametrize(("prompt", "drawn", "omitted"), [
    ("Paint a red fox sitting in a snowy forest", ["a fox"], []),
    ("a cat and a dog on a beach", ["a cat", "a dog"], []),
    ("three birds over a lake", ["three birds"], []),
    ("a herd of elephants at sunset", ["five elephants"], []),
    ("a flock of 40 sheep", ["12 of 40 sheep"], []),
    ("two kittens and a puppy", ["two cats", "a dog"], []),
    ("a lighthouse with a zeppelin above it", ["a lighthouse"], ["zeppelin"]),
    ("A spaceship made of cheese", ["a rocket"], ["made of cheese"]),
    ("mountains at night, no people", [], []),
    ("a dog house in the woods", ["a house"], []),
    ("an orange cat", ["a cat"], []),
    ("A horse at sunrise, as an oil painting", ["a horse"], []),
])
def test_a_prompt_is_read_into_subjects_counts_and_omissions(prompt: str, drawn: list[str],
                                                             omitted: list[str]) -> None:
    cast = read_cast(prompt)
    assert [label(w) for w in cast.wanted] == drawn and list(cast.omitted) == omitted


def test_the_negative_prompt_keeps_a_subject_out() -> None:
    assert [w.subject.name for w in read_cast("a cat and a dog", "dog").wanted] == ["cat"]


def _box(painted: painter.Painted, name: str) -> tuple[int, int, int, int]:
    return next(tuple(p["box"]) for p in painted.metadata["layout"] if p["name"] == name)


def test_a_subject_stands_in_the_scene_with_a_shadow_and_the_scene_light() -> None:
    with_cat = painter.generate("a cat on the hills", None, 512, 512, 3, False)
    alone = painter.generate("the hills", None, 512, 512, 3, False)
    x0, y0, x1, y1 = _box(with_cat, "cat")
    assert 0.25 * 512 < y1 - y0 < 0.6 * 512 and y1 > 0.66 * 512  # a hero's size, feet below the horizon
    inside = with_cat.pixels[y0:y1, x0:x1].astype(int)
    r, g, b = (inside[..., i].mean() for i in range(3))
    assert r > b + 25  # the cat's orange is there
    below = slice(y1, min(512, y1 + 12))
    shade = with_cat.pixels[below, x0:x1].astype(int).mean()
    assert shade < alone.pixels[below, x0:x1].astype(int).mean() - 4  # its shadow darkens the grass
    night = painter.generate("a cat on the hills at night", None, 512, 512, 3, False)
    nx0, ny0, nx1, ny1 = _box(night, "cat")
    assert night.pixels[ny0:ny1, nx0:nx1].mean() < inside.mean() * 0.75  # the night is on the cat too


def test_sizes_follow_real_sizes_and_boats_float() -> None:
    out = painter.generate("a cat beside a house, and a sailboat on the lake", None, 640, 640, 2, False)
    cat, house, boat = _box(out, "cat"), _box(out, "house"), _box(out, "sailboat")
    assert cat[3] - cat[1] < house[3] - house[1]
    assert "water" in out.description and boat[3] < cat[3]  # the boat sits out on the water
    assert out.metadata["drawn"] == ["a cat", "a house", "a sailboat"]


def test_counts_are_drawn_and_a_style_goes_over_the_whole_picture() -> None:
    birds = painter.generate("three birds over a lake", None, 384, 384, 1, False)
    assert [p["name"] for p in birds.metadata["layout"]] == ["bird"] * 3
    styled = painter.generate("three birds over a lake", None, 384, 384, 1, False, "pencil-sketch")
    assert styled.metadata == birds.metadata and "pencil sketch" in styled.description.lower()
    gray, colour = styled.pixels.astype(int), birds.pixels.astype(int)
    assert np.abs(gray[..., 0] - gray[..., 2]).mean() < 6 < np.abs(colour[..., 0] - colour[..., 2]).mean()


def test_object_edits_place_a_subject_into_an_existing_picture() -> None:
    import asyncio

    from easel.tools import provenance
    from easel.tools.engines.base import ImageJob, SourceImage
    from easel.tools.engines.offline import OfflineEngine

    engine = OfflineEngine()
    made = asyncio.run(engine.generate(ImageJob(operation="generate", prompt="a snowman on the hills", width=384,
                                                height=384, seed=4)))
    image = made.images[0]
    data = provenance.embed(image.data, "image/png", dict(image.metadata))
    source = SourceImage("f", data, "image/png", "snowman.png", 384, 384)
    hat = asyncio.run(engine.edit(ImageJob(operation="edit", prompt="put a hat on the snowman", sources=(source,),
                                           seed=1)))
    assert "added hat on the snowman" in (hat.images[0].revised_prompt or "")
    before = np.asarray(Image.open(io.BytesIO(image.data)).convert("RGB")).astype(int)
    after = np.asarray(Image.open(io.BytesIO(hat.images[0].data)).convert("RGB")).astype(int)
    x0, y0, x1, _ = image.metadata["layout"][0]["box"]
    changed = np.abs(after - before).sum(axis=2) > 40
    rows = np.flatnonzero(changed.any(axis=1))
    assert rows.size and rows.min() < y0 + 10 and rows.max() < y0 + (x1 - x0)  # the hat sits on its head
    cat = asyncio.run(engine.edit(ImageJob(operation="edit", prompt="add a cat", sources=(source,), seed=1)))
    moved = np.abs(np.asarray(Image.open(io.BytesIO(cat.images[0].data)).convert("RGB")).astype(int) - before)
    assert (moved.sum(axis=2) > 40).mean() > 0.01
