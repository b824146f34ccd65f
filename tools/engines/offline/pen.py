"""A small vector pen for glyphs: unit-square coordinates, round caps, drawn into a coverage mask.

Glyphs draw ink (255) and knock-outs (0) into an "L" image at several times the final size; the
caller downsamples it, which is what makes the edges smooth. Keeping glyphs as masks lets the same
drawing serve a white icon on a coloured tile, a coloured logo emblem, or a transparent PNG.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import ImageDraw

Point = tuple[float, float]


class Pen:
    """Draws in a unit box (0,0 top-left .. 1,1 bottom-right) mapped onto a pixel square."""

    def __init__(self, draw: ImageDraw.ImageDraw, x0: float, y0: float, size: float, stroke: float = 0.085):
        self.draw = draw
        self.x0, self.y0, self.size = x0, y0, size
        self.stroke = stroke  # in unit-box terms

    def p(self, x: float, y: float) -> Point:
        return (self.x0 + x * self.size, self.y0 + y * self.size)

    def _w(self, width: float | None) -> int:
        return max(1, round((self.stroke if width is None else width) * self.size))

    def _dot(self, pt: Point, width: int, ink: int) -> None:
        r = width / 2
        self.draw.ellipse((pt[0] - r, pt[1] - r, pt[0] + r, pt[1] + r), fill=ink)

    def line(self, *pts: Point, closed: bool = False, width: float | None = None, ink: int = 255) -> None:
        """A polyline with round joins and caps."""
        px = [self.p(*q) for q in pts]
        if closed:
            px.append(px[0])
        w = self._w(width)
        self.draw.line(px, fill=ink, width=w, joint="curve")
        for q in px:
            self._dot(q, w, ink)

    def circle(
        self, cx: float, cy: float, r: float, fill: bool = False, ink: int = 255, width: float | None = None
    ) -> None:
        box = (*self.p(cx - r, cy - r), *self.p(cx + r, cy + r))
        if fill:
            self.draw.ellipse(box, fill=ink)
        else:
            self.draw.ellipse(box, outline=ink, width=self._w(width))

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, fill: bool = False, ink: int = 255) -> None:
        box = (*self.p(x0, y0), *self.p(x1, y1))
        if fill:
            self.draw.ellipse(box, fill=ink)
        else:
            self.draw.ellipse(box, outline=ink, width=self._w(None))

    def rect(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        r: float = 0.0,
        fill: bool = False,
        ink: int = 255,
        width: float | None = None,
    ) -> None:
        box = (*self.p(x0, y0), *self.p(x1, y1))
        rad = r * self.size
        if fill:
            self.draw.rounded_rectangle(box, radius=rad, fill=ink)
        else:
            self.draw.rounded_rectangle(box, radius=rad, outline=ink, width=self._w(width))

    def arc(
        self,
        cx: float,
        cy: float,
        r: float,
        start: float,
        end: float,
        ink: int = 255,
        width: float | None = None,
    ) -> None:
        """An arc in degrees (0 = east, clockwise, as Pillow), with round caps."""
        w = self._w(width)
        box = (*self.p(cx - r, cy - r), *self.p(cx + r, cy + r))
        self.draw.arc(box, start, end, fill=ink, width=w)
        # Pillow's arc strokes inward from the box; the cap sits at the stroke's centre line.
        rr = r - (w / 2) / self.size
        for ang in (start, end):
            a = math.radians(ang)
            self._dot(self.p(cx + rr * math.cos(a), cy + rr * math.sin(a)), w, ink)

    def earc(self, x0: float, y0: float, x1: float, y1: float, start: float, end: float, ink: int = 255) -> None:
        """An elliptical arc inside a box (no caps: used where ends meet other strokes)."""
        self.draw.arc((*self.p(x0, y0), *self.p(x1, y1)), start, end, fill=ink, width=self._w(None))

    def polygon(self, pts: Sequence[Point], fill: bool = True, ink: int = 255) -> None:
        px = [self.p(*q) for q in pts]
        if fill:
            self.draw.polygon(px, fill=ink)
        else:
            self.line(*pts, closed=True, ink=ink)


GlyphFn = Callable[[Pen], None]
GLYPHS: dict[str, GlyphFn] = {}
ALIASES: dict[str, str] = {}


def glyph(name: str, aliases: str = "") -> Callable[[GlyphFn], GlyphFn]:
    """Register a glyph under its name and the words people use for it (comma-separated)."""

    def deco(fn: GlyphFn) -> GlyphFn:
        GLYPHS[name] = fn
        for a in (name, *(w.strip() for w in aliases.split(",") if w.strip())):
            ALIASES[a] = name
        return fn

    return deco
