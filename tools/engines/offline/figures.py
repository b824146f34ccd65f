"""Putting subject figures into a picture so they belong there: a size that fits their real size, feet on
the ground (or hulls on the water, wings in the sky), the scene's light on them, a contact shadow and a
cast shadow away from the sun, a reflection on water, and haze with distance.

The figures are small vendored PNGs (see `subjects/README.md`), cropped to what they show and scaled.
Everything here works on the scene's float canvas (RGB 0..1) in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import cv2
import numpy as np
from PIL import Image

from .colors import RGB, rgb01
from .subject_catalog import Subject
from .subjects import Cast

_BRIGHTNESS = {"day": 1.0, "sunrise": 0.9, "sunset": 0.86, "dusk": 0.64, "night": 0.46}
_WARMTH = {"day": 0.08, "sunrise": 0.3, "sunset": 0.38, "dusk": 0.2, "night": 0.3}
_SHADOW = {"day": 0.5, "sunrise": 0.42, "sunset": 0.42, "dusk": 0.25, "night": 0.18}


@dataclass(frozen=True)
class Stage:
    """Where things can go in a picture, and its light."""

    horizon: int
    ground: tuple[float, float]  # rows (fractions of height) where feet may stand
    water: tuple[float, float] | None  # rows where floating things sit, if there is water
    time: str = "day"
    light_x: float | None = None
    light_color: RGB = (255, 250, 235)
    haze: RGB = (200, 210, 220)


@dataclass(frozen=True)
class Placed:
    name: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "box": list(self.box)}


@lru_cache(maxsize=512)
def figure(name: str) -> np.ndarray:
    """The figure as float RGBA (0..1), cropped to its visible pixels."""
    with resources.files("easel.tools.engines.offline").joinpath("subjects", f"{name}.png").open("rb") as f:
        rgba = np.asarray(Image.open(f).convert("RGBA"), np.float32) / 255.0
    ys, xs = np.nonzero(rgba[..., 3] > 0.05)
    rgba = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    rgba.setflags(write=False)
    return rgba


def screen_height(subject: Subject) -> float:
    """Height as a fraction of the picture before the scene is fitted: a log scale of the real size, so a
    cat beside a horse stays smaller without vanishing."""
    if subject.place == "sky":
        return float(np.clip(0.07 + 0.05 * math.log10(subject.size / 0.25), 0.05, 0.3))
    return float(np.clip(0.14 + 0.12 * math.log10(subject.size / 0.3), 0.07, 0.62))


@dataclass
class _Slot:
    subject: Subject
    height: float  # pixels
    cx: float
    foot: float  # y of the feet (or waterline, or centre for things in the sky)
    flip: bool


def place_cast(canvas: np.ndarray, cast: Cast, stage: Stage, rng: np.random.Generator) -> list[Placed]:
    """Draw every wanted subject into `canvas` (float RGB), back to front. Returns where each went."""
    slots = layout(cast, canvas.shape[1], canvas.shape[0], stage, rng)
    slots.sort(key=lambda s: (s.subject.place == "bust", s.subject.place != "sky", s.foot))
    return [draw(canvas, s.subject, s.cx, s.foot, s.height, stage, s.flip) for s in slots]


def layout(cast: Cast, w: int, h: int, stage: Stage, rng: np.random.Generator) -> list[_Slot]:
    copies = [(want.subject, want.drawn) for want in cast.wanted]
    groups: dict[str, list[tuple[Subject, int]]] = {"ground": [], "water": [], "sky": [], "bust": []}
    for subject, n in copies:
        place = subject.place if subject.place != "water" or stage.water else "ground"
        groups[place].append((subject, n))
    only_sky = not (groups["ground"] or groups["water"] or groups["bust"])
    slots = _row(groups["ground"], w, h, stage.ground, 0.44, rng)
    if stage.water:
        slots += _row(groups["water"], w, h, stage.water, 0.3, rng)
    slots += _sky(groups["sky"], w, h, stage.horizon, 2.2 if only_sky else 1.0, rng)
    slots += _busts(groups["bust"], w, h, rng)
    return slots


def _row(items: list[tuple[Subject, int]], w: int, h: int, band: tuple[float, float], target: float,
         rng: np.random.Generator) -> list[_Slot]:
    """Things standing (or floating) in a band: the biggest gets `target` of the height, the rest to scale;
    bigger things stand further back; everything fits across the width."""
    if not items:
        return []
    total = sum(n for _, n in items)
    biggest = max(screen_height(s) for s, _ in items)
    k = float(np.clip(target / biggest, 1.0, 4.5))
    crowd = max(0.5, 1.0 - 0.07 * (total - 1))
    instances = [(s, screen_height(s) * k * crowd * h) for s, n in items for _ in range(n)]
    widths = [hgt * _aspect(s) for s, hgt in instances]
    fit = min(1.0, 0.92 * w / max(1.0, sum(widths) * 0.8))
    order = sorted(range(len(instances)), key=lambda i: -instances[i][0].size)
    depth = {i: rank / max(1, len(order) - 1) for rank, i in enumerate(order)} if len(order) > 1 else {order[0]: 0.7}
    xs = _spread(len(instances), w, rng)
    top, bottom = band
    slots = []
    for i, (subject, hgt) in enumerate(instances):
        t = depth[i]
        foot = h * (top + (bottom - top) * (0.25 + 0.75 * t)) + rng.uniform(-0.01, 0.01) * h
        scale = fit * (0.8 + 0.25 * t)
        slots.append(_Slot(subject, hgt * scale, xs[i], foot, bool(rng.random() < 0.35)))
    return slots


def _spread(n: int, w: int, rng: np.random.Generator) -> list[float]:
    if n == 1:
        return [w * rng.uniform(0.42, 0.58)]
    xs = [w * (0.08 + 0.84 * (i + 0.5) / n + rng.uniform(-0.18, 0.18) / n) for i in range(n)]
    return xs


def _sky(items: list[tuple[Subject, int]], w: int, h: int, horizon: int, boost: float,
         rng: np.random.Generator) -> list[_Slot]:
    slots = []
    instances = [s for s, n in items for _ in range(n)]
    xs = _spread(len(instances), w, rng)
    for i, subject in enumerate(instances):
        hgt = screen_height(subject) * boost * h * max(0.55, 1.0 - 0.05 * (len(instances) - 1))
        cy = rng.uniform(0.1, 0.75) * max(h * 0.2, horizon - hgt * 0.6) + hgt * 0.5
        slots.append(_Slot(subject, hgt, xs[i], cy + hgt / 2, bool(rng.random() < 0.5)))
    return slots


def _busts(items: list[tuple[Subject, int]], w: int, h: int, rng: np.random.Generator) -> list[_Slot]:
    instances = [s for s, n in items for _ in range(n)]
    if not instances:
        return []
    hgt = h * max(0.26, 0.52 - 0.07 * (len(instances) - 1))
    xs = _spread(len(instances), w, rng)
    return [_Slot(s, hgt, xs[i], h + 0.03 * h, False) for i, s in enumerate(instances)]


def _aspect(subject: Subject) -> float:
    f = figure(subject.figure)
    return f.shape[1] / f.shape[0]


def draw(canvas: np.ndarray, subject: Subject, cx: float, foot: float, height: float, stage: Stage,
         flip: bool = False) -> Placed:
    """One figure, `height` pixels tall, centred on `cx` with its bottom at `foot`."""
    h, w = canvas.shape[:2]
    src = figure(subject.figure)
    fh = max(4, int(round(height)))
    fw = max(4, int(round(fh * src.shape[1] / src.shape[0])))
    interp = cv2.INTER_AREA if fh < src.shape[0] else cv2.INTER_CUBIC
    fig = np.clip(cv2.resize(src, (fw, fh), interpolation=interp), 0.0, 1.0)
    if flip:
        fig = fig[:, ::-1]
    sink = 0.08 if subject.place == "water" and stage.water else 0.0  # a hull sits in the water
    x0, y0 = int(round(cx - fw / 2)), int(round(foot - fh * (1.0 - sink)))
    depth = float(np.clip((foot - stage.horizon) / max(1.0, h - stage.horizon), 0.0, 1.0))
    grounded = subject.place in ("ground", "water") and foot < h
    if subject.place == "ground" and grounded:
        _shadow(canvas, fig[..., 3], x0, int(foot), stage)
    if subject.place == "water" and stage.water:
        _reflection(canvas, fig, x0, int(foot), stage)
    toward = 0.0 if stage.light_x is None else (1.0 if stage.light_x > cx else -1.0)
    rgb = _lit(fig, stage, depth if subject.place != "sky" else 0.4, toward)
    _blend(canvas, rgb, fig[..., 3], x0, y0)
    box = (max(0, x0), max(0, y0), min(w, x0 + fw), min(h, y0 + fh))
    return Placed(subject.name, box)


def _lit(fig: np.ndarray, stage: Stage, depth: float, toward: float) -> np.ndarray:
    """The scene's light on the figure: overall level, the light's colour, a brighter side towards the
    light, and haze with distance."""
    rgb = fig[..., :3] * _BRIGHTNESS.get(stage.time, 1.0)
    light = np.array(rgb01(stage.light_color), np.float32)
    rgb = rgb * (1.0 - _WARMTH.get(stage.time, 0.1) + _WARMTH.get(stage.time, 0.1) * light / max(light.max(), 1e-3))
    if toward:
        side = np.linspace(-1.0, 1.0, fig.shape[1], dtype=np.float32)[None, :, None]
        rgb = rgb * (1.0 + 0.1 * side * toward)
    haze = np.array(rgb01(stage.haze), np.float32)
    far = 0.32 * (1.0 - depth) ** 2 + (0.12 if stage.time == "night" else 0.0)
    return np.clip(rgb * (1.0 - far) + haze * far, 0.0, 1.0)


def _blend(canvas: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x0: int, y0: int) -> None:
    h, w = canvas.shape[:2]
    fh, fw = alpha.shape
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x0 + fw), min(h, y0 + fh)
    if cx0 >= cx1 or cy0 >= cy1:
        return
    a = alpha[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0, None]
    region = canvas[cy0:cy1, cx0:cx1]
    region += (rgb[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] - region) * a


def _shadow(canvas: np.ndarray, alpha: np.ndarray, x0: int, foot: int, stage: Stage) -> None:
    """A soft contact shadow under the feet and the figure's silhouette cast along the ground, away
    from the light."""
    h, w = canvas.shape[:2]
    fh, fw = alpha.shape
    strength = _SHADOW.get(stage.time, 0.4)
    s = 0.32  # the cast shadow's length against the figure's height
    k = 0.0 if stage.light_x is None else float(np.clip((x0 + fw / 2 - stage.light_x) / (w * 0.35), -1.6, 1.6))
    pad = int(fh * s * (abs(k) + 0.2)) + 8
    left, top = x0 - pad, foot - 4
    rw, rh = fw + 2 * pad, int(fh * s) + 16
    m = np.array([[1.0, -k * s, pad + k * s * fh], [0.0, -s, 4 + s * fh]], np.float32)
    cast = cv2.warpAffine(alpha, m, (rw, rh), flags=cv2.INTER_LINEAR)
    yy, xx = np.mgrid[0:rh, 0:rw].astype(np.float32)
    bottom = alpha[-max(1, fh // 12) :].max(axis=0)
    cols = np.flatnonzero(bottom > 0.2)
    a, b = (cols.min(), cols.max()) if cols.size else (0, fw - 1)
    ex, ey = pad + (a + b) / 2, 4.0
    rx, ry = max(3.0, (b - a) * 0.6 + fw * 0.08), max(2.0, fh * 0.035)
    contact = np.exp(-(((xx - ex) / rx) ** 2 + ((yy - ey) / ry) ** 2) * 2.0)
    shade = np.maximum(cast * 0.55, contact * 0.9)
    shade = cv2.GaussianBlur(shade, (0, 0), max(1.0, fh * 0.012))
    _darken(canvas, shade * strength, left, top)


def _reflection(canvas: np.ndarray, fig: np.ndarray, x0: int, line: int, stage: Stage) -> None:
    """The figure upside down under the waterline, darker, softer and fading with depth."""
    fh, fw = fig.shape[:2]
    mirrored = fig[::-1]
    fade = np.linspace(0.45, 0.0, fh, dtype=np.float32)[:, None]
    alpha = cv2.GaussianBlur(mirrored[..., 3] * fade, (0, 0), max(1.0, fh * 0.01))
    rgb = mirrored[..., :3] * 0.55 * _BRIGHTNESS.get(stage.time, 1.0)
    _blend(canvas, rgb, alpha, x0, line - int(fh * 0.08))


def _darken(canvas: np.ndarray, amount: np.ndarray, x0: int, y0: int) -> None:
    h, w = canvas.shape[:2]
    rh, rw = amount.shape
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x0 + rw), min(h, y0 + rh)
    if cx0 >= cx1 or cy0 >= cy1:
        return
    canvas[cy0:cy1, cx0:cx1] *= 1.0 - amount[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0, None]
