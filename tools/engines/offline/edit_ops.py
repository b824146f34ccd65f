"""Whole-image edits on uint8 RGBA pixels. Colour edits leave alpha alone; geometric edits move it
with the picture (rotated corners become transparent)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import weather
from .edit_parse import EditOp
from .placing import add_subject
from .stages import Stages
from .style_ops import blur, curve, f32, luma, saturate, u8, unsharp, vignette
from .styles import apply_style
from .text import draw_text, fit_size, wrap

MAX_SIDE = 4096


def apply_ops(rgba: np.ndarray, ops: list[EditOp], rng: np.random.Generator, strength: float,
              scene: dict[str, Any] | None = None, stages: Stages | None = None) -> np.ndarray:
    """`scene` is what the painter recorded about a picture it made (horizon, where each subject went), so
    "put a hat on the snowman" finds the snowman. `stages` sees the picture after each change but the last."""
    if stages is not None:
        stages.plan(max(0, len(ops) - 1))
    for i, op in enumerate(ops):
        if i and stages is not None:
            stages(rgba)
        if op.kind == "subject":
            rgba = add_subject(rgba, op, rng, scene or {})
        elif op.kind in _GEOMETRY:
            rgba = _GEOMETRY[op.kind](rgba, op)
        elif op.kind == "text":
            rgba = _text(rgba, op)
        elif op.kind == "style":
            rgb = apply_style(np.ascontiguousarray(rgba[..., :3]), op.text, strength, rng)
            rgba = np.dstack([rgb, rgba[..., 3]])
        else:
            rgb = _COLOUR[op.kind](f32(rgba[..., :3]), op, rng)
            rgba = np.dstack([u8(rgb), rgba[..., 3]])
    return rgba


# ------------------------------------------------------------------------------------ colour edits


def _snow(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    weather.snow(img, rng, 0.6 + 0.5 * op.amount, settle=True)
    return img


def _rain(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    weather.rain(img, rng, min(1.5, 0.6 + 0.4 * op.amount))
    return img


def _fog(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    weather.fog(img, rng, img.shape[0] * 0.55, 0.45 * op.amount, (214, 218, 224))
    return img


def _night(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    """Day for night: darker, bluer, less saturated; stars where there was bright, flat sky."""
    h, w = img.shape[:2]
    lum = luma(img)
    flat = cv2.Laplacian(blur(lum, 1.5), cv2.CV_32F, ksize=3) ** 2 < 4e-4
    sky = (lum > 0.45) & flat & (np.arange(h)[:, None] < h * 0.6)
    sky_soft = blur(sky.astype(np.float32), max(4.0, w * 0.03)) * 0.85  # soft, so no halo shows
    out = saturate(img, 0.55) ** 1.6 * (0.42 / min(1.7, op.amount))
    out = out * np.array([0.62, 0.78, 1.2], np.float32)
    navy = np.array([0.03, 0.05, 0.14], np.float32)
    out = out * (1.0 - sky_soft[..., None]) + navy * sky_soft[..., None]
    stars = np.zeros((h, w), np.float32)
    n = int(w * h / 1500)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    stars[ys, xs] = (rng.random(n, dtype=np.float32) ** 4) * 3.0
    stars = cv2.GaussianBlur(stars, (0, 0), 0.7) * sky_soft
    return vignette(out + stars[..., None], 0.3)


def _brightness(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    if op.amount < 0:
        return img * (1.0 - 0.3 * min(1.0, -op.amount * 0.8) - 0.05) ** 1.2
    gamma = 1.0 / (1.0 + 0.45 * op.amount)
    return np.clip(img, 0, 1) ** gamma * (1.0 + 0.06 * op.amount)


def _contrast(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    mid = float(luma(img).mean())
    factor = 1.0 + 0.45 * op.amount if op.amount > 0 else 1.0 / (1.0 - 0.45 * op.amount)
    return (img - mid) * factor + mid


def _saturation(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    return saturate(img, 1.0 + 0.45 * op.amount if op.amount > 0 else 1.0 / (1.0 - 0.6 * op.amount))


def _warmth(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    k = 0.08 * op.amount
    return img * np.array([1.0 + k, 1.0 + k * 0.2, 1.0 - k], np.float32)


def _variation(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    """A variation, as OpenAI's variations endpoint asks: the same picture, reframed a little (a 2-6 % zoom
    at a seeded offset), its hues turned a few degrees and its warmth, saturation and light nudged. Every
    amount comes from the seed, so each variant differs and the same seed repeats it."""
    h, w = img.shape[:2]
    zoom = 1.0 - rng.uniform(0.02, 0.06) * op.amount
    cw, ch = max(1, int(w * zoom)), max(1, int(h * zoom))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    out = cv2.resize(img[y0 : y0 + ch, x0 : x0 + cw], (w, h), interpolation=cv2.INTER_LINEAR)
    hsv = cv2.cvtColor(np.clip(out, 0.0, 1.0), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-12.0, 12.0) * op.amount) % 360.0
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    out = saturate(out, 1.0 + rng.uniform(-0.15, 0.2) * op.amount)
    k = rng.uniform(-0.06, 0.06) * op.amount
    out *= np.array([1.0 + k, 1.0 + k * 0.2, 1.0 - k], np.float32) * (1.0 + rng.uniform(-0.06, 0.06) * op.amount)
    return out


def _grayscale(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    return np.repeat(luma(img)[..., None], 3, axis=2)


def _sepia(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    lum = curve(luma(img), 1.1)[..., None]
    toned = lum * np.array([1.07, 0.9, 0.68], np.float32) + np.array([0.05, 0.03, 0.0], np.float32)
    return vignette(toned, 0.3)


def _blur(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    return blur(img, max(img.shape[:2]) / 1024.0 * 4.0 * op.amount)


def _sharpen(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    return unsharp(img, 1.4 * max(1.0, max(img.shape[:2]) / 1024.0), 0.8 * op.amount)


def _invert(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    return 1.0 - img


def _vignette(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    return vignette(img, min(0.9, 0.5 * op.amount))


def _rainbow(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    """A translucent arc of spectral bands, fading towards the ground, added as light."""
    h, w = img.shape[:2]
    cx, cy = w * float(rng.uniform(0.4, 0.6)), h * 0.95
    radius, band = w * 0.62, w * 0.085
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) - (radius - band)) / band  # 0 inner (violet) .. 1 outer (red)
    hue = np.clip(t, 0, 1) * 0.78
    spectrum = np.stack(
        [
            np.clip(np.abs(hue * 6 - 3) - 1, 0, 1),
            np.clip(2 - np.abs(hue * 6 - 2), 0, 1),
            np.clip(2 - np.abs(hue * 6 - 4), 0, 1),
        ],
        axis=-1,
    )[..., ::-1]
    inside = np.clip(np.minimum(t, 1 - t) * 6, 0, 1)
    fade = np.clip((cy - yy) / (h * 0.55), 0, 1) ** 0.7
    alpha = cv2.GaussianBlur(inside * fade, (0, 0), max(1.0, w / 400)) * 0.45 * min(1.5, op.amount)
    return img + spectrum * alpha[..., None] * (1.1 - img)


def _sunset(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    h = img.shape[0]
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    tint = np.array([1.0, 0.55, 0.3], np.float32) * (1 - t) + np.array([0.5, 0.3, 0.45], np.float32) * t
    warm = img * np.array([1.12, 0.95, 0.78], np.float32)
    return warm * 0.75 + (1.0 - (1.0 - warm) * (1.0 - tint * 0.6)) * 0.25 * min(1.5, op.amount)


def _autumn(img: np.ndarray, op: EditOp, rng: np.random.Generator) -> np.ndarray:
    """Greens turn to oranges and reds: hue rotation limited to foliage hues."""
    hsv = cv2.cvtColor(np.clip(img, 0, 1), cv2.COLOR_RGB2HSV)
    hue = hsv[..., 0]
    green = np.clip(1.0 - np.abs(hue - 100.0) / 50.0, 0.0, 1.0) * np.clip(hsv[..., 1] * 4, 0, 1)
    hsv[..., 0] = hue + (28.0 - hue) * green * min(1.0, 0.8 * op.amount)
    hsv[..., 1] = np.clip(hsv[..., 1] * (1.0 + 0.3 * green), 0, 1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


_COLOUR = {
    "snow": _snow,
    "rain": _rain,
    "fog": _fog,
    "night": _night,
    "brightness": _brightness,
    "contrast": _contrast,
    "saturation": _saturation,
    "warmth": _warmth,
    "grayscale": _grayscale,
    "sepia": _sepia,
    "blur": _blur,
    "sharpen": _sharpen,
    "invert": _invert,
    "vignette": _vignette,
    "rainbow": _rainbow,
    "sunset": _sunset,
    "autumn": _autumn,
    "variation": _variation,
}


# ---------------------------------------------------------------------------------- geometric edits


def _crop(rgba: np.ndarray, op: EditOp) -> np.ndarray:
    h, w = rgba.shape[:2]
    if op.size is None:  # trim the edges
        ch, cw = int(h * op.amount), int(w * op.amount)
    else:
        rw, rh = op.size
        cw, ch = (w, int(w * rh / rw)) if w * rh / rw <= h else (int(h * rw / rh), h)
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return rgba[y0 : y0 + ch, x0 : x0 + cw].copy()


def _rotate(rgba: np.ndarray, op: EditOp) -> np.ndarray:
    angle = op.amount % 360
    if angle in (90.0, 180.0, 270.0):
        return np.ascontiguousarray(np.rot90(rgba, k=-int(angle // 90)))  # exact, no resampling
    h, w = rgba.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(
        rgba, m, (nw, nh), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0)
    )


def _flip(rgba: np.ndarray, op: EditOp) -> np.ndarray:
    return np.ascontiguousarray(rgba[::-1] if op.where == "vertical" else rgba[:, ::-1])


def _resize(rgba: np.ndarray, op: EditOp) -> np.ndarray:
    h, w = rgba.shape[:2]
    nw, nh = op.size if op.size else (round(w * op.amount), round(h * op.amount))
    scale = min(1.0, MAX_SIDE / max(nw, nh))
    nw, nh = max(1, int(nw * scale)), max(1, int(nh * scale))
    interp = cv2.INTER_AREA if nw * nh < w * h else cv2.INTER_CUBIC
    return cv2.resize(rgba, (nw, nh), interpolation=interp)


_GEOMETRY = {"crop": _crop, "rotate": _rotate, "flip": _flip, "resize": _resize}


def _text(rgba: np.ndarray, op: EditOp) -> np.ndarray:
    """A caption in white with a dark outline (readable on any photo), wrapped to fit."""
    h, w = rgba.shape[:2]
    img = Image.fromarray(rgba, "RGBA")
    d = ImageDraw.Draw(img)
    size = fit_size(op.text, w * 0.9, max(12, int(min(w, h) * 0.09)), min_size=max(10, int(min(w, h) * 0.05)))
    lines = wrap(op.text, size, w * 0.9)
    line_h = size * 1.2
    block = line_h * len(lines)
    top = {"top": h * 0.06, "center": (h - block) / 2}.get(op.where, h - block - h * 0.06)
    stroke = max(2, size // 12)
    for i, line in enumerate(lines):
        draw_text(
            d,
            (w / 2, top + line_h * (i + 0.5)),
            line,
            size,
            (255, 255, 255, 255),
            stroke=(stroke, (20, 20, 24, 255)),
        )
    return np.asarray(img).copy()
