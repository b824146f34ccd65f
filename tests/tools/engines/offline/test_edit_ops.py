"""Whole-image edits change the pixels the way their names say."""

from __future__ import annotations

import cv2
import numpy as np

from easel.tools.engines.offline.edit_ops import apply_ops
from easel.tools.engines.offline.edit_parse import parse_edit


def edit(rgb: np.ndarray, prompt: str, seed: int = 1) -> np.ndarray:
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    return apply_ops(rgba, parse_edit(prompt), np.random.default_rng(seed), 0.7)


def test_darker_and_brighter(photo: np.ndarray) -> None:
    assert edit(photo, "make it darker")[..., :3].mean() < photo.mean() - 20
    assert edit(photo, "make it brighter")[..., :3].mean() > photo.mean() + 10


def test_black_and_white_and_sepia(photo: np.ndarray) -> None:
    bw = edit(photo, "black and white")[..., :3].astype(int)
    assert np.abs(bw[..., 0] - bw[..., 2]).max() <= 1
    sepia = edit(photo, "sepia")[..., :3].astype(int)
    assert sepia[..., 0].mean() > sepia[..., 2].mean() + 15


def test_weather(photo: np.ndarray) -> None:
    snow = edit(photo, "add falling snow")[..., :3]
    assert (snow.mean(axis=2) > 235).mean() > (photo.mean(axis=2) > 235).mean()
    rain = edit(photo, "make it rainy")[..., :3]
    assert rain.mean() < photo.mean()
    night = edit(photo, "make it night")[..., :3].astype(float)
    assert night.mean() < photo.mean() * 0.6 and night[..., 2].mean() > night[..., 0].mean()


def test_rainbow_and_text_change_their_regions(photo: np.ndarray) -> None:
    rb = edit(photo, "add a rainbow")[..., :3]
    assert np.abs(rb.astype(int) - photo).mean() > 1.0
    txt = edit(photo, "add the text 'Hello'")[..., :3].astype(int)
    diff = np.abs(txt - photo).sum(axis=2) > 60
    assert diff[photo.shape[0] // 2 :].sum() > 20 * diff[: photo.shape[0] // 3].sum() + 20


def test_geometry(photo: np.ndarray) -> None:
    h, w = photo.shape[:2]
    assert edit(photo, "rotate 90 degrees").shape[:2] == (w, h)
    assert np.array_equal(edit(photo, "rotate 90 degrees")[..., :3], np.rot90(photo, -1))
    tilted = edit(photo, "rotate 30 degrees")
    assert tilted.shape[0] > h and tilted[0, 0, 3] == 0, "corners of a tilted picture are transparent"
    assert edit(photo, "crop to square").shape[:2] == (h, h)
    assert np.array_equal(edit(photo, "flip horizontally")[..., :3], photo[:, ::-1])
    assert edit(photo, "resize to 64x48").shape[:2] == (48, 64)


def test_blur_softens(photo: np.ndarray) -> None:
    sharp = cv2.Laplacian(photo.mean(axis=2), cv2.CV_64F).var()
    soft = cv2.Laplacian(edit(photo, "blur it")[..., :3].mean(axis=2), cv2.CV_64F).var()
    assert soft < sharp * 0.5


def test_alpha_is_kept_by_colour_edits(photo: np.ndarray) -> None:
    rgba = np.dstack([photo, np.full(photo.shape[:2], 128, np.uint8)])
    out = apply_ops(rgba, parse_edit("make it darker"), np.random.default_rng(1), 0.7)
    assert (out[..., 3] == 128).all()
