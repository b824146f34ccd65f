"""Style names: the canonical list, the words people use for each, and mapping anything else to the
nearest known style (with a note saying so).

Resolution order: an exact name or alias; a near-spelling of one (difflib); a style whose related
words appear in the request ("cubist" -> pop art); otherwise digital art. Only the first is silent.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# name -> (aliases, related words used to find the nearest style for an unknown description)
STYLES: dict[str, tuple[str, str]] = {
    "oil-painting": (
        "oil, oils, oil painting, oil paint, painting, painterly, impasto, acrylic, old masters, classical painting",
        "rembrandt, baroque, canvas, renaissance, portrait, expressionism, expressionist, brush, vermeer, "
        "caravaggio, romanticism, realism, gouache",
    ),
    "watercolor": (
        "watercolour, water color, water colour, aquarelle, wash, watercolors",
        "ink wash, sumi, pastel, soft, wet, botanical, delicate, chinese painting",
    ),
    "pencil-sketch": (
        "sketch, pencil, pencil drawing, graphite, charcoal, drawing, hand drawn, hand-drawn, sketchy",
        "crosshatch, hatching, etching, engraving, study, conte, monochrome drawing",
    ),
    "pop-art": (
        "pop, pop art, warhol, lichtenstein, halftone, pop-art",
        "cubist, cubism, picasso, mondrian, poster, screen print, screenprint, bold, graphic, abstract, "
        "fauvism, fauvist, matisse, psychedelic, retro, memphis, riso, risograph, bauhaus, constructivism",
    ),
    "comic-book": (
        "comic, comics, comic book, graphic novel, superhero, marvel, dc comics",
        "noir, inked, ink, cartoonish, strip, panel",
    ),
    "anime": (
        "manga, ghibli, studio ghibli, cel shaded, cel-shaded, cel shading, toon, cartoon, anime style, "
        "japanese animation",
        "disney, pixar, animation, animated, kawaii, chibi, shonen, makoto shinkai",
    ),
    "pixel-art": (
        "pixel, pixels, 8-bit, 8bit, 16-bit, 16bit, retro game, sprite, pixelated, pixel art",
        "mosaic, minecraft, voxel, arcade, nes, snes, gameboy, game boy, lego, cross stitch, cross-stitch, needlepoint",
    ),
    "impressionism": (
        "impressionist, monet, van gogh, renoir, post-impressionism, pointillism, pointillist, "
        "brushstrokes, brush strokes, seurat",
        "cezanne, degas, starry night, plein air, dabs, strokes, dappled",
    ),
    "3d-model": (
        "3d, 3d render, 3d model, render, cgi, blender, octane, unreal engine, 3d-render",
        "plastic, toy, glossy, product render, c4d, cinema 4d, vray, sculpture, statue",
    ),
    "analog-film": (
        "film, analog, analogue, 35mm, kodak, polaroid, vintage photo, film grain, portra, fuji, lomo, lomography",
        "vintage, nostalgic, 70s, 80s, 1970s, 1980s, faded, grainy, old photo, sepia",
    ),
    "cinematic": (
        "cinema, film still, movie, movie still, blockbuster, teal and orange, widescreen, anamorphic",
        "dramatic, epic, moody, hollywood, letterbox, thriller, scene",
    ),
    "digital-art": (
        "digital, digital painting, concept art, illustration, digital illustration, artstation",
        "vector, flat, modern, vibrant, stylized, stylised, game art, matte painting",
    ),
    "enhance": (
        "enhanced, improve, improved, hdr, sharpen, auto enhance, auto-enhance, clarity, enhancement",
        "vivid, crisp, sharper, punchy, high definition, hd, 4k, upscale, remaster",
    ),
    "fantasy-art": (
        "fantasy, magical, dreamy, ethereal, fairy tale, fairytale, mythical",
        "surreal, surrealism, dali, mystical, enchanted, whimsical, celestial, tolkien, dragon, art "
        "nouveau, mucha, romantic, symbolism, gothic",
    ),
    "isometric": (
        "iso, isometric view, isometric art, isometric design",
        "diorama, miniature, tilt shift, tilt-shift, axonometric, game board, block",
    ),
    "line-art": (
        "lineart, line drawing, outline, outlines, coloring book, colouring book, contour, line work, "
        "linework, ink drawing",
        "minimal, minimalist, tattoo, stencil, blueprint, technical drawing, woodcut, linocut, pen",
    ),
    "low-poly": (
        "lowpoly, low poly, polygonal, faceted, triangles, triangulated, low-polygon",
        "geometric, crystal, shards, stained glass, prism",
    ),
    "modeling-compound": (
        "clay, plasticine, claymation, play-doh, playdough, play doh, modelling clay, modeling clay, stop "
        "motion, stop-motion",
        "aardman, wallace, felt, knitted, handmade, crafted, ceramic, pottery",
    ),
    "neon-punk": (
        "neon, neonpunk, neon punk, cyberpunk, synthwave, vaporwave, outrun",
        "glow, glowing, blacklight, tron, futuristic, sci-fi, scifi, night city, electric, laser, rave",
    ),
    "origami": (
        "paper, papercraft, paper craft, folded paper, paper cut, papercut, paper art",
        "kirigami, cardboard, collage, cut-out, cutout, quilling, craft",
    ),
    "photographic": (
        "photo, photograph, realistic, photorealistic, photo-realistic, natural, photography, real",
        "dslr, lifelike, documentary, portrait photo, true to life, studio photo",
    ),
    "tile-texture": (
        "tile, tileable, seamless, texture, pattern, repeating, wallpaper",
        "fabric, textile, tiling, background texture, surface, material, mosaic tiles",
    ),
}


@dataclass(frozen=True)
class Resolved:
    name: str
    note: str | None = None


def pretty(name: str) -> str:
    return "3D model" if name == "3d-model" else name.replace("-", " ")


def _norm(text: str) -> str:
    text = text.lower().replace("_", " ")
    text = re.sub(r"\b(in the style of|style of|style|styled|look|looking|like|as an?|as|effect|filter)\b", " ", text)
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 -]", " ", text)).strip()


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for name, (aliases, _) in STYLES.items():
        table[name] = name
        table[name.replace("-", " ")] = name
        for a in _words(aliases):
            table[a] = name
    return table


ALIASES = _alias_table()


def find_in_text(text: str) -> str | None:
    """A known style named anywhere in a sentence ("make it look like a watercolour painting")."""
    t = " " + _norm(text) + " "
    best: tuple[int, str] | None = None
    for alias, name in ALIASES.items():
        pos = t.find(" " + alias + " ")
        # Prefer the longest alias ("oil painting" over "painting"), then the earliest.
        if pos >= 0 and (best is None or len(alias) > best[0]):
            best = (len(alias), name)
    return best[1] if best else None


def resolve(style: str | None, prompt: str = "") -> Resolved:
    """Map a requested style (the `style` argument, else words in the prompt) to a known one."""
    asked = (style or "").strip()
    if asked:
        key = _norm(asked)
        if key in ALIASES:
            return Resolved(ALIASES[key])
        found = find_in_text(asked)
        if found:
            return Resolved(found)
        close = difflib.get_close_matches(key, list(ALIASES), n=1, cutoff=0.8)
        if close:
            return Resolved(ALIASES[close[0]], f"Read the style '{asked}' as '{pretty(ALIASES[close[0]])}'.")
    else:
        found = find_in_text(prompt)
        if found:
            return Resolved(found)
    described = asked or prompt
    nearest = _nearest(described)
    label = asked or "the requested style"
    return Resolved(
        nearest, f"'{label}' is not a style the offline engine knows; used the nearest, '{pretty(nearest)}'."
    )


def _nearest(text: str) -> str:
    """The style whose related words overlap the description most; digital art if none do."""
    t = " " + _norm(text) + " "
    words = set(t.split())
    scores: dict[str, float] = {}
    for name, (aliases, related) in STYLES.items():
        score = 0.0
        for term in _words(related) + _words(aliases):
            if " " in term and f" {term} " in t:
                score += 2.0
            elif term in words:
                score += 1.5
            elif any(len(w) > 4 and (w.startswith(term[:5]) or term.startswith(w[:5])) for w in words):
                score += 0.5  # shared stem: "cubism" ~ "cubist", "surrealist" ~ "surreal"
        if score:
            scores[name] = score
    return max(scores, key=lambda n: scores[n]) if scores else "digital-art"


def names() -> list[str]:
    return list(STYLES)
