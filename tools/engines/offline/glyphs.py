"""The glyph library: finding a glyph for a word, and rendering it as a smooth coverage mask."""

from __future__ import annotations

import re
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import glyphs_brand, glyphs_more, glyphs_ui  # noqa: F401  (importing registers the glyphs)
from .pen import ALIASES, GLYPHS, Pen
from .text import draw_text

SUPERSAMPLE = 4


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def lookup(phrase: str) -> str | None:
    """The glyph for a phrase ("shopping cart", "Notifications", "my profile"), or None."""
    text = re.sub(r"[^a-z0-9 &'-]", " ", phrase.lower()).strip()
    for cand in (text, _singular(text)):
        if cand in ALIASES:
            return ALIASES[cand]
    found = find_in_text(text)
    return found[0] if found else None


def find_in_text(text: str) -> list[str]:
    """Every glyph a text mentions, in order, matching two-word aliases before single words."""
    toks = re.findall(r"[a-z0-9'-]+", text.lower())
    out: list[str] = []
    i = 0
    while i < len(toks):
        hit = None
        for n in (3, 2, 1):
            phrase = " ".join(toks[i : i + n])
            name = ALIASES.get(phrase) or (ALIASES.get(_singular(phrase)) if n == 1 else None)
            if name and len(toks[i : i + n]) == n:
                hit, step = name, n
                break
        if hit:
            if hit not in out:
                out.append(hit)
            i += step
        else:
            i += 1
    return out


@lru_cache(maxsize=256)
def _mask(name: str, size: int, stroke: float) -> np.ndarray:
    big = size * SUPERSAMPLE
    img = Image.new("L", (big, big), 0)
    GLYPHS[name](Pen(ImageDraw.Draw(img), 0, 0, big, stroke))
    small = cv2.resize(np.asarray(img), (size, size), interpolation=cv2.INTER_AREA)
    out = small.astype(np.float32) / 255.0
    out.setflags(write=False)
    return out


def render_mask(name: str, size: int, stroke: float = 0.085) -> np.ndarray:
    """Coverage (size, size) in 0..1 for a registered glyph, antialiased by supersampling."""
    return _mask(name, max(4, int(size)), round(stroke, 3))


@lru_cache(maxsize=64)
def _letter(letter: str, size: int, stroke: float) -> np.ndarray:
    big = size * SUPERSAMPLE
    img = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(img)
    w = max(1, int(stroke * big))
    d.ellipse((w, w, big - w, big - w), outline=255, width=w)
    draw_text(d, (big / 2, big / 2), letter, int(big * 0.46), (255,), bold=max(1, w // 3))
    out = cv2.resize(np.asarray(img), (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    out.setflags(write=False)
    return out


def letter_mask(text: str, size: int, stroke: float = 0.085) -> np.ndarray:
    """A fallback glyph: the first letter of `text` in a circle (a monogram)."""
    letter = next((c for c in text if c.isalnum()), "?").upper()
    return _letter(letter, max(4, int(size)), round(stroke, 3))


def names() -> list[str]:
    return sorted(GLYPHS)
