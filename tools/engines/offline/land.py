"""Land layers: mountain ranges, rolling hills, dunes and forests, back to front.

Each layer is a heightfield (one ridge height per column) filled with an antialiased coverage mask.
Atmospheric perspective, the reason distant ranges look pale and blue, is a blend towards the
horizon colour that weakens with each nearer layer.
"""

from __future__ import annotations

import cv2
import numpy as np

from .colors import RGB, mix, rgb01, shade
from .raster import FArray, below, fbm1d, fbm2d, paint, smoothstep


def _layer_fill(top: RGB, bottom: RGB, ridge: FArray, h: int, y0: int) -> FArray:
    """Colour per row for a layer, shape (h - y0, 1, 3): `top` at its highest point fading to `bottom`
    lower down. Per row, not per pixel: it broadcasts, and costs nothing until something multiplies it."""
    y = np.arange(y0, h, dtype=np.float32)[:, None]
    t = np.clip((y - float(ridge.min())) / max(1.0, (h - float(ridge.min())) * 0.6), 0.0, 1.0)[..., None]
    a, b = np.array(rgb01(top), np.float32), np.array(rgb01(bottom), np.float32)
    return (a + (b - a) * t).astype(np.float32)


def _range_profile(rng: np.random.Generator, w: int, i: int) -> FArray:
    """0..1 height per column: broad masses, sharp (folded-noise) peaks, and a little rock detail."""
    low = fbm1d(rng, w, 2 + i, octaves=2) * 0.5 + 0.5
    peaks = 1.0 - np.abs(fbm1d(rng, w, 3 + 2 * i, octaves=4, gain=0.42))
    detail = fbm1d(rng, w, 60, octaves=3)
    return np.clip(0.45 * low + 0.55 * peaks**2 + 0.025 * detail, 0.0, 1.0)


