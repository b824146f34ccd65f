"""The synchronous painter: one call renders one image. The engine runs these on worker threads.

Every function returns `Painted` (uint8 RGB/RGBA pixels plus a sentence describing the picture) and
is a pure function of its arguments and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from . import compose as composer
from .cutout import MAX_FIGURES, STICKER, paint_cutout
from .diagram import paint_diagram
from .diagram_spec import parse_diagram
from .edit_ops import apply_ops
from .edit_parse import EditOp
from .iconset import paint_icons
from .intent import SceneSpec, classify, describe_scene, parse_logo, parse_scene
from .logo import paint_logo
from .scene import paint_cast
from .stages import Stages
from .style_names import pretty
from .styles import apply_style
from .subjects import Cast, read_cast


@dataclass(frozen=True)
class Painted:
    pixels: np.ndarray
    description: str
    opaque_only: bool = False  # True when the picture fills the frame and cannot have a transparent ground
    note: str | None = None  # something the caller should be told, e.g. that the subject was not drawn
    metadata: dict[str, Any] = field(default_factory=dict)  # drawn and omitted subjects, where they went


MIN_GRAPHIC_SIDE = 256  # logos, icons and diagrams are laid out at least this big, then reduced


def generate(prompt: str, negative: str | None, w: int, h: int, seed: int, transparent: bool,
             style: str | None = None, stages: Stages | None = None) -> Painted:
    stages = stages or Stages(0)
    if style is not None:
        stages.plan(1)  # the picture before its style
    painted = _generate(prompt, negative, w, h, seed, transparent, stages)
    if style is None:
        return painted
    stages(painted.pixels)
    # The style goes over the finished picture, subjects and all, so they share its brushwork.
    px = painted.pixels
    rgb = apply_style(np.ascontiguousarray(px[..., :3]), style, 1.0, np.random.default_rng(seed))
    if rgb.shape[:2] != px.shape[:2]:
        rgb = cv2.resize(rgb, (px.shape[1], px.shape[0]), interpolation=cv2.INTER_AREA)
    out = np.dstack([rgb, px[..., 3]]) if px.shape[2] == 4 and style not in ("isometric", "tile-texture") else rgb
    desc = painted.description.rstrip(".") + f", in the style of {pretty(style)}."
    return replace(painted, pixels=out, description=desc)


def _generate(prompt: str, negative: str | None, w: int, h: int, seed: int, transparent: bool,
              stages: Stages) -> Painted:
    kind = classify(prompt)
    if kind != "scene" and min(w, h) < MIN_GRAPHIC_SIDE:
        # Type and strokes need room: lay the graphic out larger and reduce it (also smoother).
        f = min(MIN_GRAPHIC_SIDE / min(w, h), 4096 / max(w, h))
        if f > 1.0:
            big = _generate(prompt, negative, round(w * f), round(h * f), seed, transparent, stages)
            small = cv2.resize(big.pixels, (w, h), interpolation=cv2.INTER_AREA)
            return replace(big, pixels=small)
    if kind == "logo":
        px, desc = paint_logo(parse_logo(prompt), prompt, w, h, transparent, seed, stages)
        return Painted(px, desc)
    if kind == "icons":
        px, desc = paint_icons(prompt, w, h, transparent, seed, stages)
        return Painted(px, desc)
    if kind == "diagram":
        px, desc = paint_diagram(parse_diagram(prompt), w, h, transparent, seed, stages)
        return Painted(px, desc)
    sticker = bool(STICKER.search(prompt))
    if sticker or transparent:
        cast = read_cast(STICKER.sub(" ", prompt), negative)
        if cast.wanted and (sticker or parse_scene(prompt, negative).inferred):
            return _cutout(cast, w, h, transparent, sticker, stages)
    return _scene(prompt, negative, w, h, seed, stages)


def _cutout(cast: Cast, w: int, h: int, transparent: bool, sticker: bool, stages: Stages) -> Painted:
    """Subjects with no landscape: a sticker, or figures cut out on a transparent ground (cutout.py)."""
    pixels, placed = paint_cutout(cast, w, h, transparent, sticker, stages)
    drawn = cast.drawn_names
    kind = "A die-cut sticker of " if sticker else "A cut-out of "
    description = kind + join_words(drawn) + (" on a transparent background." if transparent else ".")
    notes = [omission_note(cast.omitted)] if cast.omitted else []
    if sum(w.drawn for w in cast.wanted) > MAX_FIGURES:
        notes.append(f"A sticker or cut-out holds at most {MAX_FIGURES} figures; the first {MAX_FIGURES} are drawn.")
    metadata = {"drawn": drawn, "omitted": list(cast.omitted), "layout": [p.as_dict() for p in placed]}
    return Painted(pixels, description, note=" ".join(notes) or None, metadata=metadata)


def scene_layers(prompt: str, negative: str | None, w: int, h: int, seed: int,
                 style: str | None = None) -> tuple[np.ndarray, np.ndarray, frozenset[str]] | None:
    """The opaque picture `generate` paints for these arguments, its depth layers (a uint8 label per pixel:
    scene.SKY, FAR_LAND, WATER, NEAR_LAND) and the landscape's subjects (mountains, water, city, ...); None for
    what is not a landscape (logos, icons, diagrams, stickers)."""
    if classify(prompt) != "scene" or STICKER.search(prompt):
        return None
    layers = np.zeros((h, w), np.uint8)
    painted = _scene(prompt, negative, w, h, seed, Stages(0), layers)
    px = painted.pixels
    if style is not None:
        rgb = apply_style(np.ascontiguousarray(px[..., :3]), style, 1.0, np.random.default_rng(seed))
        px = rgb if rgb.shape[:2] == px.shape[:2] else cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    subjects = stage_for(parse_scene(prompt, negative), read_cast(prompt, negative)).subjects
    return np.ascontiguousarray(px[..., :3]), layers, frozenset(subjects)


def _scene(prompt: str, negative: str | None, w: int, h: int, seed: int, stages: Stages,
           layers: np.ndarray | None = None) -> Painted:
    cast = read_cast(prompt, negative)
    spec = stage_for(parse_scene(prompt, negative), cast)
    pixels, placed = paint_cast(spec, cast, w, h, np.random.default_rng(seed), stages, layers)
    drawn = cast.drawn_names
    notes = []
    if spec.inferred:
        notes.append(
            "The offline engine paints landscapes, cityscapes, logos, icon sets, diagrams and a few hundred "
            "everyday subjects; it could not draw the subject of this prompt, so it painted a landscape in its "
            "mood and colours. Configure an image model (EASEL_IMAGE_MODEL) for other subjects."
        )
    if cast.omitted:
        notes.append(omission_note(cast.omitted))
    for want in cast.wanted:
        if want.drawn < want.count:
            notes.append(f"It drew {want.drawn} {want.subject.name}s, not {want.count}: a picture holds at most "
                         f"{want.drawn} of one subject.")
    description = describe_scene(spec).rstrip(".")
    if drawn:
        description += ", with " + join_words(drawn)
    description += "."
    if cast.omitted:
        description += f" Not drawn: {join_words(list(cast.omitted))}."
    metadata = {"drawn": drawn, "omitted": list(cast.omitted), "layout": [p.as_dict() for p in placed],
                "horizon": round(_horizon(spec) , 3)}
    return Painted(pixels, description, opaque_only=True, note=" ".join(notes) or None, metadata=metadata)


def omission_note(omitted: tuple[str, ...]) -> str:
    return (f"The offline painter has no figure for {join_words([repr_word(o) for o in omitted])}, so "
            f"{'it is' if len(omitted) == 1 else 'they are'} not in the picture.")


def repr_word(word: str) -> str:
    return f"'{word}'"


def join_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _horizon(spec: SceneSpec) -> float:
    mirror = "water" in spec.subjects or ("city" in spec.subjects and not spec.subjects & {"hills", "desert", "forest"})
    return 0.62 if mirror else 0.66


def stage_for(spec: SceneSpec, cast: Cast) -> SceneSpec:
    """Fit the landscape to its cast: boats need water, feet in a water scene need a beach, and a cast
    named with no landscape gets one that suits it instead of counting as an unknown subject."""
    places = cast.places()
    subjects = set(spec.subjects)
    inferred = spec.inferred
    if places and inferred:
        subjects = {"water", "hills"} if "water" in places else {"hills"}
        if "water" in places and places & {"ground", "bust"}:
            subjects.add("beach")
        inferred = False
    if "water" in places and "water" not in subjects:
        subjects.add("water")
    if places & {"ground"} and "water" in subjects:
        subjects.add("beach")
    return replace(spec, subjects=frozenset(subjects), inferred=inferred)


def style_transfer(rgba: np.ndarray, style: str, strength: float, w: int, h: int, seed: int) -> Painted:
    if rgba.shape[:2] != (h, w):
        rgba = composer.cover(rgba, w, h)
    rgb = apply_style(np.ascontiguousarray(rgba[..., :3]), style, strength, np.random.default_rng(seed))
    out = np.dstack([rgb, rgba[..., 3]]) if style not in ("isometric", "tile-texture") else rgb
    return Painted(out, f"The image restyled as {pretty(style)}.")


def edit(rgba: np.ndarray, ops: list[EditOp], size: tuple[int, int] | None, seed: int, strength: float,
         scene: dict[str, Any] | None = None, stages: Stages | None = None) -> Painted:
    out = apply_ops(rgba, ops, np.random.default_rng(seed), strength, scene, stages)
    if size is not None and out.shape[:2] != (size[1], size[0]):
        out = composer.cover(out, size[0], size[1])
    names = ", ".join(_op_words(op) for op in ops)
    return Painted(out, f"The image with these edits applied in order: {names}.")


def _op_words(op: EditOp) -> str:
    if op.kind == "text":
        return f"text '{op.text}' at the {op.where}"
    if op.kind == "subject":
        return f"added {op.text}" + (f" on the {op.where}" if op.where else "")
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
