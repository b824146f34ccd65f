"""Weather over any picture: fog, rain and snow. Used by generated scenes and by photo edits alike.

All functions take a float RGB canvas (h, w, 3) in 0..1 and change it in place.
"""

from __future__ import annotations

import cv2
import numpy as np

from .colors import RGB, rgb01
from .raster import FArray, fbm2d, smoothstep


def fog(canvas: FArray, rng: np.random.Generator, horizon: float, strength: float, color: RGB) -> None:
    """Ground fog: densest around the horizon line, thinning upwards and towards the viewer."""
    h, w = canvas.shape[:2]
    y = np.arange(h, dtype=np.float32)[:, None] / h
    hz = horizon / h
    band = np.exp(-(((y - hz) / 0.22) ** 2)) * 0.75 + 0.25
    wisps = cv2.resize(fbm2d(rng, max(8, h // 8), max(8, w // 8), 3, octaves=4), (w, h))
    wisps = cv2.resize(cv2.resize(wisps, (w // 4, max(2, h // 16))), (w, h))  # stretch into banks
    a = np.clip(strength * band * (0.55 + 0.75 * wisps), 0.0, 0.92)[..., None]
    canvas += (np.array(rgb01(color), np.float32) - canvas) * a


def rain(canvas: FArray, rng: np.random.Generator, strength: float = 1.0) -> None:
    """Darken and soften the scene, then add slanted, motion-blurred streaks."""
    h, w = canvas.shape[:2]
    grey = canvas.mean(axis=2, keepdims=True)
    canvas[:] = (canvas * 0.55 + grey * 0.45) * (1.0 - 0.28 * strength)
    canvas[:] += np.array([0.0, 0.01, 0.03], np.float32) * strength  # cool, wet cast
    canvas[:] = cv2.GaussianBlur(canvas, (0, 0), 0.8 * max(1.0, w / 1024))
    layer = np.zeros((h, w), np.uint8)
    n = int(w * h / 700 * strength)
    xs = rng.integers(-w // 8, w, n)
    ys = rng.integers(-h // 10, h, n)
    lengths = rng.uniform(0.02, 0.06, n) * h
    angle = np.deg2rad(rng.uniform(8, 16))
    dx, dy = np.sin(angle), np.cos(angle)
    bright = rng.integers(70, 200, n)
    for x, y, ln, b in zip(xs, ys, lengths, bright, strict=True):
        cv2.line(layer, (int(x), int(y)), (int(x + dx * ln), int(y + dy * ln)), int(b), 1, cv2.LINE_AA)
    streaks = cv2.GaussianBlur(layer.astype(np.float32) / 255.0, (0, 0), 0.7)
    canvas += (np.float32(0.85) - canvas) * (streaks * 0.55)[..., None]


def snow(canvas: FArray, rng: np.random.Generator, amount: float = 1.0, settle: bool = False) -> None:
    """Falling snow in three depths: many small far flakes, fewer large soft near ones."""
    h, w = canvas.shape[:2]
    scale = max(1.0, w / 1024)
    # A cold, slightly hazy light goes with snowfall.
    canvas[:] = canvas * 0.88 + np.array(rgb01((200, 210, 225)), np.float32) * 0.12
    if settle:
        # Flat upward-facing surfaces whiten: where the image gets darker downwards (tops of things).
        grey = cv2.GaussianBlur(canvas.mean(axis=2), (0, 0), 1.5 * scale)
        tops = smoothstep(0.02, 0.12, grey - np.roll(grey, int(3 * scale), axis=0))
        canvas += (np.float32(0.95) - canvas) * (tops * 0.5)[..., None]
    # Three depths drawn as uint8 masks (cheap to draw and blur), summed into one alpha, blended once.
    alpha = np.zeros((h, w), np.float32)
    for layer_i, (count, rmin, rmax, blur, opacity) in enumerate(
        ((2600, 0.6, 1.4, 0.0, 0.7), (900, 1.4, 2.6, 0.6, 0.85), (160, 3.0, 6.0, 2.2, 0.8))
    ):
        n = int(count * amount * w * h / 1024**2)
        mask = np.zeros((h, w), np.uint8)
        xs, ys = rng.integers(0, w, n) * 4, rng.integers(0, h, n) * 4
        rs = (rng.uniform(rmin, rmax, n) * scale * 4).astype(np.int64)
        for x, y, r in zip(xs.tolist(), ys.tolist(), rs.tolist(), strict=True):
            cv2.circle(mask, (x, y), r, 255, -1, cv2.LINE_AA, shift=2)
        if blur:
            mask = cv2.GaussianBlur(mask, (0, 0), blur * scale)
        alpha += mask.astype(np.float32) * (opacity * (0.8 + 0.1 * layer_i) / 255.0)
    np.minimum(alpha, 1.0, out=alpha)
    diff = np.float32(0.97) - canvas
    diff *= alpha[..., None]
    canvas += diff
