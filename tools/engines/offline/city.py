"""City skylines: rows of buildings with lit windows, rooftop details and neon signs.

Buildings are axis-aligned blocks, so they are drawn with array slices (crisp, and fast enough for
hundreds of them). Light sources go into the emission layer so the scene's bloom makes windows and
neon glow, and the water or wet street below reflects them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .colors import RGB, mix, rgb01, shade
from .raster import FArray

NEON: tuple[RGB, ...] = ((255, 46, 196), (0, 226, 255), (160, 86, 255), (255, 70, 130), (50, 255, 190))
_WARM, _COOL = np.array(rgb01((255, 206, 140)), np.float32), np.array(rgb01((190, 220, 255)), np.float32)


@dataclass(frozen=True)
class CityStyle:
    night: bool
    neon: bool
    haze: RGB
    wall: RGB


def city(canvas: FArray, emission: FArray, rng: np.random.Generator, horizon: int, style: CityStyle) -> None:
    """Three rows of buildings standing on `horizon`: tall pale towers behind, darker blocks in front."""
    h, w = canvas.shape[:2]
    if style.night:
        _skyglow(canvas, horizon, (255, 60, 190) if style.neon else (255, 170, 90))
    tall = 0.56 if style.neon else 0.42
    for row in range(3):
        depth = row / 2  # 0 = back row
        wall = mix(style.wall, style.haze, (0.35 if style.neon else 0.55) * (1.0 - depth) + 0.05)
        lo, hi = (0.16, tall) if row == 0 else ((0.1, tall * 0.7) if row == 1 else (0.05, tall * 0.42))
        x = float(rng.uniform(-0.05, 0.0) * w)
        while x < w:
            bw = float(rng.uniform(0.035, 0.085) * w * (0.75 + 0.5 * depth))
            bh = float(rng.uniform(lo, hi) ** 1.0 * h)
            if rng.random() < 0.12:  # the odd landmark tower
                bh = min(horizon * 0.92, bh * 1.45)
            _building(canvas, emission, rng, int(x), int(bw), int(horizon - bh), horizon, wall, depth, style)
            x += bw * float(rng.uniform(0.75, 1.05))
        if row < 2:
            _haze_band(canvas, horizon, style.haze, 0.45 if style.night else 0.3)


def _skyglow(canvas: FArray, horizon: int, colour: RGB) -> None:
    """City light scattered by the air above the skyline: a glow that fades upwards from the streets."""
    h = canvas.shape[0]
    y = np.arange(horizon, dtype=np.float32)[:, None, None]
    glow = np.exp(-(horizon - y) / (0.14 * h)) * 0.32
    canvas[:horizon] += np.array(rgb01(colour), np.float32) * glow


def _haze_band(canvas: FArray, horizon: int, haze: RGB, strength: float) -> None:
    """Light haze rising from the streets between rows of buildings: it is what gives a skyline depth."""
    h = canvas.shape[0]
    top = max(0, int(horizon - 0.3 * h))
    t = np.linspace(0.0, 1.0, horizon - top, dtype=np.float32)[:, None, None] ** 2.2
    region = canvas[top:horizon]
    region += (np.array(rgb01(haze), np.float32) - region) * t * strength


def _building(
    canvas: FArray,
    emission: FArray,
    rng: np.random.Generator,
    x0: int,
    bw: int,
    top: int,
    base: int,
    wall: RGB,
    depth: float,
    style: CityStyle,
) -> None:
    h, w = canvas.shape[:2]
    x1 = min(w, x0 + bw)
    x0c = max(0, x0)
    top = max(2, top)
    if x1 - x0c < 2 or base - top < 4:
        return
    col = np.array(rgb01(shade(wall, float(rng.uniform(0.8, 1.15)))), np.float32)
    region = canvas[top:base, x0c:x1]
    region[:] = col
    side = max(1, int(bw * 0.22))  # the face turned away from the light
    if rng.random() < 0.5:
        region[:, : max(0, min(side, x0 + side - x0c))] *= 0.72
    else:
        region[:, max(0, x1 - x0c - side) :] *= 0.72
    _windows(region, emission[top:base, x0c:x1], rng, bw, depth, style)
    roof = rng.random()
    if roof < 0.3:
        _setback(canvas, emission, rng, x0, bw, top, col, depth, style)
    elif roof < 0.5:
        _spire(canvas, emission, (x0 + x1) // 2, top, max(1, bw // 14), int((base - top) * 0.18), col, style)
    if style.neon and depth > 0.2 and rng.random() < 0.55:
        _neon_sign(emission, rng, x0c, x1, top, base)


def _cells_to_pixels(cells: np.ndarray, ch: int, cw: int, bh: int, rw: int) -> np.ndarray:
    """Expand a per-window array to pixels (np.repeat is far cheaper than fancy indexing)."""
    return np.repeat(np.repeat(cells, ch, axis=0), cw, axis=1)[:bh, :rw]


def _windows(region: FArray, glow: FArray, rng: np.random.Generator, bw: int, depth: float, style: CityStyle) -> None:
    """A grid of windows. Everything is decided per window (lit or not, warm or cool) and then expanded
    to pixels, with a pane mask leaving the wall visible between windows."""
    bh, rw = region.shape[:2]
    cw = max(3, int(bw / rng.integers(5, 10)))
    ch = max(3, int(cw * rng.uniform(0.9, 1.5)))
    rows = (np.arange(bh) % ch) < max(1, ch * 0.5)
    rows[: ch // 2] = False  # a plain parapet at the top
    cols = (np.arange(rw) % cw) < max(1, cw * 0.42)
    pane = (rows[:, None] & cols[None, :]).astype(np.float32)
    cell = rng.random((bh // ch + 1, rw // cw + 1)).astype(np.float32)
    if style.night:
        share = (0.16 if style.neon else 0.3) * (0.7 + 0.6 * float(rng.random()))  # some blocks are dark
        strength = 0.3 + 0.4 * depth
        other = _COOL * 0.8 if style.neon else _WARM * 0.9
        # Per window: its light (warm, cool, or off), then expanded and masked to the panes.
        light = np.where((cell < share * 0.4)[..., None], _WARM, other) * (cell < share)[..., None] * strength
        glow += _cells_to_pixels(light.astype(np.float32), ch, cw, bh, rw) * pane[..., None]
        region += (pane * 0.03)[..., None] * _cells_to_pixels((cell >= share).astype(np.float32), ch, cw, bh, rw)[
            ..., None
        ]
    else:
        # By day windows are darker glass that catches a little sky.
        dim = _cells_to_pixels(0.28 - 0.18 * cell, ch, cw, bh, rw)
        region *= (1.0 - pane * dim)[..., None]
        region += pane[..., None] * np.array([0.02, 0.04, 0.08], np.float32)


def _setback(
    canvas: FArray,
    emission: FArray,
    rng: np.random.Generator,
    x0: int,
    bw: int,
    top: int,
    col: FArray,
    depth: float,
    style: CityStyle,
) -> None:
    """A narrower block on the roof: the stepped top of an older tower."""
    inset = int(bw * rng.uniform(0.15, 0.3))
    sh = int(bw * rng.uniform(0.3, 0.8))
    y0, xa, xb = max(0, top - sh), max(0, x0 + inset), min(canvas.shape[1], x0 + bw - inset)
    if xb - xa < 2:
        return
    canvas[y0:top, xa:xb] = col * 0.95
    _windows(canvas[y0:top, xa:xb], emission[y0:top, xa:xb], rng, xb - xa, depth, style)


def _spire(
    canvas: FArray, emission: FArray, cx: int, top: int, half: int, height: int, col: FArray, style: CityStyle
) -> None:
    """A tapering crown and mast, drawn antialiased in a small box around it."""
    h, w = canvas.shape[:2]
    mast = int(height * 1.6)
    x0, x1 = max(0, cx - half * 3 - 2), min(w, cx + half * 3 + 3)
    y0, y1 = max(0, top - mast - 2), min(h, top + 1)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.array(
        [
            [cx - half * 3, top],
            [cx + half * 3, top],
            [cx + max(1, half // 2), top - height],
            [cx - max(1, half // 2), top - height],
        ],
        np.int32,
    ) - np.array([x0, y0], np.int32)
    cv2.fillConvexPoly(mask, pts, 255, cv2.LINE_AA)
    cv2.line(
        mask,
        (cx - x0, top - height - y0),
        (cx - x0, max(0, top - mast) - y0),
        255,
        max(1, half // 2),
        cv2.LINE_AA,
    )
    a = (mask.astype(np.float32) / 255.0)[..., None]
    region = canvas[y0:y1, x0:x1]
    region += (col - region) * a
    if style.night:
        tip = (cx, max(1, top - mast))
        cv2.circle(emission, tip, max(2, half), (1.0, 0.15, 0.12), -1, cv2.LINE_AA)


def _neon_sign(emission: FArray, rng: np.random.Generator, x0: int, x1: int, top: int, base: int) -> None:
    """A glowing sign: a vertical blade of "letters", a rooftop rim, or outlined edges."""
    colour = np.array(rgb01(NEON[int(rng.integers(0, len(NEON)))]), np.float32)
    bw, bh = x1 - x0, base - top
    kind = rng.random()
    thick = max(2, bw // 18)
    if kind < 0.45 and bh > 40:
        sw = max(4, bw // 5)
        sx = x0 + int(rng.uniform(0.05, 0.7) * max(1, bw - sw))
        sy0 = top + int(bh * rng.uniform(0.08, 0.3))
        sy1 = min(base - 2, sy0 + int(bh * rng.uniform(0.2, 0.45)))
        blade = emission[sy0:sy1, sx : sx + sw]
        blade += colour * 0.35
        letters = (np.arange(sy1 - sy0) % max(6, sw) < max(4, sw * 0.7)).astype(np.float32)
        inner = blade[:, thick : sw - thick]  # the sign's face, inside its bright frame
        inner += letters[:, None, None] * colour * 0.9
    elif kind < 0.75:
        y = top + int(rng.uniform(0.0, 0.1) * bh)
        emission[y : y + thick, x0:x1] += colour * 1.4
    else:
        emission[top:base, x0 : x0 + thick] += colour * 1.1
        emission[top:base, max(x0, x1 - thick) : x1] += colour * 1.1
