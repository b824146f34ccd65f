"""The painter's own intermediate states, for partial images (OpenAI's `partial_images`, chat previews).

The painter calls a `Stages` at the points where its picture is a real, recognisable state of the work: a
landscape after its sky, after its far layers, after its ground, after its subjects (before weather, glow and
vignette); a logo after its ground and after its emblem; an icon set after its shadows and after half its
tiles; a diagram after its bands and after its arrows; an edit after each change but the last; a styled
picture before its style. Each path first says how many states it will show (`plan`), so that when fewer
partial images are asked for than there are states, they are spread over the work, not bunched at its
start. A state that looks exactly like the one before is not sent again.

States are taken on the worker thread that paints; `emit` gets the state (uint8 RGB or RGBA, at the output
size) and must be safe to call from that thread.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Pixels = np.ndarray | Callable[[], np.ndarray]


class Stages:
    def __init__(self, count: int, size: tuple[int, int] | None = None,
                 emit: Callable[[int, np.ndarray], None] | None = None) -> None:
        self.count = max(0, count) if emit is not None else 0
        self.size = size  # (w, h) of the finished picture: states painted larger are reduced to it
        self.emit = emit
        self.planned = 0
        self.seen = 0
        self.sent = 0
        self._last: np.ndarray | None = None

    def plan(self, states: int) -> None:
        """Say how many states a path will show; callers nest (a style over a landscape adds one)."""
        self.planned += states

    def _wanted(self, index: int) -> bool:
        if self.planned <= self.count:
            return True
        picks = {int((j + 1) * self.planned / (self.count + 1) + 0.5) - 1 for j in range(self.count)}
        return index in picks

    def __call__(self, pixels: Pixels) -> None:
        """One state of the work. `pixels` may be a function, so nothing is copied when nobody watches."""
        index = self.seen
        self.seen += 1
        if self.emit is None or self.sent >= self.count or not self._wanted(index):
            return
        px = pixels() if callable(pixels) else pixels
        px = np.ascontiguousarray(px if px.dtype == np.uint8 else np.clip(px, 0, 255).astype(np.uint8))
        if self.size is not None and (px.shape[1], px.shape[0]) != self.size:
            px = cv2.resize(px, self.size, interpolation=cv2.INTER_AREA)
        if self._last is not None and self._last.shape == px.shape and np.array_equal(self._last, px):
            return
        self._last = px.copy()
        self.emit(self.sent, self._last)
        self.sent += 1

