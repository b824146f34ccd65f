"""What a still holds that can move: sky, water and city lights, found in its pixels.

Each finder returns a float mask in 0..1 at the still's size, or None when the picture has none of it.
They are deliberately cautious: a mask that is wrong makes a photo wobble where nothing should.
"""

from __future__ import annotations

import cv2
import numpy as np

FArray = np.ndarray


def _hsv(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.float32) / 255.0


def _smooth(mask: np.ndarray, w: int) -> FArray:
    k = max(3, (w // 160) | 1)
    return cv2.GaussianBlur(mask.astype(np.float32), (k, k), 0)


def sky_mask(rgb: np.ndarray) -> FArray | None:
    """Smooth, bright or blue pixels connected to the top edge, in the upper 60 % of the frame."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    hsv = _hsv(small)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    texture = cv2.Laplacian(grey, cv2.CV_32F, ksize=3)
    texture = cv2.GaussianBlur(np.abs(texture), (5, 5), 0)
    rows = np.arange(small.shape[0])[:, None] / small.shape[0]
    candidate = (texture < 10.0) & (rows < 0.6) & ((hsv[..., 2] > 0.35) | ((hsv[..., 0] > 0.5) & (hsv[..., 0] < 0.72)))
    count, labels = cv2.connectedComponents(candidate.astype(np.uint8))
    top = {int(v) for v in np.unique(labels[0]) if v != 0}
    if not top:
        return None
    mask = np.isin(labels, list(top))
    if mask.mean() < 0.08:
        return None
    return _smooth(cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR), w)


def water_mask(rgb: np.ndarray) -> FArray | None:
    """Blue-green, fairly smooth pixels in the lower half that span a good part of the width."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    hsv = _hsv(small)
    rows = np.arange(small.shape[0])[:, None] / small.shape[0]
    blue = (hsv[..., 0] > 0.42) & (hsv[..., 0] < 0.72) & (hsv[..., 1] > 0.15) & (rows > 0.45)
    if blue.mean() < 0.06 or blue.any(axis=0).mean() < 0.5:
        return None
    return _smooth(cv2.resize(blue.astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR), w)


def lights_mask(rgb: np.ndarray) -> FArray | None:
    """Small bright spots in a dark picture: windows, street lamps, neon."""
    h, w = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if grey.mean() > 110:
        return None
    spots = (grey > 170).astype(np.uint8)
    share = spots.mean()
    if share < 0.002 or share > 0.2:
        return None
    return _smooth(cv2.dilate(spots, np.ones((3, 3), np.uint8)), w)


def describe(rgb: np.ndarray) -> dict[str, FArray | None]:
    return {"sky": sky_mask(rgb), "water": water_mask(rgb), "city_lights": lights_mask(rgb)}
