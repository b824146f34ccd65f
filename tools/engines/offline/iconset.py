"""Icon sets: a grid of glyphs on rounded tiles with labels, in one consistent style.

The prompt's list ("— home, search, profile, settings") is used in order; without a list, the glyphs
named anywhere in the prompt are used, topped up with a set that fits the app's kind.
"""

from __future__ import annotations

import colorsys
import math
import re

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import glyphs
from .colors import RGB, find_colors, hue_of, mix, shade
from .intent import icon_requests, stable_hash
from .stages import Stages
from .text import draw_text, fit_size

SS = 2
_CONTEXT_WORDS = r"\b(apps?|mobile|website|web|ui|ux|interface|icons?|set|pack|design|style|flat|outline|minimal\w*)\b"
_DEFAULTS: list[tuple[str, list[str]]] = [
    (
        r"shop|store|commerce|retail|fashion",
        ["home", "search", "cart", "heart", "tag", "wallet", "user", "settings"],
    ),
    (
        r"music|podcast|audio|radio",
        ["home", "search", "play", "music", "heart", "download", "user", "settings"],
    ),
    (
        r"social|chat|messag|dating|community",
        ["home", "search", "chat", "heart", "bell", "camera", "user", "settings"],
    ),
    (
        r"travel|map|trip|hotel",
        ["home", "search", "location", "send", "calendar", "heart", "user", "settings"],
    ),
    (
        r"financ|bank|money|pay|wallet",
        ["home", "chart", "wallet", "send", "bell", "lock", "user", "settings"],
    ),
    (
        r"photo|camera|gallery|video",
        ["home", "search", "camera", "image", "play", "share", "heart", "settings"],
    ),
]
_GENERIC = ["home", "search", "user", "settings", "heart", "bell", "mail", "camera"]
_NUMBERS = {"four": 4, "five": 5, "six": 6, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "sixteen": 16}
_LABELS = {"user": "Profile", "settings": "Settings", "location": "Map", "send": "Send", "chart": "Stats"}


def plan_icons(prompt: str) -> list[tuple[str, str | None]]:
    """(label, glyph or None for a monogram) for each icon to draw."""
    listed = icon_requests(prompt)
    if listed:
        return [(item.title(), glyphs.lookup(item)) for item in listed[:16]]
    scan = re.sub(_CONTEXT_WORDS, " ", prompt.lower())
    chosen = glyphs.find_in_text(scan)
    m = re.search(r"\b(\d{1,2}|" + "|".join(_NUMBERS) + r")\s+(?:\w+\s+)?icons?\b", prompt.lower())
    count = (int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]) if m else 8
    count = max(1, min(16, count))
    if re.search(r"\bicon\b", prompt.lower()) and not re.search(r"\bicons\b|\bicon (set|pack)", prompt.lower()):
        count = max(1, len(chosen))  # "an app icon of a camera": just that one
    defaults = next((names for pat, names in _DEFAULTS if re.search(pat, prompt.lower())), _GENERIC)
    for name in defaults:
        if len(chosen) >= count:
            break
        if name not in chosen:
            chosen.append(name)
    return [(_LABELS.get(g, g.title()), g) for g in chosen[:count]]


def _tile_colours(prompt: str, n: int, seed: int) -> list[tuple[RGB, RGB]]:
    """Harmonious (top, bottom) gradient pairs: hues spread around a base from the prompt and seed."""
    colours = find_colors(prompt)
    jitter = ((seed * 0.618034) % 1.0) - 0.5
    base = hue_of(colours[0]) + jitter * 0.06 if colours else ((stable_hash(prompt) % 360) / 360.0 + jitter) % 1.0
    spread = 0.08 if colours else min(0.55, 0.1 * n)  # a colour word keeps the set in one family
    out = []
    for i in range(n):
        hh = (base + spread * i / max(1, n - 1) - spread / 2) % 1.0
        r, g, b = colorsys.hsv_to_rgb(hh, 0.62, 0.9)
        top = (round(r * 255), round(g * 255), round(b * 255))
        out.append((mix(top, (255, 255, 255), 0.12), shade(top, 0.78)))
    return out


