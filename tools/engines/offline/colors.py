"""Colour words and colour arithmetic shared by every painter.

Colours are plain `(r, g, b)` tuples of 0-255 ints; painters that work in float space convert with
`rgb01`. Colour words let a prompt steer any palette ("a purple sky", "a green logo").
"""

from __future__ import annotations

import colorsys
import re

RGB = tuple[int, int, int]

# Tuned by eye for pleasant, saturated-but-not-garish results rather than CSS exactness.
COLOR_WORDS: dict[str, RGB] = {
    "red": (214, 48, 49),
    "crimson": (186, 24, 56),
    "scarlet": (230, 45, 35),
    "maroon": (120, 24, 40),
    "burgundy": (128, 22, 52),
    "orange": (245, 130, 40),
    "amber": (240, 165, 30),
    "gold": (222, 172, 52),
    "golden": (230, 175, 60),
    "yellow": (246, 206, 60),
    "lemon": (250, 226, 90),
    "lime": (150, 210, 60),
    "green": (56, 158, 92),
    "emerald": (24, 150, 104),
    "forest green": (34, 100, 60),
    "olive": (122, 128, 52),
    "sage": (150, 175, 140),
    "mint": (150, 225, 190),
    "teal": (18, 138, 140),
    "turquoise": (48, 200, 190),
    "aqua": (60, 210, 220),
    "cyan": (40, 210, 235),
    "sky blue": (120, 190, 240),
    "blue": (48, 108, 220),
    "azure": (60, 140, 240),
    "cobalt": (30, 70, 190),
    "navy": (22, 38, 96),
    "indigo": (75, 50, 160),
    "purple": (128, 62, 180),
    "violet": (140, 92, 222),
    "lavender": (182, 160, 230),
    "lilac": (196, 160, 214),
    "magenta": (228, 40, 180),
    "fuchsia": (230, 50, 160),
    "pink": (240, 122, 172),
    "rose": (226, 96, 130),
    "coral": (245, 120, 96),
    "peach": (250, 180, 140),
    "salmon": (240, 140, 120),
    "brown": (120, 76, 46),
    "chocolate": (92, 56, 34),
    "coffee": (111, 78, 55),
    "tan": (205, 170, 125),
    "beige": (230, 215, 185),
    "cream": (245, 236, 215),
    "ivory": (250, 246, 232),
    "white": (245, 245, 245),
    "silver": (190, 195, 200),
    "gray": (128, 132, 138),
    "grey": (128, 132, 138),
    "charcoal": (54, 58, 64),
    "black": (20, 20, 24),
}

_COLOR_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(k) for k in COLOR_WORDS), key=len, reverse=True)) + r")\b", re.I
)


def find_colors(text: str) -> list[RGB]:
    """Colour words in the order the prompt names them (longest phrase wins: "sky blue" over "blue")."""
    return [COLOR_WORDS[m.group(1).lower()] for m in _COLOR_RE.finditer(text)]


def color_spans(text: str) -> list[tuple[RGB, int]]:
    """Colour words with the position just after each, so callers can read the noun that follows."""
    return [(COLOR_WORDS[m.group(1).lower()], m.end()) for m in _COLOR_RE.finditer(text)]


def rgb01(c: RGB) -> tuple[float, float, float]:
    return (c[0] / 255.0, c[1] / 255.0, c[2] / 255.0)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend from `a` (t=0) to `b` (t=1)."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def shade(c: RGB, factor: float) -> RGB:
    """Darken (factor < 1) or lighten towards white (factor > 1) while keeping the hue."""
    if factor <= 1.0:
        return mix((0, 0, 0), c, factor)
    return mix(c, (255, 255, 255), min(1.0, factor - 1.0))


def luminance(c: RGB) -> float:
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255.0


def hue_of(c: RGB) -> float:
    return colorsys.rgb_to_hsv(*rgb01(c))[0]


def readable_on(bg: RGB) -> RGB:
    """Near-black or near-white, whichever reads better on `bg`."""
    return (28, 28, 32) if luminance(bg) > 0.55 else (250, 250, 248)
