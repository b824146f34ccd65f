"""Graphic styles: pop art, comic book, anime, pixel art, low poly, origami, neon punk.

Each function takes float RGB (0..1) and a seeded generator and returns float RGB of the same size.
"""

from __future__ import annotations

import cv2
import numpy as np

from .style_ops import (
    FArray,
    bayer,
    bilateral,
    curve,
    equalized_luma,
    glow,
    halftone,
    ink_edges,
    kmeans_palette,
    luma,
    paper,
    quantize,
    resized,
    saturate,
    upto,
    xdog,
)

# Screen-print inks, light to dark: the Warhol/Lichtenstein look comes from a few flat, loud colours.
_POP_INKS = np.array(
    [[1.0, 0.93, 0.2], [1.0, 0.35, 0.6], [0.1, 0.75, 0.95], [0.95, 0.2, 0.2], [0.15, 0.2, 0.65]], np.float32
)


def _scale(img: FArray) -> float:
    return max(img.shape[:2]) / 1024.0


def pop_art(img: FArray, rng: np.random.Generator) -> FArray:
    """Posterised tones mapped to loud inks, Ben-Day dots in the mid-tones, bold black outlines."""
    s = _scale(img)
    smooth = bilateral(img, 2, 0.15)
    tone = luma(smooth)
    levels = np.clip((curve(tone, 1.4) * 5).astype(np.int32), 0, 4)
    inks = np.roll(_POP_INKS, int(rng.integers(0, 5)), axis=0)
    order = np.argsort(-luma(inks))  # the lightest ink for the lightest tones
    flat = inks[order][4 - levels]
    dots = halftone(np.clip(1.0 - tone, 0, 1) * 0.8, 9.0 * s, 45.0)
    mid = ((levels >= 1) & (levels <= 3)).astype(np.float32)
    out = flat * (1.0 - (dots * mid * 0.55)[..., None])
    ink = cv2.dilate(ink_edges(tone, int(15 * s) | 1, 6), np.ones((2, 2), np.uint8))
    return out * (1.0 - ink[..., None])


def comic_book(img: FArray, rng: np.random.Generator) -> FArray:
    """Flat printed colour, black ink line work, and black halftone dots in the shadows."""
    s = _scale(img)
    smooth = bilateral(img, 1, 0.14, diameter=9)
    flat = quantize(saturate(smooth, 1.3), kmeans_palette(smooth, 10, rng))
    tone = luma(smooth)
    shadow = halftone(np.clip((0.55 - tone) * 2.2, 0, 1), 7.0 * s, 15.0)
    lines = 1.0 - xdog(tone, 1.2 * s, tau=0.98, eps=-0.015, phi=70)
    ink = np.clip(np.maximum(lines, ink_edges(tone, int(11 * s) | 1, 7) * 0.8), 0, 1)
    # One 2-D factor (dots and ink together), then one pass over the colour image with the paper tint.
    factor = (1.0 - shadow * 0.75) * (1.0 - ink)
    out = flat * factor[..., None]
    out *= np.array([1.0, 0.97, 0.9], np.float32)
    out[..., 2] += 0.02
    return out


def anime(img: FArray, rng: np.random.Generator) -> FArray:
    """Cel shading: smooth flat colour regions, bright saturated palette, crisp dark edges."""
    s = _scale(img)
    smooth = bilateral(img, 2, 0.12)
    bright = saturate(curve(smooth * 1.08, 1.1), 1.35)
    cel = quantize(bright, kmeans_palette(bright, 14, rng))
    cel = cv2.medianBlur((cel * 255).astype(np.uint8), 3).astype(np.float32) / 255.0
    edges = ink_edges(luma(smooth), int(9 * s) | 1, 5)
    edges = cv2.morphologyEx(edges, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)) if s >= 1 else edges
    line = np.array([0.12, 0.08, 0.16], np.float32)
    return cel * (1.0 - edges[..., None]) + line * edges[..., None]


def pixel_art(img: FArray, rng: np.random.Generator) -> FArray:
    """Chunky pixels: downsample, a 16-colour palette with ordered dithering, nearest-neighbour up."""
    h, w = img.shape[:2]
    block = max(4, int(round(max(h, w) / 96)))
    small = cv2.resize(img, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA)
    small = saturate(curve(small, 1.15), 1.3)
    palette = kmeans_palette(small, 16, rng)
    dithered = np.clip(small + bayer(*small.shape[:2])[..., None] * 0.09, 0.0, 1.0)
    pix = quantize(dithered, palette)
    return cv2.resize(pix, (w, h), interpolation=cv2.INTER_NEAREST)