def paint_icons(prompt: str, w: int, h: int, transparent: bool, seed: int = 0,
                stages: Stages | None = None) -> tuple[np.ndarray, str]:
    """`stages` sees the tiles' shadows, then the first half of the icons."""
    items = plan_icons(prompt)
    n = len(items)
    stages = stages or Stages(0)
    stages.plan(1 + (n > 1))

    def snap() -> None:
        stages(lambda: cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA))

    cols = 1 if n == 1 else 2 if n <= 4 else 3 if n in (5, 6, 9) else 4
    rows = math.ceil(n / cols)
    lower = prompt.lower()
    outline = bool(re.search(r"\b(outline|line|minimal\w*|monochrome|mono|simple)\b", lower))
    dark = bool(re.search(r"\bdark\b", lower))
    W, H = w * SS, h * SS
    bg = (24, 26, 34) if dark else (246, 247, 250)
    img = Image.new("RGBA", (W, H), (*bg, 0 if transparent else 255))
    cell = min(W * 0.86 / cols, H * 0.86 / (rows * 1.28))
    tile = int(cell * 0.74)
    x_start = (W - cols * cell) / 2
    y_start = (H - rows * cell * 1.28) / 2
    colours = _tile_colours(prompt, n, seed)
    label_size = fit_size(max((lbl for lbl, _ in items), key=len), cell * 0.95, max(10, int(cell * 0.13)))
    _shadows(img, items, cols, cell, tile, x_start, y_start, dark)
    snap()
    d = ImageDraw.Draw(img)
    for i, (label, glyph) in enumerate(items):
        if n > 1 and i == (n + 1) // 2:
            snap()
        r, c = divmod(i, cols)
        col = c + ((cols - n % cols) / 2 if r == rows - 1 and n % cols else 0.0)  # centre a short last row
        x = int(x_start + col * cell + (cell - tile) / 2)
        y = int(y_start + r * cell * 1.28 + (cell - tile) / 2)
        top, bottom = colours[i]
        if outline:
            face = (40, 42, 52) if dark else (255, 255, 255)
            _tile(img, x, y, tile, face, face)
            ink = mix(top, (255, 255, 255), 0.2) if dark else shade(top, 0.72)
        else:
            _tile(img, x, y, tile, top, bottom)
            ink = (255, 255, 255)
        size = int(tile * 0.56)
        mask = glyphs.render_mask(glyph, size, 0.09) if glyph else glyphs.letter_mask(label, size, 0.08)
        m = Image.fromarray((mask * 255).astype(np.uint8), "L")
        img.paste(Image.new("RGBA", m.size, (*ink, 255)), (x + (tile - size) // 2, y + (tile - size) // 2), m)
        text_col = (225, 228, 236) if dark else (58, 62, 74)
        draw_text(d, (x + tile / 2, y + tile + cell * 0.17), label, label_size, (*text_col, 255))
    out = cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA)
    names = ", ".join(lbl.lower() for lbl, _ in items)
    return out, f"An icon set of {n} {'outline' if outline else 'filled-tile'} icons: {names}."


def _tile(img: Image.Image, x: int, y: int, size: int, top: RGB, bottom: RGB) -> None:
    """A rounded square filled with a vertical gradient."""
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    grad = np.array(top, np.float32) + (np.array(bottom, np.float32) - np.array(top, np.float32)) * t
    grad = np.broadcast_to(grad, (size, size, 3)).astype(np.uint8)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size - 1, size - 1), radius=int(size * 0.24), fill=255)
    fill = Image.fromarray(np.dstack([grad, np.full((size, size), 255, np.uint8)]), "RGBA")
    img.paste(fill, (x, y), mask)


def _shadows(
    img: Image.Image,
    items: list[tuple[str, str | None]],
    cols: int,
    cell: float,
    tile: int,
    x_start: float,
    y_start: float,
    dark: bool,
) -> None:
    """Soft drop shadows under every tile, drawn together and blurred once."""
    W, H = img.size
    layer = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(layer)
    n, rows = len(items), math.ceil(len(items) / cols)
    for i in range(n):
        r, c = divmod(i, cols)
        col = c + ((cols - n % cols) / 2 if r == rows - 1 and n % cols else 0.0)
        x = x_start + col * cell + (cell - tile) / 2
        y = y_start + r * cell * 1.28 + (cell - tile) / 2 + tile * 0.06
        d.rounded_rectangle((x, y, x + tile, y + tile), radius=int(tile * 0.24), fill=255)
    # A wide blur: done at 1/4 size and enlarged (the shadow has no detail to lose).
    small = cv2.resize(np.asarray(layer), (max(1, W // 4), max(1, H // 4)), interpolation=cv2.INTER_AREA)
    blurred = cv2.resize(cv2.GaussianBlur(small, (0, 0), tile * 0.015), (W, H), interpolation=cv2.INTER_LINEAR)
    alpha = (blurred.astype(np.float32) * (0.5 if dark else 0.22)).astype(np.uint8)
    shadow = Image.new("RGBA", (W, H), (0, 0, 0, 255) if dark else (30, 40, 70, 255))
    img.alpha_composite(Image.composite(shadow, Image.new("RGBA", (W, H), (0, 0, 0, 0)), Image.fromarray(alpha)))
