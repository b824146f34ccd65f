"""Fine-art styles: oil, watercolour, impressionism, pencil sketch, line art and fantasy art.

Each function takes float RGB (0..1) and a seeded generator and returns float RGB of the same size.
"""

from __future__ import annotations

import cv2
import numpy as np

from .style_ops import (
    FArray,
    bilateral,
    blur,
    curve,
    directional_texture,
    equalized_luma,
    glow,
    kmeans_palette,
    kuwahara,
    luma,
    paper,
    quantize,
    relief,
    resized,
    saturate,
    upto,
    vignette,
    xdog,
)


def _scale(img: FArray) -> float:
    return max(img.shape[:2]) / 1024.0


def oil_painting(img: FArray, rng: np.random.Generator) -> FArray:
    """Kuwahara patches (paint), saturated colour, and bristle texture embossed as impasto."""
    s = _scale(img)
    half = resized(img, 0.5)
    painted = kuwahara(kuwahara(half, max(2, int(4 * s))), max(2, int(3 * s)))
    painted = saturate(curve(painted, 1.15), 1.25)
    tex = directional_texture(luma(painted), rng, max(7, int(13 * s)))
    height = cv2.GaussianBlur(tex, (0, 0), 0.8) * 0.6 + luma(painted) * 0.4
    shade = relief(height, 2.2)
    out = upto(painted * shade[..., None], img, cv2.INTER_CUBIC)
    return np.clip(out, 0.0, 1.0)


