"""Combining images: the mode from the words, and the geometry of each mode."""

from __future__ import annotations

import numpy as np

from easel.tools.engines.offline.compose import choose_mode, compose

from .conftest import make_photo


def rgba(rgb: np.ndarray) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


A, B = rgba(make_photo(120, 80)), rgba(make_photo(60, 80)[:, ::-1])


def test_choose_mode() -> None:
    assert choose_mode("put these together", 2) == "side_by_side"
    assert choose_mode("blend the two photos", 2) == "blend"
    assert choose_mode("picture in picture, second in the corner", 2) == "pip"
    assert choose_mode("stack them top and bottom", 2) == "stack"
    assert choose_mode("a collage", 4) == "grid"


def test_side_by_side_and_stack() -> None:
    assert compose([A, B], "side_by_side", "").shape == (80, 180, 4)
    assert compose([A, B], "stack", "").shape == (80 + 160, 120, 4)


def test_blend_is_a_cross_fade() -> None:
    out = compose([A, A[:, ::-1]], "blend", "").astype(int)
    expected = (A.astype(int) + A[:, ::-1].astype(int)) / 2
    assert out.shape == A.shape and np.abs(out - expected).max() <= 1


def test_picture_in_picture_changes_only_a_corner() -> None:
    out = compose([A, B], "pip", "in the top left corner")
    assert out.shape == A.shape
    diff = np.abs(out.astype(int) - A.astype(int)).sum(axis=2) > 30
    assert diff[:40, :60].mean() > 0.3 and diff[50:, 70:].mean() < 0.05
