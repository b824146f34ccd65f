"""The painter's own depth layers of a still Easel painted: sky, far land, water and near land.

A still carries its provenance (prompt, seed, style) in the file. The offline painter is a pure function of
those, so painting them again at the still's size gives the same picture and, this time, which layer painted
each pixel. The repaint is compared with the still before its layers are trusted: an image edited since, or
painted by another engine, has none, and the animator falls back to what it can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from easel.tools import provenance

PAINTER = "builtin/painter-1"
SAME_PICTURE = 2.0  # mean absolute difference per channel (0-255) under which the repaint is the still
LAYER_NAMES = ("sky", "far land", "water", "near land")  # by label: scene.SKY, FAR_LAND, WATER, NEAR_LAND


@dataclass(frozen=True)
class PaintedLayers:
    labels: np.ndarray  # uint8 (h, w): the layer that painted each pixel
    subjects: frozenset[str]  # what the landscape holds (mountains, water, city, ...)

    @property
    def names(self) -> tuple[str, ...]:
        """The layers the picture has (each over 1% of it), far to near as the painter stacks them."""
        shares = np.bincount(self.labels.ravel(), minlength=len(LAYER_NAMES)) / self.labels.size
        return tuple(name for name, share in zip(LAYER_NAMES, shares, strict=False) if share > 0.01)


def painted_layers(still: bytes, rgb: np.ndarray) -> PaintedLayers | None:
    """Which layer painted each pixel of `rgb`, or None when the still is not a landscape the offline painter
    made as it is now."""
    try:
        meta: dict[str, Any] = provenance.read(still) or {}
    except ValueError:  # a damaged provenance chunk is no provenance
        return None
    prompt, seed, style = meta.get("prompt"), meta.get("seed"), meta.get("style")
    negative = meta.get("negative_prompt")
    if meta.get("model") != PAINTER or meta.get("operation") != "generate" or not isinstance(prompt, str):
        return None
    if not isinstance(seed, int) or not isinstance(style, str | None) or not isinstance(negative, str | None):
        return None
    from easel.tools.engines.offline.painter import scene_layers

    h, w = rgb.shape[:2]
    again = scene_layers(prompt, negative, w, h, seed, style)
    if again is None:
        return None
    pixels, layers, subjects = again
    if pixels.shape != rgb.shape:
        return None
    difference = float(np.abs(pixels.astype(np.int16) - rgb.astype(np.int16)).mean())
    return PaintedLayers(layers, subjects) if difference <= SAME_PICTURE else None
