"""Style transfer: every style works, they differ from one another, and names resolve sensibly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from easel.tools.engines.offline.style_names import resolve
from easel.tools.engines.offline.styles import PIPELINES, apply_style

from .conftest import make_photo

SRC = make_photo(160, 160)
STAGE_002 = [
    "3d-model",
    "analog-film",
    "anime",
    "cinematic",
    "digital-art",
    "enhance",
    "fantasy-art",
    "isometric",
    "line-art",
    "low-poly",
    "modeling-compound",
    "neon-punk",
    "origami",
    "photographic",
    "pixel-art",
    "tile-texture",
]


@pytest.fixture(scope="module")
def outputs() -> dict[str, np.ndarray]:
    return {name: apply_style(SRC, name, 1.0, np.random.default_rng(7)) for name in PIPELINES}


def test_all_presets_and_classic_styles_exist() -> None:
    assert set(STAGE_002) <= set(PIPELINES)
    assert {
        "oil-painting",
        "watercolor",
        "pencil-sketch",
        "pop-art",
        "anime",
        "pixel-art",
        "impressionism",
    } <= set(PIPELINES)


def test_every_style_keeps_the_size(outputs: dict[str, np.ndarray]) -> None:
    for name, out in outputs.items():
        assert out.shape == SRC.shape and out.dtype == np.uint8, name


def test_styles_differ_from_the_source_and_pairwise(outputs: dict[str, np.ndarray]) -> None:
    for name, out in outputs.items():
        assert np.abs(out.astype(int) - SRC).mean() > 4, f"{name} visibly changes the photo"
    classic = [
        "oil-painting",
        "watercolor",
        "pencil-sketch",
        "pop-art",
        "anime",
        "pixel-art",
        "impressionism",
    ]
    for a, b in itertools.combinations(dict.fromkeys(classic + STAGE_002), 2):
        diff = np.abs(outputs[a].astype(int) - outputs[b].astype(int)).mean()
        assert diff > 6, f"{a} and {b} look too alike ({diff:.1f})"


def test_pencil_sketch_is_grey_and_pixel_art_has_few_colours(outputs: dict[str, np.ndarray]) -> None:
    pencil = outputs["pencil-sketch"].astype(int)
    assert np.abs(pencil[..., 0] - pencil[..., 1]).max() <= 2 and np.abs(pencil[..., 1] - pencil[..., 2]).max() <= 2
    colours = np.unique(outputs["pixel-art"].reshape(-1, 3), axis=0)
    assert len(colours) <= 16


def test_seeded_styles_are_reproducible() -> None:
    a = apply_style(SRC, "oil-painting", 1.0, np.random.default_rng(1))
    assert np.array_equal(a, apply_style(SRC, "oil-painting", 1.0, np.random.default_rng(1)))
    assert not np.array_equal(a, apply_style(SRC, "oil-painting", 1.0, np.random.default_rng(2)))


def test_strength_blends_towards_the_source() -> None:
    full = apply_style(SRC, "pop-art", 0.7, np.random.default_rng(1)).astype(int)
    half = apply_style(SRC, "pop-art", 0.35, np.random.default_rng(1)).astype(int)
    none = apply_style(SRC, "pop-art", 0.0, np.random.default_rng(1)).astype(int)
    assert np.abs(none - SRC).max() <= 1
    assert np.abs(half - SRC).mean() < np.abs(full - SRC).mean()


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        ("oil", "oil-painting"),
        ("Oil Painting", "oil-painting"),
        ("watercolour", "watercolor"),
        ("sketch", "pencil-sketch"),
        ("pencil", "pencil-sketch"),
        ("comic", "comic-book"),
        ("8-bit", "pixel-art"),
        ("neon punk", "neon-punk"),
        ("3D model", "3d-model"),
        ("claymation", "modeling-compound"),
        ("in the style of Monet", "impressionism"),
    ],
)
def test_aliases_resolve_silently(asked: str, name: str) -> None:
    assert resolve(asked) == resolve(asked).__class__(name)


def test_unknown_styles_map_to_the_nearest_with_a_note() -> None:
    cubist = resolve("cubist")
    assert cubist.name == "pop-art"
    assert cubist.note == "'cubist' is not a style the offline engine knows; used the nearest, 'pop art'."
    assert resolve("surrealist dreamscape").name == "fantasy-art"
    assert resolve("watercolr").name == "watercolor" and resolve("watercolr").note
    assert resolve("zzzz").name == "digital-art" and resolve("zzzz").note


def test_style_from_the_prompt_when_no_style_is_given() -> None:
    assert resolve(None, "make it look like a watercolor painting").name == "watercolor"
