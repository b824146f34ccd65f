"""Applying a named style to an image, with `strength` blending the result back towards the source."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import styles_art, styles_form, styles_graphic, styles_photo
from .style_ops import f32, u8

StyleFn = Callable[[np.ndarray, np.random.Generator], np.ndarray]

PIPELINES: dict[str, StyleFn] = {
    "oil-painting": styles_art.oil_painting,
    "watercolor": styles_art.watercolor,
    "impressionism": styles_art.impressionism,
    "pencil-sketch": styles_art.pencil_sketch,
    "line-art": styles_art.line_art,
    "fantasy-art": styles_art.fantasy_art,
    "pop-art": styles_graphic.pop_art,
    "comic-book": styles_graphic.comic_book,
    "anime": styles_graphic.anime,
    "pixel-art": styles_graphic.pixel_art,
    "low-poly": styles_graphic.low_poly,
    "origami": styles_graphic.origami,
    "neon-punk": styles_graphic.neon_punk,
    "cinematic": styles_photo.cinematic,
    "analog-film": styles_photo.analog_film,
    "photographic": styles_photo.photographic,
    "enhance": styles_photo.enhance,
    "digital-art": styles_photo.digital_art,
    "3d-model": styles_form.model_3d,
    "modeling-compound": styles_form.modeling_compound,
    "isometric": styles_form.isometric,
    "tile-texture": styles_form.tile_texture,
}
# Styles that move or re-frame the picture: blending with the source would leave a ghost.
_GEOMETRIC = {"isometric", "tile-texture"}
FULL_STRENGTH = 0.7  # the default `strength`; at or above it the style is applied fully


def apply_style(rgb: np.ndarray, name: str, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Stylise uint8 RGB pixels. Below the default strength the source shows through proportionally."""
    src = f32(rgb)
    out = PIPELINES[name](src, rng)
    alpha = float(np.clip(strength / FULL_STRENGTH, 0.0, 1.0))
    if name not in _GEOMETRIC and alpha < 1.0:
        out = src + (out - src) * alpha
    return u8(out)
