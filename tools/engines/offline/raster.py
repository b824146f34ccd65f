"""NumPy/OpenCV building blocks for the procedural painters: gradients, noise, coverage, glow.

Images here are float32 arrays in 0..1, shape (h, w, 3) unless said otherwise. Everything random
takes a `numpy.random.Generator` so a seed reproduces a picture exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .colors import RGB, rgb01

FArray = np.ndarray


def vertical_gradient(h: int, w: int, stops: Sequence[tuple[float, RGB]]) -> FArray:
    """A (h, w, 3) image whose colour runs through `stops` (position 0 = top, 1 = bottom)."""
    pos = np.array([p for p, _ in stops], dtype=np.float32)
    cols = np.array([rgb01(c) for _, c in stops], dtype=np.float32)
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)
    # Smoothstep between stops reads as a natural sky; plain linear shows visible "kinks".
    idx = np.clip(np.searchsorted(pos, y, side="right") - 1, 0, len(pos) - 2)
    span = np.maximum(pos[idx + 1] - pos[idx], 1e-6)
    t = np.clip((y - pos[idx]) / span, 0.0, 1.0)
    t = t * t * (3.0 - 2.0 * t)
    rows = cols[idx] + (cols[idx + 1] - cols[idx]) * t[:, None]
    return np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (h, w, 3)), dtype=np.float32)


def fbm1d(rng: np.random.Generator, n: int, base_cells: int, octaves: int = 5, gain: float = 0.5) -> FArray:
    """Fractal 1-D noise in about -1..1: ridgelines, tree lines, dunes."""
    x = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out = np.zeros(n, dtype=np.float32)
    amp, total, cells = 1.0, 0.0, base_cells
    for _ in range(octaves):
        knots = rng.uniform(-1.0, 1.0, cells + 1).astype(np.float32)
        kx = np.linspace(0.0, 1.0, cells + 1, dtype=np.float32)
        # Cosine interpolation between knots avoids the polygonal look of np.interp alone.
        f = np.clip(np.searchsorted(kx, x, side="right") - 1, 0, cells - 1)
        t = (x - kx[f]) * cells
        t = (1.0 - np.cos(t * np.pi)) * 0.5
        out += amp * (knots[f] * (1.0 - t) + knots[f + 1] * t)
        total += amp
        amp *= gain
        cells *= 2
    return out / total


def fbm2d(rng: np.random.Generator, h: int, w: int, cells: int, octaves: int = 4, gain: float = 0.5) -> FArray:
    """Fractal 2-D value noise in 0..1. Each octave is a random grid enlarged 4x and blurred (which
    hides the grid's square artefacts); octaves are summed at the finest octave's size and enlarged
    to (h, w) once."""
    aspect = w / max(h, 1)
    grids = []
    for i in range(octaves):
        ch = max(2, int(cells * (2**i)))
        cw = max(2, int(ch * aspect))
        if ch > h // 2 or cw > w // 2:
            break
        grids.append((ch, cw))
    if not grids:
        grids = [(2, 2)]
    work_h, work_w = min(h, grids[-1][0] * 4), min(w, grids[-1][1] * 4)
    out = np.zeros((work_h, work_w), dtype=np.float32)
    amp, total = 1.0, 0.0
    for ch, cw in grids:
        grid = rng.random((ch, cw), dtype=np.float32)
        mid = cv2.GaussianBlur(cv2.resize(grid, (cw * 4, ch * 4), interpolation=cv2.INTER_LINEAR), (0, 0), 1.6)
        out += amp * (mid if mid.shape == out.shape else cv2.resize(mid, (work_w, work_h)))
        total += amp
        amp *= gain
    out /= total
    if out.shape != (h, w):
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    # Blurring pulls values towards 0.5; stretch back so thresholds behave like plain noise.
    return np.clip((out - 0.5) * 2.2 + 0.5, 0.0, 1.0)


def below(ridge: FArray, h: int, y0: int = 0) -> FArray:
    """Antialiased coverage (h - y0, w) of the region below a per-column height `ridge` (pixels)."""
    y = np.arange(y0, h, dtype=np.float32)[:, None] + 0.5
    return np.clip(y - ridge[None, :] + 0.5, 0.0, 1.0)


def paint(canvas: FArray, color: FArray | RGB, alpha: FArray, y0: int = 0) -> None:
    """Alpha-blend `color` (an RGB tuple, or an image broadcastable to the region) into rows y0.. of
    canvas. Only the rows the alpha actually touches are processed: layers are mostly bands."""
    rows = np.flatnonzero(alpha.max(axis=1) > 0.0)
    if rows.size == 0:
        return
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    region = canvas[y0 + r0 : y0 + r1]
    if isinstance(color, tuple):
        col: FArray = np.array(rgb01(color), dtype=np.float32)
    else:
        col = color[r0:r1] if color.shape[0] == alpha.shape[0] else color
    diff = col - region
    diff *= alpha[r0:r1, :, None]
    region += diff


def smoothstep(e0: float, e1: float, x: FArray) -> FArray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def bloom(canvas: FArray, emission: FArray, sigmas: Sequence[float], strength: float) -> None:
    """Add the light of emissive things (neon, windows, sun) as layered soft glows. The glows are
    summed at half and eighth resolution and enlarged once: wide blurs carry no fine detail."""
    h, w = canvas.shape[:2]
    half = cv2.resize(emission, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    small_sigmas = [s for s in sigmas if s < 8]
    wide_sigmas = [s for s in sigmas if s >= 8]
    glow = np.zeros_like(half)
    for s in small_sigmas:
        glow += cv2.GaussianBlur(half, (0, 0), s / 2)
    if wide_sigmas:
        eighth = cv2.resize(half, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
        wide = sum(cv2.GaussianBlur(eighth, (0, 0), s / 8) for s in wide_sigmas)
        glow += cv2.resize(wide, (half.shape[1], half.shape[0]), interpolation=cv2.INTER_LINEAR)
    glow *= strength / len(sigmas)
    canvas += emission
    canvas += cv2.resize(glow, (w, h), interpolation=cv2.INTER_LINEAR)


def radial(h: int, w: int, cx: float, cy: float, radius: float) -> FArray:
    """Distance from (cx, cy) divided by radius, shape (h, w)."""
    yy, xx = np.ogrid[:h, :w]
    return np.sqrt(((xx - cx) / radius) ** 2 + ((yy - cy) / radius) ** 2).astype(np.float32)


def vignette(canvas: FArray, amount: float) -> None:
    """Darken the corners a little; computed at 1/8 size since it is perfectly smooth."""
    h, w = canvas.shape[:2]
    sh, sw = max(2, h // 8), max(2, w // 8)
    d = radial(sh, sw, sw / 2, sh / 2, 0.75 * float(np.hypot(sw, sh)) / 2)
    shade = cv2.resize(
        (1.0 - amount * smoothstep(0.55, 1.25, d)).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR
    )
    canvas *= shade[..., None]


def _tonemap_lut() -> np.ndarray:
    """uint8 output for linear inputs 0..4 in 1/256 steps: identity to a knee, then a soft shoulder so
    stacked glows saturate gracefully instead of flat-clipping to white."""
    x = np.arange(1024, dtype=np.float64) / 256.0
    knee = 0.8
    over = np.maximum(x - knee, 0.0)
    y = np.minimum(x, knee) + (1.0 - knee) * (1.0 - np.exp(-over / (1.0 - knee)))
    return (np.clip(y, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


_TONEMAP = _tonemap_lut()


def tonemap_u8(canvas: FArray) -> np.ndarray:
    """Tone-map and quantise in one table lookup (one pass instead of several full-size float ops)."""
    q = np.clip(canvas * 256.0, 0, 1023).astype(np.int16)
    return _TONEMAP[q]
