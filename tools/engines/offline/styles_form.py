"""Styles about form and surface: 3D render, modelling clay, isometric block, seamless tile.

Each takes float RGB (0..1) and a seeded generator and returns float RGB of the same size.
"""

from __future__ import annotations

import cv2
import numpy as np

from .style_ops import (
    FArray,
    bilateral,
    blur,
    curve,
    glow,
    kmeans_palette,
    luma,
    quantize,
    resized,
    saturate,
    vignette,
)


def _scale(img: FArray) -> float:
    return max(img.shape[:2]) / 1024.0


def _normals_light(height: FArray, strength: float) -> tuple[FArray, FArray]:
    """Lambert diffuse and Blinn specular terms from a height map, lit from the upper left. Shading is
    smooth, so it is worked out at half size and enlarged."""
    h, w = height.shape
    small = cv2.resize(height, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3) * (strength * 2.0)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3) * (strength * 2.0)
    inv = 1.0 / np.sqrt(gx * gx + gy * gy + 1.0)
    lx, ly, lz = -0.45, -0.55, 0.7
    diffuse = np.clip((-gx * lx - gy * ly + lz) * inv, 0.0, 1.0)
    hx, hy, hz = lx, ly, lz + 1.0
    hn = float(np.sqrt(hx * hx + hy * hy + hz * hz))
    spec = np.clip((-gx * hx - gy * hy + hz) * inv / hn, 0.0, 1.0) ** 40
    size = (w, h)
    return (
        cv2.resize(diffuse, size, interpolation=cv2.INTER_LINEAR),
        cv2.resize(spec.astype(np.float32), size, interpolation=cv2.INTER_LINEAR),
    )


def model_3d(img: FArray, rng: np.random.Generator) -> FArray:
    """A smooth CG render: plastic-like shading, specular highlights, ambient occlusion, bloom."""
    s = _scale(img)
    smooth = bilateral(img, 2, 0.14)
    height = cv2.GaussianBlur(luma(smooth), (0, 0), 3 * s)
    diffuse, spec = _normals_light(height, 4.5 / s)
    occlusion = np.clip(1.0 - (blur(height, 12 * s) - height) * 3.0, 0.55, 1.0)
    albedo = saturate(curve(smooth, 1.1), 1.2)
    out = albedo * (0.35 + 0.75 * diffuse)[..., None] * occlusion[..., None] + spec[..., None] * 0.55
    return np.clip(vignette(glow(out, 0.75, 16 * s, 0.45), 0.25), 0.0, 1.0)


def modeling_compound(img: FArray, rng: np.random.Generator) -> FArray:
    """Claymation: a few matte colours as soft lumps, rounded where they meet, with dark seams and
    a little lumpiness and fingerprint texture."""
    h, w = img.shape[:2]
    s = _scale(img)
    quarter = bilateral(resized(img, 0.25), 3, 0.2, 7, scale=1.0)
    lumps = quantize(saturate(quarter, 1.25), kmeans_palette(quarter, 8, rng))
    lumps8 = cv2.medianBlur((lumps * 255).astype(np.uint8), 5)
    # Round the lumps at half size (a wide median is costly at full size), then enlarge smoothly.
    half = cv2.medianBlur(cv2.resize(lumps8, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST), 7)
    up8 = cv2.resize(half, (w, h), interpolation=cv2.INTER_LINEAR)
    edges = cv2.Canny(up8, 8, 20)
    dist = np.minimum(cv2.distanceTransform(255 - edges, cv2.DIST_L2, 3), 1000.0)  # no edge at all: huge
    bevel = np.sqrt(np.clip(dist / (7.0 * s), 0.0, 1.0)).astype(np.float32)
    lumpy = blur(rng.random((h, w), dtype=np.float32), 10 * s) * 0.5
    prints = cv2.GaussianBlur(rng.random((h, w), dtype=np.float32), (0, 0), 1.5 * s) * 0.04
    diffuse, spec = _normals_light(bevel * 0.6 + lumpy + prints, 5.0)
    seam = 1.0 - 0.4 * (1.0 - np.clip(dist / (1.6 * s), 0.0, 1.0))
    out = up8.astype(np.float32) / 255.0 * ((0.5 + 0.62 * diffuse) * seam)[..., None] + spec[..., None] * 0.06
    return np.clip(out, 0.0, 1.0)


