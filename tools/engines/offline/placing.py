"""Placing a subject into an existing picture ("add a cat", "put a hat on the snowman", "add a boat on the
lake"): where it goes comes from what the painter recorded when it made the picture (its horizon and where
each subject stands); for any other picture, from plain rules (the ground below a horizon at 62%)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .edit_parse import EditOp
from .figures import Stage, draw, layout
from .subject_catalog import BY_NAME
from .subjects import Cast, Wanted

_WATER = ("lake", "sea", "ocean", "water", "river", "pond", "bay", "waves", "harbour", "harbor")
_SKY = ("sky", "clouds", "air")
_WORN = ("hat", "cap", "womens hat", "crown", "glasses", "sunglasses", "scarf")


def add_subject(rgba: np.ndarray, op: EditOp, rng: np.random.Generator, scene: dict[str, Any]) -> np.ndarray:
    h, w = rgba.shape[:2]
    subject = BY_NAME[op.text]
    canvas = rgba[..., :3].astype(np.float32) / 255.0
    stage = _stage(canvas, scene, op.where)
    target = _target_box(scene, op.where)
    if target is not None:
        x0, y0, x1, y1 = target
        bh = y1 - y0
        if subject.name in _WORN:  # worn on the top of the figure, about as wide as its head
            height = 0.32 * bh
            draw(canvas, subject, (x0 + x1) / 2, y0 + 0.2 * bh, height, stage)
        else:  # standing on top of it
            draw(canvas, subject, (x0 + x1) / 2, y0 + 2, max(0.35 * bh, 0.12 * h), stage)
    else:
        count = max(1, int(op.amount))
        want = Wanted(subject, count, count, op.text)
        for slot in layout(Cast((want,)), w, h, stage, rng):
            draw(canvas, slot.subject, slot.cx, slot.foot, slot.height * 0.8, stage, slot.flip)
    out = rgba.copy()
    out[..., :3] = np.clip(canvas * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out


def _stage(canvas: np.ndarray, scene: dict[str, Any], where: str) -> Stage:
    h = canvas.shape[0]
    horizon = float(scene.get("horizon") or 0.62)
    luma = float(canvas.mean())
    time = "night" if luma < 0.22 else ("dusk" if luma < 0.35 else "day")
    haze = tuple(int(v * 255) for v in canvas[int(horizon * h) - 2].mean(axis=0))
    water = (horizon + 0.08 * (1 - horizon), horizon + 0.5 * (1 - horizon)) if where in _WATER else None
    ground = (horizon + 0.3 * (1 - horizon), 0.97)
    if where in _SKY:
        ground = (0.2, 0.35)
    return Stage(int(horizon * h), ground, water, time, None, (255, 250, 235), haze)  # type: ignore[arg-type]


def _target_box(scene: dict[str, Any], where: str) -> tuple[int, int, int, int] | None:
    for placed in scene.get("layout") or []:
        name = str(placed.get("name", ""))
        if where and (where == name or where.rstrip("s") == name or name in where):
            x0, y0, x1, y1 = (int(v) for v in placed["box"])
            return x0, y0, x1, y1
    return None