def watercolor(img: FArray, rng: np.random.Generator) -> FArray:
    """Soft washes of flat colour, pigment pooling at edges, bleeding, and paper showing through."""
    h, w = img.shape[:2]
    s = _scale(img)
    small = saturate(bilateral(resized(img, 0.5), 2, 0.12, scale=1.0), 1.25)
    flat = quantize(small, kmeans_palette(small, 14, rng))
    wash = cv2.GaussianBlur(flat * 0.6 + small * 0.4, (0, 0), 1.2)
    # Bleeding: push the washes around with smooth noise so edges wander like wet paint.
    sh, sw = wash.shape[:2]
    nx = cv2.GaussianBlur(rng.random((sh, sw), dtype=np.float32), (0, 0), 6) - 0.5
    ny = cv2.GaussianBlur(rng.random((sh, sw), dtype=np.float32), (0, 0), 6) - 0.5
    gx, gy = np.meshgrid(np.arange(sw, dtype=np.float32), np.arange(sh, dtype=np.float32))
    wash = cv2.remap(wash, gx + nx * 40 * s, gy + ny * 40 * s, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # Pigment pools at the rim of each wash: darken where the colour changes.
    edge = np.abs(cv2.Laplacian(luma(wash), cv2.CV_32F, ksize=3))
    edge = cv2.GaussianBlur(edge, (0, 0), 1.0)
    wash = wash * (1.0 - np.clip(edge * 5.0, 0.0, 0.45))[..., None]
    # Watercolour is transparent, lighter than the photo; pigment granulates more where it is dark.
    # All the texture is one 2-D factor, so the full-size colour image is touched only twice.
    darkness = upto(1.0 - luma(wash) * 0.82 - 0.18, img)
    grain = cv2.GaussianBlur(rng.random((h, w), dtype=np.float32), (0, 0), 1.2 * s) - 0.5
    texture = (1.0 + grain * 0.35 * darkness) * paper(h, w, rng, 0.6)
    out = upto(wash * 0.82 + 0.18, img, cv2.INTER_CUBIC)
    out *= texture[..., None]
    out *= np.array([1.0, 0.995, 0.975], np.float32)
    return np.clip(out, 0.0, 1.0, out=out)


def impressionism(img: FArray, rng: np.random.Generator) -> FArray:
    """Short, broken, directional strokes of saturated colour over a soft underpainting."""
    s = _scale(img)
    work = resized(img, 0.5)
    h, w = work.shape[:2]
    vivid = saturate(curve(cv2.GaussianBlur(work, (0, 0), 1.0), 1.1), 1.45)
    canvas = blur(vivid, 6 * s) * 0.9 + 0.06
    gray = luma(vivid)
    gx = cv2.Sobel(cv2.GaussianBlur(gray, (0, 0), 3), cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(cv2.GaussianBlur(gray, (0, 0), 3), cv2.CV_32F, 0, 1)
    step = max(3, int(4 * s))
    ys, xs = np.mgrid[step // 2 : h : step, step // 2 : w : step]
    ys = np.clip(ys + rng.integers(-step // 2, step // 2 + 1, ys.shape), 0, h - 1).ravel()
    xs = np.clip(xs + rng.integers(-step // 2, step // 2 + 1, xs.shape), 0, w - 1).ravel()
    ang = np.arctan2(gy[ys, xs], gx[ys, xs]) + np.pi / 2 + rng.normal(0, 0.35, ys.shape)
    length = rng.uniform(3.0, 7.0, ys.shape) * s * 1.6
    colours = vivid[ys, xs] * rng.uniform(0.9, 1.12, (ys.shape[0], 1)).astype(np.float32)
    # Strokes are grouped by colour so each group is one polylines call: tens of calls, not thousands.
    palette = kmeans_palette(colours.reshape(-1, 1, 3), 40, rng, samples=3000, iters=6)
    label = ((colours[:, None, :] - palette[None]) ** 2).sum(axis=2).argmin(axis=1)
    order = rng.permutation(ys.shape[0])
    p0 = np.stack([xs - np.cos(ang) * length, ys - np.sin(ang) * length], axis=1)
    p1 = np.stack([xs + np.cos(ang) * length, ys + np.sin(ang) * length], axis=1)
    thick = max(2, int(2.5 * s))
    for chunk in np.array_split(order, 3):  # three passes interleave the colours
        for j in range(palette.shape[0]):
            sel = chunk[label[chunk] == j]
            if sel.size:
                lines = np.stack([p0[sel], p1[sel]], axis=1).astype(np.int32)
                cv2.polylines(canvas, list(lines), False, tuple(float(c) for c in palette[j]), thick, cv2.LINE_AA)
    return np.clip(upto(canvas, img, cv2.INTER_CUBIC), 0.0, 1.0)


def pencil_sketch(img: FArray, rng: np.random.Generator) -> FArray:
    """Graphite: a colour-dodge sketch of the tones, plus hatching whose density follows darkness."""
    h, w = img.shape[:2]
    s = _scale(img)
    gray = luma(img)
    inverse = blur(1.0 - gray, 6 * s)
    dodge = np.clip(gray / np.maximum(1.0 - inverse, 1e-3), 0.0, 1.0)
    dodge = curve(dodge, 1.6, 0.7)
    tone = 1.0 - cv2.GaussianBlur(gray, (0, 0), 2 * s)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    jitter = cv2.GaussianBlur(rng.random((h, w), dtype=np.float32), (0, 0), 4) * 6
    period = 6.0 * s
    hatch1 = (np.sin((xx + yy + jitter) * np.pi / period) > 0.55).astype(np.float32)
    hatch2 = (np.sin((xx - yy + jitter) * np.pi / period) > 0.6).astype(np.float32)
    hatch = hatch1 * np.clip((tone - 0.4) * 3, 0, 1) + hatch2 * np.clip((tone - 0.6) * 3, 0, 1)
    hatch = cv2.GaussianBlur(hatch, (0, 0), 0.6)
    out = dodge * (1.0 - hatch * 0.35) * paper(h, w, rng, 0.4)
    out = np.clip(out, 0.0, 1.0)
    return np.repeat(out[..., None], 3, axis=2)


def line_art(img: FArray, rng: np.random.Generator) -> FArray:
    """Clean black contour lines on white: extended difference of Gaussians, no shading."""
    s = _scale(img)
    gray = equalized_luma(bilateral(img, 1, 0.1))
    lines = xdog(gray, 1.1 * s, tau=0.98, eps=-0.005, phi=120.0)
    lines = cv2.GaussianBlur(lines, (0, 0), 0.5)
    return np.repeat(np.clip(lines, 0.0, 1.0)[..., None], 3, axis=2) * np.array([0.99, 0.99, 0.98], np.float32)


def fantasy_art(img: FArray, rng: np.random.Generator) -> FArray:
    """Dreamlike: an Orton glow, a violet-to-gold grade, and sparkles in the light."""
    h, w = img.shape[:2]
    s = _scale(img)
    base = saturate(curve(img, 1.2), 1.35)
    soft = blur(np.clip(base * 1.25, 0, 1), 10 * s)
    orton = 1.0 - (1.0 - base) * (1.0 - soft * 0.55)  # screen blend of a bright blur
    lum = luma(orton)[..., None]
    violet, gold = np.array([0.42, 0.22, 0.62], np.float32), np.array([1.0, 0.8, 0.45], np.float32)
    grade = violet + (gold - violet) * lum
    out = orton * 0.72 + grade * lum * 0.38
    sparkle = np.zeros((h, w), np.float32)
    n = int(260 * (w * h) / 1024**2)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    keep = luma(img)[ys, xs] > 0.45
    sparkle[ys[keep], xs[keep]] = rng.uniform(2.0, 8.0, int(keep.sum()))
    sparkle = cv2.GaussianBlur(sparkle, (0, 0), 1.2 * s)
    out = glow(out + sparkle[..., None] * np.array([1.0, 0.92, 0.7], np.float32), 0.7, 24 * s, 0.5)
    return np.clip(vignette(out, 0.45), 0.0, 1.0)
