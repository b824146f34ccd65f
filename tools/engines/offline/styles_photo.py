"""Photographic looks: cinematic, analog film, photographic, enhance, digital art.

These keep the picture's content and change its grade, tone and texture. Each takes float RGB
(0..1) and a seeded generator and returns float RGB of the same size.
"""

from __future__ import annotations

import cv2
import numpy as np

from .style_ops import (
    FArray,
    bilateral,
    curve,
    glow,
    grain,
    kuwahara,
    luma,
    resized,
    saturate,
    unsharp,
    upto,
    vignette,
)


def _scale(img: FArray) -> float:
    return max(img.shape[:2]) / 1024.0


def _levels(img: FArray, lo_pct: float = 0.5, hi_pct: float = 99.5) -> FArray:
    """Stretch so the darkest and brightest fraction of pixels reach black and white."""
    lum = luma(resized(img, 0.25))
    lo, hi = np.percentile(lum, [lo_pct, hi_pct])
    return np.clip((img - lo) / max(hi - lo, 0.05), 0.0, 1.0)


def cinematic(img: FArray, rng: np.random.Generator) -> FArray:
    """Teal shadows, orange highlights, a filmic curve, vignette and 2.39:1 letterbox bars."""
    h, w = img.shape[:2]
    base = curve(_levels(img), 1.35)
    lum = luma(base)[..., None]
    teal, orange = np.array([0.0, 0.32, 0.38], np.float32), np.array([1.0, 0.62, 0.32], np.float32)
    split = teal * (1.0 - lum) + orange * lum
    graded = saturate(base, 0.85) * 0.78 + split * lum * 0.3 + split * (1.0 - lum) * 0.1
    graded = vignette(graded, 0.55)
    bar = max(0, int((h - w / 2.39) / 2))
    if bar:
        graded[:bar] = 0.0
        graded[h - bar :] = 0.0
    return np.clip(graded, 0.0, 1.0)


def analog_film(img: FArray, rng: np.random.Generator) -> FArray:
    """Faded blacks, warm cast, halation round the highlights, grain, and a light leak."""
    h, w = img.shape[:2]
    s = _scale(img)
    faded = 0.07 + curve(img, 0.95) * 0.88
    warm = faded * np.array([1.06, 1.0, 0.86], np.float32) + np.array([0.02, 0.01, 0.0], np.float32)
    warm = saturate(warm, 0.85)
    bright = np.clip(luma(img) - 0.7, 0, 1)[..., None] * np.array([1.0, 0.3, 0.15], np.float32)
    halation = upto(cv2.GaussianBlur(resized(bright, 0.25), (0, 0), 4 * s), img)
    out = warm + halation * 0.6
    corner = float(rng.uniform(0, 1))
    yy, xx = np.ogrid[:h, :w]
    leak_x = (xx / w) if corner < 0.5 else (1.0 - xx / w)
    leak = np.exp(-(((leak_x - 0.0) / 0.22) ** 2)) * np.exp(-(((yy / h - rng.uniform(0.2, 0.8)) / 0.5) ** 2))
    out = out + leak[..., None].astype(np.float32) * np.array([0.45, 0.16, 0.02], np.float32)
    out = cv2.GaussianBlur(out, (0, 0), 0.6 * s)
    out = grain(out, rng, 0.035, 0.9 * s)
    return np.clip(vignette(out, 0.35), 0.0, 1.0)


def photographic(img: FArray, rng: np.random.Generator) -> FArray:
    """A natural, well-exposed photo: neutral white balance, gentle curve, crisp detail."""
    means = resized(img, 0.25).reshape(-1, 3).mean(axis=0)
    balance = (means.mean() / np.maximum(means, 1e-3)) ** 0.5  # half-way to grey-world neutral
    out = np.clip(img * balance.astype(np.float32), 0, 1)
    out = curve(_levels(out, 0.3, 99.7), 1.15)
    out = unsharp(out, 1.2 * _scale(img), 0.5)
    out = saturate(out, 1.06)
    return np.clip(vignette(out, 0.18), 0.0, 1.0)


def enhance(img: FArray, rng: np.random.Generator) -> FArray:
    """Punchy clarity: local contrast (CLAHE on lightness), richer colour, strong sharpening."""
    lab = cv2.cvtColor(np.clip(img, 0, 1), cv2.COLOR_RGB2LAB)
    l8 = np.clip(lab[..., 0] * 2.55, 0, 255).astype(np.uint8)
    clahe = cv2.createCLAHE(clipLimit=2.2, tileGridSize=(8, 8))
    lab[..., 0] = clahe.apply(l8).astype(np.float32) / 2.55
    out = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    out = saturate(_levels(out), 1.3)
    return np.clip(unsharp(out, 1.5 * _scale(img), 0.9), 0.0, 1.0)


def digital_art(img: FArray, rng: np.random.Generator) -> FArray:
    """Painted-over digital illustration: smooth forms, vivid cool/warm colour, glow, crisp edges."""
    s = _scale(img)
    half = resized(img, 0.5)
    smooth = kuwahara(bilateral(half, 1, 0.1, scale=1.0), max(2, int(3 * s)))
    smooth = upto(smooth, img, cv2.INTER_CUBIC)
    vivid = saturate(curve(smooth, 1.3), 1.5)
    lum = luma(vivid)[..., None]
    shadows, lights = np.array([0.25, 0.15, 0.55], np.float32), np.array([1.0, 0.85, 0.6], np.float32)
    graded = vivid * 0.8 + (shadows * (1.0 - lum) + lights * lum) * 0.2
    graded = unsharp(graded, 2.0 * s, 0.8)
    return np.clip(glow(graded, 0.65, 20 * s, 0.6), 0.0, 1.0)
