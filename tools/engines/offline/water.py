"""Reflective surfaces: a lake or sea below the horizon, or a wet street under a city.

The reflection is the picture above the horizon mirrored, displaced by ripples that grow towards
the viewer, darkened and tinted by the water's own colour. A wet street is the same with a rougher,
vertically smeared reflection, which is how neon looks on asphalt.
"""

from __future__ import annotations

import cv2
import numpy as np

from .colors import RGB, rgb01
from .raster import FArray, fbm2d, smoothstep


def reflect(
    canvas: FArray,
    emission: FArray,
    horizon: int,
    rng: np.random.Generator,
    tint: RGB,
    light_x: float | None,
    wet_street: bool = False,
) -> None:
    h, w = canvas.shape[:2]
    depth = h - horizon
    if depth <= 2:
        return
    y = np.arange(depth, dtype=np.float32)
    near = y / depth  # 0 at the horizon, 1 at the bottom edge
    # Perspective: ripples are tiny and dense at the horizon, larger and sparser close by.
    amp = (0.5 + 5.0 * near**2) * (w / 1024)
    noise = fbm2d(rng, depth, max(8, w // 4), 8, octaves=3)
    noise = cv2.resize(noise, (w, depth))
    phase = (y * (0.9 - 0.6 * near))[:, None] + noise * 6.0
    map_x = np.arange(w, dtype=np.float32)[None, :] + amp[:, None] * np.sin(phase)
    src_y = horizon - 1 - y * (1.0 + 0.15 * near)  # slight vertical squash reads as distance
    map_y = np.repeat(np.clip(src_y, 0, horizon - 1)[:, None], w, axis=1).astype(np.float32)
    lit = canvas + emission
    refl = cv2.remap(lit, map_x.astype(np.float32), map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if wet_street:
        refl = cv2.blur(refl, (5, 61))  # streaky vertical smear of lights on wet asphalt
    else:
        refl = cv2.blur(refl, (1, 3))
    # Grazing angles near the horizon reflect more; a street reflects less than water.
    fresnel = ((0.9 - 0.55 * near) if wet_street else (0.82 - 0.35 * near))[:, None, None]
    water = np.array(rgb01(tint), np.float32)
    body = water * (1.0 - 0.35 * near)[:, None, None]
    out = body + (refl - body) * fresnel
    # Wind streaks: faint horizontal lines that break up the mirror.
    streak = cv2.resize(fbm2d(rng, max(8, depth // 6), 32, 4, octaves=2), (w, depth))
    out *= (0.93 + 0.14 * smoothstep(0.55, 0.8, streak))[..., None]
    canvas[horizon:] = out
    emission[horizon:] *= 0.0
    if light_x is not None and not wet_street:
        _glitter(emission, horizon, rng, light_x, lit[max(0, horizon - 3), int(np.clip(light_x, 0, w - 1))])


def _glitter(emission: FArray, horizon: int, rng: np.random.Generator, light_x: float, light: FArray) -> None:
    """Sparkles on the water in a column under the sun or moon."""
    h, w = emission.shape[:2]
    depth = h - horizon
    # Only a band of columns under the light can sparkle; work on that band alone.
    x0, x1 = max(0, int(light_x - 0.4 * w)), min(w, int(light_x + 0.4 * w))
    if x1 - x0 < 2 or depth < 2:
        return
    sparkle = rng.random((depth, x1 - x0), dtype=np.float32)
    near = (np.arange(depth, dtype=np.float32) / depth)[:, None]
    width = (0.03 + 0.12 * near) * w
    column = np.exp(-(((np.arange(x0, x1, dtype=np.float32)[None, :] - light_x) / width) ** 2))
    dots = (sparkle > 0.985 - 0.03 * column).astype(np.float32) * column
    dots = cv2.blur(dots, (5, 1))
    colour = np.clip(light / max(float(light.max()), 1e-3), 0.3, 1.0)
    emission[horizon:, x0:x1] += dots[..., None] * (colour * 0.7).astype(np.float32)