def _triangles(img: FArray, rng: np.random.Generator, count: int, edge_bias: float) -> np.ndarray:
    """Delaunay triangles over points scattered more densely where the image has detail."""
    h, w = img.shape[:2]
    mag = cv2.GaussianBlur(np.abs(cv2.Laplacian(luma(img), cv2.CV_32F, ksize=3)), (0, 0), 2)
    prob = (mag / max(float(mag.sum()), 1e-6)).ravel() * edge_bias + (1.0 - edge_bias) / (h * w)
    idx = rng.choice(h * w, count, replace=False, p=prob / prob.sum())
    pts = np.stack([idx % w, idx // w], axis=1).astype(np.float32)
    border = [(x, y) for x in np.linspace(0, w - 1, 9) for y in (0, h - 1)]
    border += [(x, y) for y in np.linspace(0, h - 1, 9) for x in (0, w - 1)]
    sub = cv2.Subdiv2D((0, 0, w, h))
    for x, y in np.vstack([pts, np.array(border, np.float32)]):
        sub.insert((float(x), float(y)))
    tri = np.asarray(sub.getTriangleList(), np.float32).reshape(-1, 3, 2)
    ok = (tri[..., 0] >= -1).all(1) & (tri[..., 0] <= w).all(1) & (tri[..., 1] >= -1).all(1) & (tri[..., 1] <= h).all(1)
    return tri[ok]


def _fill_triangles(img: FArray, tris: np.ndarray, colours: np.ndarray) -> FArray:
    out = np.zeros_like(img)
    for t, c in zip(tris.astype(np.int32), colours, strict=True):
        cv2.fillConvexPoly(out, t, tuple(float(v) for v in c), cv2.LINE_AA)
    return out


def low_poly(img: FArray, rng: np.random.Generator) -> FArray:
    """Faceted: each Delaunay triangle filled with the colour under its centre."""
    work = resized(img, 0.5)
    h, w = work.shape[:2]
    tris = _triangles(work, rng, int(900 * (h * w) / 512**2), 0.7)
    blur = cv2.GaussianBlur(work, (0, 0), 2)
    c = tris.mean(axis=1).astype(np.int32)
    colours = blur[np.clip(c[:, 1], 0, h - 1), np.clip(c[:, 0], 0, w - 1)]
    out = _fill_triangles(work, tris, saturate(colours[None], 1.15)[0])
    return np.clip(upto(out, img, cv2.INTER_LINEAR), 0, 1)


def origami(img: FArray, rng: np.random.Generator) -> FArray:
    """Folded paper: few large facets in a soft paper palette, each fold catching light differently."""
    work = resized(img, 0.5)
    h, w = work.shape[:2]
    tris = _triangles(work, rng, int(420 * (h * w) / 512**2), 0.6)
    blur = cv2.GaussianBlur(work, (0, 0), 4)
    c = tris.mean(axis=1).astype(np.int32)
    base = blur[np.clip(c[:, 1], 0, h - 1), np.clip(c[:, 0], 0, w - 1)]
    pastel = base * 0.85 + 0.12
    palette = kmeans_palette(pastel.reshape(-1, 1, 3), 8, rng, samples=min(2000, len(pastel)))
    colours = quantize(pastel[None], palette)[0]
    # Alternate lit and shaded folds by each facet's orientation.
    edge = tris[:, 1] - tris[:, 0]
    fold = np.cos(np.arctan2(edge[:, 1], edge[:, 0]) * 2.0 + float(rng.uniform(0, 6)))
    colours = np.clip(colours * (1.0 + 0.14 * fold)[:, None], 0, 1)
    out = _fill_triangles(work, tris, colours)
    creases = cv2.Canny((out * 255).astype(np.uint8), 10, 30).astype(np.float32) / 255.0
    out = out + cv2.GaussianBlur(creases, (0, 0), 0.7)[..., None] * 0.12
    out = upto(out, img, cv2.INTER_LINEAR)
    return np.clip(out * paper(img.shape[0], img.shape[1], rng, 0.5)[..., None], 0, 1)


def neon_punk(img: FArray, rng: np.random.Generator) -> FArray:
    """A dark, magenta/cyan world: glowing edge lines over a darkened, colour-shifted image."""
    h, w = img.shape[:2]
    s = _scale(img)
    dark = curve(img, 1.3)
    dark *= 0.35
    tinted = luma(dark)[..., None] * np.array([0.96, 0.32, 1.6], np.float32)
    tinted += dark * 0.4
    edges = 1.0 - xdog(equalized_luma(bilateral(img, 1, 0.12)), 1.0 * s, tau=0.97, eps=-0.01, phi=40)
    # The magenta-to-cyan sweep is smooth, so it is computed small and enlarged.
    sh, sw = max(2, h // 8), max(2, w // 8)
    t = (np.linspace(0, 1, sw, dtype=np.float32)[None, :] + np.linspace(0, 0.4, sh, dtype=np.float32)[:, None]) % 1.0
    magenta, cyan = np.array([1.0, 0.15, 0.8], np.float32), np.array([0.1, 0.9, 1.0], np.float32)
    neon = magenta + (cyan - magenta) * (0.5 + 0.5 * np.sin(t * np.pi * 2))[..., None]
    neon = cv2.resize(neon, (w, h), interpolation=cv2.INTER_LINEAR)
    neon *= (edges * 1.2)[..., None]
    tinted += neon
    return np.clip(glow(tinted, 0.35, 14 * s, 1.1), 0.0, 1.0)
