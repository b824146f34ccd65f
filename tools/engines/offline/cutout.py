"""Subjects without a landscape: stickers and cut-outs, on a transparent ground when one is asked for.

A prompt that asks for a sticker ("a sticker of a cat", "die-cut sticker of two owls") or that asks for a
transparent background and names subjects but no landscape ("a red fox", background=transparent) gets its
figures alone, side by side, instead of a landscape to stand in. A sticker has the die-cut look: a white border
that follows the figures' outline and a soft shadow under it. Outside the figures (and a sticker's border and
shadow) the alpha is 0; the figures themselves are opaque. Without a transparent background the same picture is
laid on a light paper ground.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from .figures import Placed, figure
from .stages import Stages
from .subjects import Cast

STICKER = re.compile(r"\b(stickers?|die[- ]?cut|cut[- ]?outs?|clip[- ]?art|decals?)\b", re.I)
MAX_FIGURES = 6
PAPER = np.array([246, 245, 241], np.float32) / 255.0
BORDER = np.array([255, 255, 255], np.float32) / 255.0


def _over(dst: np.ndarray, src: np.ndarray) -> None:
    """Premultiplied RGBA `src` over `dst`, in place."""
    dst *= 1.0 - src[..., 3:4]
    dst += src


def _layer(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return np.dstack([colour[None, None, :] * alpha[..., None], alpha]).astype(np.float32)


def _straight(premul: np.ndarray) -> np.ndarray:
    """Premultiplied float RGBA to straight uint8 RGBA."""
    a = premul[..., 3:4]
    rgb = np.where(a > 1e-4, premul[..., :3] / np.maximum(a, 1e-4), 0.0)
    return (np.clip(np.dstack([rgb, a]), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def paint_cutout(cast: Cast, w: int, h: int, transparent: bool, sticker: bool,
                 stages: Stages) -> tuple[np.ndarray, list[Placed]]:
    """RGBA pixels (straight alpha) and where each figure went. `stages` sees a sticker's shadow, then its
    border; for cut-outs, each figure but the last as it is added."""
    subjects = [want.subject for want in cast.wanted for _ in range(want.drawn)][:MAX_FIGURES]
    n = len(subjects)
    unit = min(w, h)
    margin = unit * (0.12 if sticker else 0.08)
    cell = (w - 2 * margin) / n
    tall = h - 2 * margin
    placed: list[Placed] = []
    boxes = []
    for i, subject in enumerate(subjects):
        src = figure(subject.figure)
        scale = min(cell * 0.92 / src.shape[1], tall / src.shape[0])
        fw, fh = max(4, int(src.shape[1] * scale)), max(4, int(src.shape[0] * scale))
        interp = cv2.INTER_AREA if fh < src.shape[0] else cv2.INTER_CUBIC
        fig = np.clip(cv2.resize(np.ascontiguousarray(src), (fw, fh), interpolation=interp), 0.0, 1.0)
        x0 = int(round(margin + cell * (i + 0.5) - fw / 2))
        y0 = int(round(h - margin - fh)) if n > 1 else int(round((h - fh) / 2))  # a row stands on one line
        boxes.append((x0, y0, fig))
        placed.append(Placed(subject.name, (max(0, x0), max(0, y0), min(w, x0 + fw), min(h, y0 + fh))))
    cover = np.zeros((h, w), np.float32)
    for x0, y0, fig in boxes:
        region = cover[y0:y0 + fig.shape[0], x0:x0 + fig.shape[1]]
        np.maximum(region, fig[: region.shape[0], : region.shape[1], 3], out=region)
    canvas = np.zeros((h, w, 4), np.float32)
    if not transparent:
        canvas[...] = _layer(PAPER, np.ones((h, w), np.float32))

    def state() -> np.ndarray:
        return _straight(canvas) if transparent else _straight(canvas)[..., :3]

    if sticker:
        stages.plan(2)
        radius = max(2, int(unit * 0.028))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        border = cv2.GaussianBlur(cv2.dilate((cover > 0.35).astype(np.float32), kernel), (0, 0), max(1.0, radius / 6))
        shadow = cv2.GaussianBlur(border, (0, 0), unit * 0.012)
        shift = np.float32([[1, 0, unit * 0.006], [0, 1, unit * 0.012]])
        shadow = cv2.warpAffine(shadow, shift, (w, h)) * 0.28
        _over(canvas, _layer(np.array([0.05, 0.06, 0.1], np.float32), shadow))
        stages(state)
        _over(canvas, _layer(BORDER, np.clip(border, 0.0, 1.0)))
        stages(state)
    else:
        stages.plan(n - 1)
    for i, (x0, y0, fig) in enumerate(boxes):
        if i and not sticker:
            stages(state)
        layer = np.zeros((h, w, 4), np.float32)
        cx0, cy0 = max(0, x0), max(0, y0)
        cx1, cy1 = min(w, x0 + fig.shape[1]), min(h, y0 + fig.shape[0])
        part = fig[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        layer[cy0:cy1, cx0:cx1, :3] = part[..., :3] * part[..., 3:4]
        layer[cy0:cy1, cx0:cx1, 3] = part[..., 3]
        _over(canvas, layer)
    out = _straight(canvas)
    if transparent:
        # Inside a figure the picture is solid: faint alpha left by resampling a figure's own edge stays only
        # at its outline (a 1-2 px antialiased rim), never as a see-through body.
        body = cv2.erode((cover > 0.5).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        out[body, 3] = 255
        return out, placed
    return out[..., :3], placed
