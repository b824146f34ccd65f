"""The synchronous painter: one call renders one image. The engine runs these on worker threads.

Every function returns `Painted` (uint8 RGB/RGBA pixels plus a sentence describing the picture) and
is a pure function of its arguments and seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import compose as composer
from .diagram import paint_diagram
from .diagram_spec import parse_diagram
from .edit_ops import apply_ops
from .edit_parse import EditOp
from .iconset import paint_icons
from .intent import classify, describe_scene, parse_logo, parse_scene
from .logo import paint_logo
from .scene import paint_scene
from .style_names import pretty
from .styles import apply_style


@dataclass(frozen=True)
class Painted:
    pixels: np.ndarray
    description: str
    opaque_only: bool = False  # True when the picture fills the frame and cannot have a transparent ground
    note: str | None = None  # something the caller should be told, e.g. that the subject was not drawn


MIN_GRAPHIC_SIDE = 256  # logos, icons and diagrams are laid out at least this big, then reduced


def generate(prompt: str, negative: str | None, w: int, h: int, seed: int, transparent: bool) -> Painted:
    kind = classify(prompt)
    if kind != "scene" and min(w, h) < MIN_GRAPHIC_SIDE:
        # Type and strokes need room: lay the graphic out larger and reduce it (also smoother).
        f = min(MIN_GRAPHIC_SIDE / min(w, h), 4096 / max(w, h))
        if f > 1.0:
            big = generate(prompt, negative, round(w * f), round(h * f), seed, transparent)
            small = cv2.resize(big.pixels, (w, h), interpolation=cv2.INTER_AREA)
            return Painted(small, big.description, big.opaque_only, big.note)
    if kind == "logo":
        px, desc = paint_logo(parse_logo(prompt), prompt, w, h, transparent, seed)
        return Painted(px, desc)
    if kind == "icons":
        px, desc = paint_icons(prompt, w, h, transparent, seed)
        return Painted(px, desc)
    if kind == "diagram":
        px, desc = paint_diagram(parse_diagram(prompt), w, h, transparent, seed)
        return Painted(px, desc)
    spec = parse_scene(prompt, negative)
    note = None
    if spec.inferred:
        note = (
            "The offline engine paints landscapes, cityscapes, logos, icon sets and diagrams; it could not "
            "draw the subject of this prompt, so it painted a landscape in its mood and colours. "
            "Configure an image model (EASEL_IMAGE_MODEL) for other subjects."
        )
    pixels = paint_scene(spec, w, h, np.random.default_rng(seed))
    return Painted(pixels, describe_scene(spec), opaque_only=True, note=note)


def style_transfer(rgba: np.ndarray, style: str, strength: float, w: int, h: int, seed: int) -> Painted:
    if rgba.shape[:2] != (h, w):
        rgba = composer.cover(rgba, w, h)
    rgb = apply_style(np.ascontiguousarray(rgba[..., :3]), style, strength, np.random.default_rng(seed))
    out = np.dstack([rgb, rgba[..., 3]]) if style not in ("isometric", "tile-texture") else rgb
    return Painted(out, f"The image restyled as {pretty(style)}.")


def edit(rgba: np.ndarray, ops: list[EditOp], size: tuple[int, int] | None, seed: int, strength: float) -> Painted:
    out = apply_ops(rgba, ops, np.random.default_rng(seed), strength)
    if size is not None and out.shape[:2] != (size[1], size[0]):
        out = composer.cover(out, size[0], size[1])
    names = ", ".join(_op_words(op) for op in ops)
    return Painted(out, f"The image with these edits applied in order: {names}.")


def _op_words(op: EditOp) -> str:
    if op.kind == "text":
        return f"text '{op.text}' at the {op.where}"
    if op.kind == "style":
        return f"{pretty(op.text)} style"
    if op.kind in ("brightness", "contrast", "saturation", "warmth"):
        more = {
            "brightness": ("brighter", "darker"),
            "contrast": ("more contrast", "less contrast"),
            "saturation": ("more saturated", "less saturated"),
            "warmth": ("warmer", "cooler"),
        }[op.kind]
        return more[0] if op.amount > 0 else more[1]
    if op.kind == "rotate":
        return f"rotated {op.amount:g} degrees"
    if op.kind == "resize" and op.size:
        return f"resized to {op.size[0]}x{op.size[1]}"
    return op.kind.replace("_", " ")


def compose(images: list[np.ndarray], prompt: str, size: tuple[int, int] | None) -> Painted:
    mode = composer.choose_mode(prompt, len(images))
    out = composer.compose(images, mode, prompt)
    if size is not None and out.shape[:2] != (size[1], size[0]):
        out = composer.cover(out, size[0], size[1])
    return Painted(out, composer.describe(mode, len(images)))
