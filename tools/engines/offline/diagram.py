"""Boxes-and-arrows diagrams: tiers as labelled bands, components as icon boxes, flows as arrows.

Drawn with Pillow at twice the size and downsampled. Arrows are drawn before boxes so a line that
passes behind a box is hidden by it rather than crossing its label.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import glyphs
from .colors import RGB, mix
from .diagram_spec import TIER_NAMES, DiagramSpec, Node
from .stages import Stages
from .text import draw_text, fit_size, text_width

SS = 2
# Accent colour per component kind, so the same kind looks the same in every diagram.
_ACCENTS: dict[str, RGB] = {
    "clients": (84, 110, 240),
    "dns": (90, 160, 220),
    "cdn": (90, 160, 220),
    "firewall": (220, 90, 80),
    "lb": (124, 82, 226),
    "gateway": (124, 82, 226),
    "proxy": (124, 82, 226),
    "auth": (230, 140, 40),
    "app": (22, 160, 133),
    "services": (22, 160, 133),
    "queue": (232, 126, 52),
    "workers": (200, 110, 60),
    "cache": (220, 70, 90),
    "db": (40, 116, 200),
    "replica": (80, 140, 210),
    "storage": (120, 130, 150),
    "search": (150, 100, 200),
    "monitoring": (100, 150, 90),
}
_INK, _MUTED, _LINE = (30, 36, 52), (110, 118, 136), (120, 132, 160)


_THEMES: tuple[tuple[RGB, RGB], ...] = (
    ((248, 249, 252), (238, 241, 248)),
    ((255, 255, 255), (240, 244, 250)),
    ((250, 249, 246), (242, 239, 232)),
)


def paint_diagram(spec: DiagramSpec, w: int, h: int, transparent: bool, seed: int = 0,
                  stages: Stages | None = None) -> tuple[np.ndarray, str]:
    """`stages` sees the title and tier bands, then the arrows, before the boxes go on top."""
    stages = stages or Stages(0)
    stages.plan(2)

    def snap() -> None:
        stages(lambda: cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA))

    W, H = w * SS, h * SS
    unit = min(W, H)
    paper, band_fill = _THEMES[seed % len(_THEMES)]  # variants differ in their (quiet) background theme
    img = Image.new("RGBA", (W, H), (*paper, 0 if transparent else 255))
    d = ImageDraw.Draw(img)
    title_size = fit_size(spec.title, W * 0.8, int(unit * 0.045))
    draw_text(d, (W / 2, H * 0.065), spec.title, title_size, (*_INK, 255), bold=max(1, title_size // 30))
    tiers = sorted({n.tier for n in spec.nodes})
    top, bottom = H * 0.13, H * 0.96
    band = (bottom - top) / max(1, len(tiers))
    box_h = min(band * 0.56, unit * 0.1)
    left = W * 0.16  # room for the tier names
    boxes: dict[int, tuple[float, float, float, float]] = {}
    for ti, tier in enumerate(tiers):
        members = [i for i, n in enumerate(spec.nodes) if n.tier == tier]
        cy = top + band * (ti + 0.5)
        if ti % 2 == 0:
            inset = min(4.0, band / 4)
            d.rounded_rectangle(
                (W * 0.03, cy - band / 2 + inset, W * 0.97, cy + band / 2 - inset),
                radius=int(unit * 0.015),
                fill=(*band_fill, 255),
            )
        name = TIER_NAMES.get(tier, "") if tier in TIER_NAMES and spec.nodes[members[0]].key != "step0" else ""
        if name and not spec.nodes[members[0]].key.startswith("step"):
            ts = fit_size(name, W * 0.11, int(unit * 0.018), spacing=0.15)
            draw_text(d, (W * 0.09, cy), name, ts, (*_MUTED, 255), spacing=0.15, bold=1)
        slot = (W * 0.95 - left) / len(members)
        bw = min(slot * 0.86, unit * 0.34)
        for k, i in enumerate(members):
            cx = left + slot * (k + 0.5)
            boxes[i] = (cx - bw / 2, cy - box_h / 2, cx + bw / 2, cy + box_h / 2)
    snap()
    for a, b in spec.edges:
        _arrow(d, boxes[a], boxes[b], unit, spec, a, b)
    snap()
    for i, node in enumerate(spec.nodes):
        _box(img, d, boxes[i], node, unit)
    out = cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA)
    labels = ", ".join(n.label for n in spec.nodes)
    return out, f"A diagram titled '{spec.title}' with {len(spec.nodes)} components: {labels}."


def _box(
    img: Image.Image, d: ImageDraw.ImageDraw, box: tuple[float, float, float, float], node: Node, unit: float
) -> None:
    x0, y0, x1, y1 = box
    bh = y1 - y0
    accent = _ACCENTS.get(node.key, (90, 110, 150))
    r = int(bh * 0.18)
    d.rounded_rectangle((x0 + 3, y0 + 6, x1 + 3, y1 + 6), radius=r, fill=(210, 216, 230, 255))  # shadow
    d.rounded_rectangle(
        box,
        radius=r,
        fill=(255, 255, 255, 255),
        outline=(*mix(accent, (255, 255, 255), 0.35), 255),
        width=max(2, int(unit * 0.0025)),
    )
    chip = int(bh * 0.62)
    cx0, cy0 = int(x0 + bh * 0.19), int(y0 + (bh - chip) / 2)
    d.rounded_rectangle(
        (cx0, cy0, cx0 + chip, cy0 + chip),
        radius=int(chip * 0.25),
        fill=(*mix(accent, (255, 255, 255), 0.82), 255),
    )
    size = int(chip * 0.72)
    mask = glyphs.render_mask(node.glyph, size, 0.1)
    m = Image.fromarray((mask * 255).astype(np.uint8), "L")
    img.paste(Image.new("RGBA", m.size, (*accent, 255)), (cx0 + (chip - size) // 2, cy0 + (chip - size) // 2), m)
    text_left = cx0 + chip + bh * 0.16
    avail = x1 - text_left - bh * 0.14
    ls = fit_size(node.label, avail, int(bh * 0.26), min_size=10)
    tw = text_width(node.label, ls, 0.0, 1)
    draw_text(d, (text_left + min(tw, avail) / 2, (y0 + y1) / 2), node.label, ls, (*_INK, 255), bold=1)


def _arrow(
    d: ImageDraw.ImageDraw,
    a: tuple[float, float, float, float],
    b: tuple[float, float, float, float],
    unit: float,
    spec: DiagramSpec,
    ia: int,
    ib: int,
) -> None:
    """From the bottom of box a to the top of box b; fan-outs spread along the box edge."""
    outs = [e for e in spec.edges if e[0] == ia]
    ins = [e for e in spec.edges if e[1] == ib]
    k_out, k_in = outs.index((ia, ib)), ins.index((ia, ib))
    sx = a[0] + (a[2] - a[0]) * (k_out + 1) / (len(outs) + 1)
    ex = b[0] + (b[2] - b[0]) * (k_in + 1) / (len(ins) + 1)
    sy, ey = a[3], b[1] - unit * 0.004
    width = max(2, int(unit * 0.0028))
    colour = (*_LINE, 255)
    midy = (sy + ey) / 2
    # An orthogonal "elbow" route keeps crowded fan-outs readable.
    pts = [(sx, sy), (sx, midy), (ex, midy), (ex, ey)] if abs(sx - ex) > 2 else [(sx, sy), (ex, ey)]
    d.line(pts, fill=colour, width=width, joint="curve")
    head = unit * 0.014
    ang = math.atan2(ey - pts[-2][1], ex - pts[-2][0])
    left = (ex - head * math.cos(ang - 0.45), ey - head * math.sin(ang - 0.45))
    right = (ex - head * math.cos(ang + 0.45), ey - head * math.sin(ang + 0.45))
    d.polygon([(ex, ey), left, right], fill=colour)