def isometric(img: FArray, rng: np.random.Generator) -> FArray:
    """The picture as the top of an isometric block, with shaded sides and a soft shadow."""
    h, w = img.shape[:2]
    bg_top, bg_bottom = np.array([0.93, 0.94, 0.97], np.float32), np.array([0.82, 0.85, 0.9], np.float32)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    out = np.ascontiguousarray(np.broadcast_to(bg_top + (bg_bottom - bg_top) * t, (h, w, 3)), dtype=np.float32)
    size = min(w, h)
    half_w = size * 0.42
    depth = size * 0.12
    cx, top_y = w / 2, h / 2 - size * 0.36
    top, right = (cx, top_y), (cx + half_w, top_y + half_w * 0.5774)
    left, front = (cx - half_w, top_y + half_w * 0.5774), (cx, top_y + 2 * half_w * 0.5774)
    src = np.array([[0, 0], [w, 0], [0, h]], np.float32)
    # The image's top-left corner goes to the block's left corner, its top-right to the top corner.
    dst = np.array([left, top, front], np.float32)
    face = cv2.warpAffine(img, cv2.getAffineTransform(src, dst), (w, h), flags=cv2.INTER_AREA)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, np.array([top, right, front, left], np.int32), 255, cv2.LINE_AA)
    shadow = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(
        shadow,
        np.array(
            [
                (left[0], left[1] + depth * 1.6),
                (front[0], front[1] + depth * 1.9),
                (right[0], right[1] + depth * 1.6),
                (cx, top_y + depth * 2),
            ],
            np.int32,
        ),
        255,
    )
    sh = blur(shadow.astype(np.float32) / 255.0, size * 0.03)
    out *= (1.0 - 0.35 * sh)[..., None]
    edge_l = img[:, 0, :].mean(axis=0) * 0.62  # the image's left edge runs along the left face
    edge_r = img[-1, :, :].mean(axis=0) * 0.45  # and its bottom edge along the right face
    for quad, colour in (
        ([left, front, (front[0], front[1] + depth), (left[0], left[1] + depth)], edge_l),
        ([front, right, (right[0], right[1] + depth), (front[0], front[1] + depth)], edge_r),
    ):
        cv2.fillConvexPoly(out, np.array(quad, np.int32), tuple(float(c) for c in colour), cv2.LINE_AA)
    m = (mask.astype(np.float32) / 255.0)[..., None]
    return np.clip(out * (1.0 - m) + face * m, 0.0, 1.0)


def tile_texture(img: FArray, rng: np.random.Generator) -> FArray:
    """A seamless tile (even lighting, edges cross-faded with a half-offset copy) shown 2x2."""
    h, w = img.shape[:2]
    s = _scale(img)
    tile = resized(img, 0.5)
    th, tw = tile.shape[:2]
    light = blur(tile, 40 * s)
    even = np.clip(tile / np.maximum(light, 0.05) * light.mean(axis=(0, 1)), 0, 1)
    rolled = np.roll(np.roll(even, th // 2, axis=0), tw // 2, axis=1)
    yy = np.abs(np.linspace(-1, 1, th, dtype=np.float32))[:, None]
    xx = np.abs(np.linspace(-1, 1, tw, dtype=np.float32))[None, :]
    centre = np.clip(1.0 - np.maximum(yy, xx), 0, 1) ** 0.6  # 1 in the middle, 0 at every edge
    seamless = rolled * (1.0 - centre[..., None]) + even * centre[..., None]
    seamless = saturate(curve(seamless, 1.1), 1.1)
    return cv2.resize(np.tile(seamless, (2, 2, 1)), (w, h), interpolation=cv2.INTER_AREA)
