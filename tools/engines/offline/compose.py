"""Combining several images: side by side (the default), stacked, a grid, a blend, or picture in picture.

All inputs are uint8 RGBA; the output is uint8 RGBA. The first image sets the scale.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

MAX_SIDE = 4096


def choose_mode(prompt: str, count: int) -> str:
    p = prompt.lower()
    if re.search(r"picture[- ]in[- ]picture|\bpip\b|\binset\b|\bin the corner\b|\bcorner\b|\boverlay(ed)? small", p):
        return "pip"
    if re.search(
        r"\bblend\w*|\bmerge\w*|\bmix\w*|cross[- ]?fade|double exposure|\bfuse\b|\bcombine them into one\b", p
    ):
        return "blend"
    if re.search(r"\bgrid\b|\bcollage\b|\bmosaic\b", p) and count >= 3:
        return "grid"
    if re.search(r"\bstack\w*|top and bottom|above (each other|one another)|\bvertical\w*|one above", p):
        return "stack"
    return "side_by_side"


def describe(mode: str, count: int) -> str:
    return {
        "pip": "The second image inset in a corner of the first.",
        "blend": f"A cross-fade of {count} images.",
        "grid": f"A grid of {count} images.",
        "stack": f"{count} images stacked top to bottom.",
        "side_by_side": f"{count} images side by side.",
    }[mode]


def compose(images: list[np.ndarray], mode: str, prompt: str) -> np.ndarray:
    if mode == "pip":
        return _pip(images[0], images[1], prompt)
    if mode == "blend":
        return _blend(images, prompt)
    if mode == "grid":
        return _grid(images)
    if mode == "stack":
        return _fit(np.vstack([_to_width(im, images[0].shape[1]) for im in images]))
    return _fit(np.hstack([_to_height(im, images[0].shape[0]) for im in images]))


def _fit(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    if max(h, w) <= MAX_SIDE:
        return img
    s = MAX_SIDE / max(h, w)
    return cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)


def _to_height(img: np.ndarray, h: int) -> np.ndarray:
    ih, iw = img.shape[:2]
    if ih == h:
        return img
    return cv2.resize(img, (max(1, round(iw * h / ih)), h), interpolation=cv2.INTER_AREA if ih > h else cv2.INTER_CUBIC)


def _to_width(img: np.ndarray, w: int) -> np.ndarray:
    ih, iw = img.shape[:2]
    if iw == w:
        return img
    return cv2.resize(img, (w, max(1, round(ih * w / iw))), interpolation=cv2.INTER_AREA if iw > w else cv2.INTER_CUBIC)


def cover(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Scale to cover (w, h) and centre-crop: no distortion, no bars."""
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih)
    nw, nh = max(w, round(iw * s)), max(h, round(ih * s))
    big = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    y0, x0 = (nh - h) // 2, (nw - w) // 2
    return np.ascontiguousarray(big[y0 : y0 + h, x0 : x0 + w])


def _blend(images: list[np.ndarray], prompt: str) -> np.ndarray:
    h, w = images[0].shape[:2]
    layers = [cover(im, w, h).astype(np.float32) / 255.0 for im in images]
    if re.search(r"double exposure|\bscreen\b", prompt.lower()):
        out = layers[0]
        for layer in layers[1:]:
            out = 1.0 - (1.0 - out) * (1.0 - layer)  # screen: lights add, like two exposures on one frame
    else:
        out = sum(layers) / len(layers)
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def _grid(images: list[np.ndarray]) -> np.ndarray:
    h, w = images[0].shape[:2]
    cols = 2
    rows = (len(images) + 1) // 2
    cell_w, cell_h = w // 2, h // 2
    out = np.zeros((rows * cell_h, cols * cell_w, 4), np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[r * cell_h : (r + 1) * cell_h, c * cell_w : (c + 1) * cell_w] = cover(im, cell_w, cell_h)
    return out


def _pip(base: np.ndarray, inset: np.ndarray, prompt: str) -> np.ndarray:
    """The inset at a third of the width, with a white border and a soft shadow, in a corner."""
    h, w = base.shape[:2]
    p = prompt.lower()
    iw = max(8, w // 3)
    small = _to_width(inset, iw)
    ih = small.shape[0]
    if ih > h * 0.6:
        small = _to_height(small, int(h * 0.6))
        ih, iw = small.shape[:2]
    margin, border = max(2, min(w, h) // 40), max(1, min(w, h) // 200)
    top = "top" in p or "upper" in p
    left = "left" in p
    x0 = margin if left else max(0, w - iw - margin)
    y0 = margin if top else max(0, h - ih - margin)
    small = small[: h - y0, : w - x0]
    ih, iw = small.shape[:2]
    out = base.astype(np.float32)
    shadow = np.zeros((h, w), np.float32)
    off = max(2, w // 160)
    shadow[y0 + off : y0 + ih + off, x0 + off : x0 + iw + off] = 1.0
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(2.0, w / 150))
    out[..., :3] *= (1.0 - 0.45 * shadow)[..., None]
    out[max(0, y0 - border) : y0 + ih + border, max(0, x0 - border) : x0 + iw + border] = 255.0
    out[y0 : y0 + ih, x0 : x0 + iw] = small.astype(np.float32)
    out[..., 3] = np.maximum(out[..., 3], shadow * 255 * 0.45)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
