"""Shared fixtures: a small synthetic "photo" (sky, sun, hills, a house) to edit and restyle."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from easel.tools.engines.base import SourceImage


def make_photo(w: int = 192, h: int = 128) -> np.ndarray:
    """RGB uint8 with smooth areas, edges and colour, like a simple landscape photograph."""
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = np.array([90, 150, 230], np.float32) * (1 - y) + np.array([220, 235, 250], np.float32) * y
    img = np.broadcast_to(sky, (h, w, 3)).copy()
    xs = np.arange(w)
    ridge = (h * 0.6 + 10 * np.sin(xs / 17.0)).astype(int)
    for x in range(w):
        img[ridge[x] :, x] = (60, 140, 70)
    cv2.circle(img, (int(w * 0.75), int(h * 0.25)), max(4, h // 10), (255, 230, 120), -1)
    cv2.rectangle(img, (int(w * 0.2), int(h * 0.45)), (int(w * 0.4), int(h * 0.8)), (180, 60, 50), -1)
    rng = np.random.default_rng(0)
    img += rng.normal(0, 4, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def png_bytes(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def photo() -> np.ndarray:
    return make_photo()


@pytest.fixture
def photo_source() -> SourceImage:
    rgb = make_photo()
    return SourceImage("file_1", png_bytes(rgb), "image/png", "photo.png", rgb.shape[1], rgb.shape[0])
