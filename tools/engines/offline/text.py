"""Text with the one font that ships inside Pillow (Aileron, scalable since Pillow 10.1).

Nothing is downloaded: `ImageFont.load_default(size=...)` is the only font source. Weight is faked
with a stroke of the text colour, and letter spacing by placing glyphs one by one.
"""

from __future__ import annotations

import threading

from PIL import ImageDraw, ImageFont

Color = tuple[int, ...]

# One cache per thread: a FreeType face must not be used by two threads at once, and images render
# concurrently on worker threads.
_LOCAL = threading.local()


def font(size: int) -> ImageFont.FreeTypeFont:
    cache: dict[int, ImageFont.FreeTypeFont] = _LOCAL.__dict__.setdefault("fonts", {})
    size = max(6, int(size))
    if size not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[size] = ImageFont.load_default(size=size)  # type: ignore[assignment]
    return cache[size]


def text_width(text: str, size: int, spacing: float = 0.0, bold: int = 0) -> float:
    """Width in pixels of `text` at `size`, with `spacing` extra em between letters."""
    f = font(size)
    if not spacing:
        return f.getlength(text) + 2 * bold
    return sum(f.getlength(ch) for ch in text) + spacing * size * max(0, len(text) - 1) + 2 * bold


def fit_size(text: str, max_width: float, max_size: int, spacing: float = 0.0, min_size: int = 8) -> int:
    """The largest size up to `max_size` at which `text` fits `max_width`."""
    size = max_size
    while size > min_size and text_width(text, size, spacing) > max_width:
        size = int(size * 0.92)
    return max(size, min_size)


def draw_text(
    draw: ImageDraw.ImageDraw,
    center: tuple[float, float],
    text: str,
    size: int,
    fill: Color,
    *,
    spacing: float = 0.0,
    bold: int = 0,
    stroke: tuple[int, Color] | None = None,
) -> None:
    """Draw `text` centred on `center` (vertically by cap height, which looks centred to the eye)."""
    f = font(size)
    cx, cy = center
    width = text_width(text, size, spacing, bold)
    # Centre on the cap height rather than the full box so descenders don't push text upwards.
    top, bottom = f.getbbox("H")[1], f.getbbox("H")[3]
    y = cy - (top + bottom) / 2
    sw, sf = (stroke[0], stroke[1]) if stroke else (bold, fill)
    if not spacing:
        draw.text((cx - width / 2 + bold, y), text, font=f, fill=fill, stroke_width=sw, stroke_fill=sf)
        return
    x = cx - width / 2 + bold
    for ch in text:
        draw.text((x, y), ch, font=f, fill=fill, stroke_width=sw, stroke_fill=sf)
        x += f.getlength(ch) + spacing * size


def wrap(text: str, size: int, max_width: float, spacing: float = 0.0) -> list[str]:
    """Greedy word wrap."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_width(trial, size, spacing) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines
