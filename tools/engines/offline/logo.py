"""Typographic logos: an emblem matched to the business, the name as a wordmark, a small descriptor.

Three layouts (stacked, badge, horizontal) chosen from the prompt's style words. Everything is drawn
at twice the output size and downsampled, which is what makes edges and text smooth.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import glyphs
from .colors import RGB, luminance, mix, readable_on, shade
from .intent import LogoSpec
from .stages import Stages
from .text import draw_text, fit_size, text_width

SS = 2  # supersampling factor

# Emblem -> (ink, background, accent). Colours people associate with each trade.
_PALETTES: dict[str, tuple[RGB, RGB, RGB]] = {
    "coffee": ((88, 56, 38), (246, 238, 224), (190, 134, 78)),
    "wheat": ((140, 88, 36), (250, 243, 228), (214, 160, 70)),
    "cupcake": ((196, 78, 120), (253, 242, 246), (120, 70, 50)),
    "leaf": ((40, 104, 66), (240, 246, 238), (140, 180, 90)),
    "tree": ((32, 84, 60), (240, 245, 240), (150, 120, 70)),
    "flower": ((190, 74, 118), (252, 243, 246), (90, 140, 90)),
    "tech": ((44, 58, 156), (245, 247, 252), (0, 176, 200)),
    "code": ((36, 40, 52), (246, 247, 250), (90, 110, 240)),
    "chart": ((22, 60, 110), (244, 247, 250), (30, 160, 120)),
    "book": ((38, 58, 98), (248, 245, 238), (180, 60, 50)),
    "cutlery": ((160, 48, 38), (250, 244, 236), (60, 60, 60)),
    "pizza": ((176, 48, 36), (252, 244, 232), (50, 120, 60)),
    "wine": ((116, 24, 52), (248, 242, 240), (190, 150, 90)),
    "paw": ((218, 110, 46), (255, 248, 240), (80, 60, 50)),
    "mountain": ((30, 66, 82), (240, 244, 242), (220, 120, 60)),
    "wave": ((18, 96, 146), (240, 248, 252), (0, 180, 190)),
    "fish": ((18, 96, 146), (240, 248, 252), (240, 120, 80)),
    "dumbbell": ((24, 24, 28), (245, 245, 245), (226, 60, 40)),
    "note": ((60, 30, 110), (246, 243, 252), (230, 80, 140)),
    "music": ((60, 30, 110), (246, 243, 252), (230, 80, 140)),
}
_GENERIC: tuple[tuple[RGB, RGB, RGB], ...] = (
    ((30, 42, 70), (246, 244, 240), (220, 110, 70)),
    ((24, 90, 90), (242, 246, 244), (230, 170, 60)),
    ((90, 40, 120), (247, 244, 250), (240, 150, 60)),
    ((150, 40, 50), (250, 245, 240), (40, 50, 70)),
)


def _palette(spec: LogoSpec, emblem: str | None, seed: int) -> tuple[RGB, RGB, RGB]:
    ink, bg, accent = _PALETTES.get(emblem or "", _GENERIC[(spec.variant + seed) % len(_GENERIC)])
    # Variants differ in the ground: the trade's own paper colour, clean white, or a tint of the accent.
    bg = (bg, (255, 255, 255), mix(accent, (255, 255, 255), 0.86))[seed % 3]
    if spec.colors:
        ink = spec.colors[0] if luminance(spec.colors[0]) < 0.75 else shade(spec.colors[0], 0.6)
        accent = spec.colors[1] if len(spec.colors) > 1 else mix(ink, (255, 255, 255), 0.35)
        bg = mix((250, 249, 246), ink, 0.05)
    if "dark" in spec.styles:
        bg, ink = shade(ink, 0.22), mix(bg, (255, 255, 255), 0.3)
        accent = mix(accent, (255, 255, 255), 0.25)
    return ink, bg, accent


def choose_emblem(spec: LogoSpec, prompt: str) -> str | None:
    """The glyph for the business ("coffee shop" -> coffee); None means use a monogram."""
    for text in (spec.business or "", re.sub(re.escape(spec.name), " ", prompt, flags=re.I)):
        found = [g for g in glyphs.find_in_text(text) if g not in ("cart", "bag", "image")]
        if found:
            return found[0]
    return None


def _descriptor(spec: LogoSpec) -> str:
    if not spec.business:
        return ""
    words = [w for w in spec.business.split() if w.lower() not in spec.name.lower().split()]
    text = " ".join(words).upper()
    return text if 2 <= len(text) <= 26 else ""


def _layout(spec: LogoSpec, seed: int, w: int, h: int) -> str:
    """Style words decide the layout; without any, the seed does (so variants differ)."""
    if "vintage" in spec.styles:
        return "badge"
    if "tech" in spec.styles and w >= h:
        return "horizontal"
    if spec.styles & {"minimal", "elegant", "playful", "bold", "dark"} or w < h:
        return "stacked"
    return ("stacked", "badge", "horizontal")[seed % 3]


def paint_logo(spec: LogoSpec, prompt: str, w: int, h: int, transparent: bool, seed: int = 0,
               stages: Stages | None = None) -> tuple[np.ndarray, str]:
    """RGBA pixels and a sentence describing the logo. `stages` sees the emblem's ground (disc, rings or
    tile), then the emblem on it, before any lettering."""
    emblem = choose_emblem(spec, prompt)
    ink, bg, accent = _palette(spec, emblem, seed)
    W, H = w * SS, h * SS
    img = Image.new("RGBA", (W, H), (*bg, 0) if transparent else (*bg, 255))
    layout = _layout(spec, seed, w, h)
    stages = stages or Stages(0)
    stages.plan(2)

    def snap() -> None:
        stages(lambda: cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA))

    if layout == "badge":
        _badge(img, spec, emblem, ink, accent, bg, snap)
    elif layout == "horizontal":
        _horizontal(img, spec, emblem, ink, accent, snap)
    else:
        _stacked(img, spec, emblem, ink, accent, snap)
    out = cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA)
    mark = f"a {emblem} emblem" if emblem else f"a '{spec.name[:1].upper()}' monogram"
    return out, f"A {layout} logo reading '{spec.name}' with {mark}."


def _emblem_mask(emblem: str | None, name: str, size: int, stroke: float) -> np.ndarray:
    if emblem:
        return glyphs.render_mask(emblem, size, stroke)
    return glyphs.letter_mask(name, size, stroke)


def _stamp(img: Image.Image, mask: np.ndarray, x: int, y: int, colour: RGB) -> None:
    """Paint `colour` through a 0..1 coverage mask at (x, y)."""
    m = Image.fromarray((mask * 255).astype(np.uint8), "L")
    img.paste(Image.new("RGBA", m.size, (*colour, 255)), (x, y), m)


def _stacked(img: Image.Image, spec: LogoSpec, emblem: str | None, ink: RGB, accent: RGB,
             snap: Callable[[], None]) -> None:
    """Emblem in a soft disc, the name large below, a letter-spaced descriptor between rules."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    unit = min(W, H)
    disc = int(unit * 0.3)
    cx, top = W // 2, int(H * 0.5 - unit * 0.3)
    d.ellipse((cx - disc // 2, top, cx + disc // 2, top + disc), fill=(*mix(accent, (255, 255, 255), 0.72), 255))
    snap()
    size = int(disc * 0.62)
    _stamp(img, _emblem_mask(emblem, spec.name, size, 0.075), cx - size // 2, top + (disc - size) // 2, ink)
    snap()
    name = spec.name if len(spec.name) > 3 or not spec.name.isalpha() else spec.name.upper()
    name_size = fit_size(name, W * 0.8, int(unit * 0.15), spacing=0.04)
    name_y = top + disc + unit * 0.1
    draw_text(d, (cx, name_y), name, name_size, (*ink, 255), spacing=0.04, bold=max(1, name_size // 28))
    desc = _descriptor(spec)
    if desc:
        ds = fit_size(desc, W * 0.6, int(unit * 0.034), spacing=0.35)
        dy = name_y + name_size * 0.62 + unit * 0.05
        draw_text(d, (cx, dy), desc, ds, (*accent, 255), spacing=0.35, bold=max(1, ds // 14))
        half = text_width(desc, ds, 0.35) / 2 + ds * 1.2
        for sgn in (-1, 1):
            x0 = cx + sgn * half
            d.line((x0, dy, x0 + sgn * unit * 0.06, dy), fill=(*accent, 255), width=max(2, ds // 10))


def _badge(img: Image.Image, spec: LogoSpec, emblem: str | None, ink: RGB, accent: RGB, bg: RGB,
           snap: Callable[[], None]) -> None:
    """A round badge: double ring, emblem at the top, the name across a ribbon, descriptor below."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    unit = min(W, H)
    cx, cy, r = W // 2, H // 2, int(unit * 0.4)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*ink, 255))
    r2 = int(r * 0.9)
    d.ellipse((cx - r2, cy - r2, cx + r2, cy + r2), fill=(*bg, 255))
    r3 = int(r * 0.86)
    d.ellipse((cx - r3, cy - r3, cx + r3, cy + r3), outline=(*ink, 255), width=max(2, unit // 220))
    snap()
    size = int(r * 0.62)
    _stamp(img, _emblem_mask(emblem, spec.name, size, 0.08), cx - size // 2, int(cy - r * 0.78), ink)
    snap()
    name = spec.name.upper()
    ns = fit_size(name, r * 2.1, int(unit * 0.1), spacing=0.08)
    band_h = int(ns * 1.5)
    band_w = int(r * 1.25 + 0.5 * min(r * 1.0, ns * len(name) * 0.3))
    by = int(cy + r * 0.12)
    d.rectangle((cx - band_w, by - band_h // 2, cx + band_w, by + band_h // 2), fill=(*accent, 255))
    for sgn in (-1, 1):  # ribbon tails
        x = cx + sgn * band_w
        d.polygon(
            [
                (x, by - band_h // 2),
                (x + sgn * band_h * 0.6, by - band_h // 2),
                (x + sgn * band_h * 0.3, by),
                (x + sgn * band_h * 0.6, by + band_h // 2),
                (x, by + band_h // 2),
            ],
            fill=(*shade(accent, 0.75), 255),
        )
    draw_text(d, (cx, by), name, ns, (*readable_on(accent), 255), spacing=0.08, bold=max(1, ns // 22))
    desc = _descriptor(spec) or "EST. " + str(2000 + spec.variant % 25)
    ds = fit_size(desc, r * 1.1, int(unit * 0.036), spacing=0.3)
    draw_text(d, (cx, int(cy + r * 0.55)), desc, ds, (*ink, 255), spacing=0.3, bold=max(1, ds // 14))


def _horizontal(img: Image.Image, spec: LogoSpec, emblem: str | None, ink: RGB, accent: RGB,
                snap: Callable[[], None]) -> None:
    """Emblem in a rounded square on the left, wordmark and descriptor on the right."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    unit = min(W, H)
    tile = int(unit * 0.26)
    name = spec.name
    ns = fit_size(name, W * 0.5, int(unit * 0.14), spacing=0.02)
    total = tile + unit * 0.06 + text_width(name, ns, 0.02, max(1, ns // 26))
    x0 = int(W / 2 - total / 2)
    y0 = H // 2 - tile // 2
    d.rounded_rectangle((x0, y0, x0 + tile, y0 + tile), radius=tile // 4, fill=(*ink, 255))
    snap()
    size = int(tile * 0.62)
    _stamp(img, _emblem_mask(emblem, name, size, 0.08), x0 + (tile - size) // 2, y0 + (tile - size) // 2, accent)
    snap()
    tx = x0 + tile + unit * 0.06
    tw = text_width(name, ns, 0.02)
    desc = _descriptor(spec)
    name_y = H / 2 - (ns * 0.22 if desc else 0)
    draw_text(d, (tx + tw / 2, name_y), name, ns, (*ink, 255), spacing=0.02, bold=max(1, ns // 26))
    if desc:
        ds = fit_size(desc, tw * 1.2, int(unit * 0.032), spacing=0.3)
        dw = text_width(desc, ds, 0.3)
        draw_text(d, (tx + dw / 2, name_y + ns * 0.72), desc, ds, (*accent, 255), spacing=0.3)