def _face_light(cov: FArray, light_dir: float, gullies: FArray, h: int) -> FArray:
    """-1..1 shading from the silhouette alone: blur the range's coverage into a soft height map and
    light it from the side. Peaks become cones whose faces fall diagonally away, as real ones do.
    Worked at quarter size: the relief is smooth, and the gradient is resized up smoothly (cubic)."""
    rows, w = cov.shape
    small = cv2.resize(cov, (max(8, w // 4), max(8, rows // 4)), interpolation=cv2.INTER_AREA)
    g = cv2.resize(gullies, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA)
    relief = (
        0.55 * cv2.GaussianBlur(small, (0, 0), 0.003 * h)
        + 0.45 * cv2.GaussianBlur(small, (0, 0), 0.011 * h)
        + (g - 0.5) * 0.06
    )
    gx = cv2.Sobel(relief, cv2.CV_32F, 1, 0, ksize=3)
    norm = float(np.percentile(np.abs(gx), 97)) + 1e-6
    lit = np.tanh(-gx / norm * 1.3 * light_dir)
    return cv2.resize(lit, (w, rows), interpolation=cv2.INTER_CUBIC) * cov


def mountains(
    canvas: FArray,
    rng: np.random.Generator,
    horizon: int,
    haze: RGB,
    base: RGB,
    light_x: float,
    snow: bool,
    layers: int = 3,
    glow: RGB = (255, 255, 255),
) -> None:
    """Layered ranges. The back range is tallest, palest and snow-capped; the front is darkest."""
    h, w = canvas.shape[:2]
    light_dir = 1.0 if light_x >= w / 2 else -1.0
    for i in range(layers):
        depth = i / max(1, layers - 1)  # 0 = farthest
        height = (0.34 - 0.12 * depth) * h
        ridge = horizon - height * (0.22 + 0.78 * _range_profile(rng, w, i)) + depth * 0.03 * h
        y0 = int(max(0, ridge.min() - 2))
        col = mix(base, haze, 0.6 * (1.0 - depth) + 0.06)
        fill = _layer_fill(col, mix(col, haze, 0.4), ridge, h, y0)
        gullies = cv2.resize(fbm2d(rng, max(8, (h - y0) // 4), max(8, w // 2), 3, octaves=3), (w, h - y0))
        cov = below(ridge, h, y0)
        lit = _face_light(cov, light_dir, gullies, h)
        fill = fill * (1.0 + 0.28 * lit * (1.0 - 0.4 * depth))[..., None]
        if snow and i < max(1, layers - 1):
            _snow_caps(fill, ridge, y0, horizon, lit, gullies, rng, glow)
        paint(canvas, fill, cov, y0)


def _snow_caps(
    fill: FArray,
    ridge: FArray,
    y0: int,
    horizon: int,
    lit: FArray,
    gullies: FArray,
    rng: np.random.Generator,
    glow: RGB,
) -> None:
    """Snow from each summit down to a ragged snow line, reaching further down the gullies. Lit snow
    takes the colour of the light (alpenglow at sunset); shaded snow turns blue."""
    w = ridge.shape[0]
    peak = float(ridge.min())
    span = horizon - peak
    line = peak + span * 0.2 + fbm1d(rng, w, 10, octaves=4) * span * 0.1
    rows = min(fill.shape[0], int(line.max() + span * 0.2 - y0) + 4)  # no snow can lie below this
    if rows <= 0:
        return
    y = np.arange(y0, y0 + rows, dtype=np.float32)[:, None]
    m = smoothstep(-2.0, 3.0, line[None, :] - y + (gullies[:rows] - 0.5) * span * 0.35)
    sunny = np.array(rgb01(mix((240, 244, 250), glow, 0.35)), np.float32)
    shadow = np.array(rgb01((150, 164, 200)), np.float32)
    snow = shadow + (sunny - shadow) * (0.5 + 0.5 * lit[:rows])[..., None]
    top = fill[:rows]
    top += (snow - top) * (m[..., None] * 0.9)


def hills(canvas: FArray, rng: np.random.Generator, horizon: int, haze: RGB, green: RGB, layers: int = 3) -> None:
    """Rolling meadows: smooth low-frequency ridges, lighter crests, grass texture, and a few trees."""
    h, w = canvas.shape[:2]
    span = h - horizon
    for i in range(layers):
        depth = i / max(1, layers - 1)
        ridge = horizon - 0.05 * h + depth * span * 0.45 + fbm1d(rng, w, 2 + i, octaves=3) * span * 0.18
        y0 = int(max(0, ridge.min() - 2))
        col = mix(shade(green, 0.75 + 0.35 * depth), haze, 0.5 * (1.0 - depth))
        fill = _layer_fill(shade(col, 1.15), shade(col, 0.72), ridge, h, y0)
        tex = fbm2d(rng, h - y0, w, 24, octaves=2)
        fill = fill * (0.93 + 0.14 * tex)[..., None]
        paint(canvas, fill, below(ridge, h, y0), y0)
        if i > 0:
            _tree_clumps(canvas, rng, ridge, mix(shade(green, 0.45), haze, 0.4 * (1.0 - depth)), depth)


def _tree_clumps(canvas: FArray, rng: np.random.Generator, ridge: FArray, colour: RGB, depth: float) -> None:
    """Round deciduous trees standing on a hill's crest line."""
    h, w = canvas.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    size = h * (0.012 + 0.02 * depth)
    for _ in range(int(rng.integers(2, 6))):
        x = float(rng.uniform(0.05, 0.95) * w)
        for k in range(int(rng.integers(1, 4))):
            cx = x + k * size * 1.5
            base = float(ridge[int(np.clip(cx, 0, w - 1))]) + size * 0.3
            r = size * float(rng.uniform(0.8, 1.2))
            cv2.circle(mask, (int(cx * 16), int((base - r * 1.2) * 16)), int(r * 16), 255, -1, cv2.LINE_AA, 4)
            cv2.rectangle(mask, (int(cx - r * 0.12), int(base - r * 0.5)), (int(cx + r * 0.12), int(base)), 255, -1)
    paint(canvas, colour, mask.astype(np.float32) / 255.0)


def dunes(canvas: FArray, rng: np.random.Generator, horizon: int, haze: RGB, sand: RGB, light_x: float) -> None:
    """Sand dunes: sharp crests, a lit and a shadowed flank, rows growing towards the viewer."""
    h, w = canvas.shape[:2]
    light_dir = 1.0 if light_x >= w / 2 else -1.0
    span = h - horizon
    for i in range(4):
        depth = i / 3
        x = np.linspace(0, 1, w, dtype=np.float32)
        crest = 1.0 - np.abs(np.sin(x * np.pi * (1.2 + 0.6 * i) + rng.uniform(0, 6)))  # sharp where sin = 0
        wave = 0.6 * (1.0 - crest) ** 2 + 0.4 * (fbm1d(rng, w, 2, octaves=2) * 0.5 + 0.5)
        ridge = horizon - 0.04 * h + depth * span * 0.62 - wave * span * (0.16 + 0.1 * depth)
        y0 = int(max(0, ridge.min() - 2))
        col = mix(shade(sand, 0.8 + 0.25 * depth), haze, 0.5 * (1.0 - depth))
        fill = _layer_fill(shade(col, 1.1), shade(col, 0.8), ridge, h, y0)
        smooth = cv2.GaussianBlur(ridge[None, :], (0, 0), 2.0)[0]
        flank = np.tanh(np.gradient(smooth) * light_dir * 3.0).astype(np.float32)
        # The flank shading fades below the crest (linear falloff: as good as exp here, and cheaper).
        fade = 1.0 - (np.arange(y0, h, dtype=np.float32)[:, None] - ridge[None, :]) / (0.2 * h)
        shading = np.clip(fade, 0.0, 1.0) * (0.22 * flank)[None, :]
        shading += 1.0
        fill = fill * shading[..., None]
        paint(canvas, fill, below(ridge, h, y0), y0)


def _pine(cx: float, base: float, height: float, width: float) -> np.ndarray:
    """A pine silhouette as one polygon: stacked tiers that widen downwards, on a short trunk."""
    tiers = 5
    trunk = width * 0.06
    right: list[tuple[float, float]] = []
    for k in range(1, tiers + 1):
        y = base - height + height * 0.9 * k / tiers
        half = width * (0.22 + 0.78 * k / tiers) / 2
        right.append((cx + half, y))  # the tip of a bough
        inner = half * 0.45 if k < tiers else trunk
        right.append((cx + inner, y - (height * 0.04 if k < tiers else 0.0)))  # back in towards the trunk
    right.append((cx + trunk, base))
    left = [(2 * cx - x, y) for x, y in reversed(right)]
    return np.array([(cx, base - height), *right, *left], dtype=np.float32)


def forest(
    canvas: FArray,
    rng: np.random.Generator,
    y_back: float,
    y_front: float,
    haze: RGB,
    dark: RGB,
    ground: RGB,
    rows: int = 3,
    tree_h: float = 0.14,
    ground_to: int | None = None,
) -> None:
    """Rows of pine silhouettes from `y_back` (small, hazy) to `y_front` (large, dark). Each row stands
    on its own strip of ground, filled down to `ground_to` (default: the bottom of the picture)."""
    h, w = canvas.shape[:2]
    ground_to = h if ground_to is None else ground_to
    for r in range(rows):
        depth = r / max(1, rows - 1)  # 0 = back row
        mask = np.zeros((h, w), np.uint8)
        th = tree_h * h * (0.4 + 0.9 * depth**1.5)
        row_y = y_back + (y_front - y_back) * depth
        x = -th * float(rng.uniform(0.0, 0.5))
        polys = []
        while x < w + th * 0.3:
            height = th * float(rng.uniform(0.65, 1.25))
            tree = _pine(x, row_y + float(rng.uniform(-0.05, 0.1)) * th, height, height * 0.42)
            polys.append((tree * 16).astype(np.int32))  # shift=4: 1/16 pixel precision
            # Back rows are dense woodland; the front row leaves gaps to see through.
            x += height * float(rng.uniform(0.14, 0.3) + 0.35 * depth * rng.random())
        for poly in polys:  # one call per tree: a single call would cut holes where trees overlap
            cv2.fillPoly(mask, [poly], 255, lineType=cv2.LINE_AA, shift=4)
        cov = mask.astype(np.float32) / 255.0
        fade = 0.6 * (1.0 - depth) ** 1.3
        canvas[int(row_y) : ground_to] = np.array(rgb01(mix(ground, haze, fade)), np.float32)
        # Tree tips catch a little light; the mass below is darker.
        ys = np.arange(h, dtype=np.float32)[:, None, None]
        tone = 1.0 + 0.25 * np.clip((row_y - ys) / max(th, 1.0), 0.0, 1.0)
        tree_col = np.array(rgb01(mix(dark, haze, fade)), np.float32) * tone
        paint(canvas, tree_col.astype(np.float32), cov)


def far_hills(canvas: FArray, rng: np.random.Generator, horizon: int, haze: RGB, green: RGB) -> None:
    """Low rolling hills on the far shore of a lake, standing on the horizon."""
    h, w = canvas.shape[:2]
    for i in range(2):
        ridge = horizon - (0.1 - 0.045 * i) * h + fbm1d(rng, w, 2 + i, octaves=3) * 0.035 * h
        ridge = np.minimum(ridge, horizon - 1.0)
        y0 = int(max(0, ridge.min() - 2))
        col = mix(shade(green, 0.8 + 0.2 * i), haze, 0.55 - 0.25 * i)
        paint(canvas[:horizon], col, below(ridge, horizon, y0), y0)


def shore(canvas: FArray, rng: np.random.Generator, haze: RGB, sand: RGB) -> None:
    """A beach in the foreground: a curving waterline, darker wet sand, and a line of foam."""
    h, w = canvas.shape[:2]
    slope = np.linspace(-0.05, 0.05, w, dtype=np.float32) * (1.0 if rng.random() < 0.5 else -1.0)
    ridge = h * (0.82 + slope) + fbm1d(rng, w, 3, octaves=3) * 0.025 * h
    y0 = int(max(0, ridge.min() - 4))
    fill = _layer_fill(mix(sand, haze, 0.15), shade(sand, 1.06), ridge, h, y0)
    below_line = np.arange(y0, h, dtype=np.float32)[:, None] - ridge[None, :]
    wet = 1.0 - 0.28 * np.exp(-np.maximum(below_line, 0.0) / (0.035 * h))
    grain = fbm2d(rng, h - y0, w, 40, octaves=2)
    fill = fill * (wet * (0.95 + 0.08 * grain))[..., None]
    paint(canvas, fill, below(ridge, h, y0), y0)
    foam = np.exp(-(((below_line + 1.5) / (0.004 * h + 1.0)) ** 2)) * (0.5 + 0.5 * grain)
    paint(canvas, (250, 250, 246), np.clip(foam * 0.85, 0.0, 1.0).astype(np.float32), y0)
