"""The sky: gradients by time of day, sun and moon with their glow, stars, clouds and aurorae.

Everything paints into a float canvas (h, w, 3) and an emission layer of the same shape. The
emission layer holds light sources; the scene adds it back with a bloom at the end, which is what
makes a moon or a neon sign glow instead of looking pasted on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .colors import RGB, mix, rgb01
from .intent import SceneSpec
from .raster import FArray, fbm1d, fbm2d, paint, radial, smoothstep, vertical_gradient

# (top, middle, horizon) colours, chosen to look like photographs of each time of day.
_SKIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "day": ((46, 104, 190), (104, 164, 226), (200, 226, 242)),
    "sunrise": ((58, 84, 150), (214, 150, 170), (255, 206, 150)),
    "sunset": ((34, 40, 98), (196, 92, 104), (255, 172, 84)),
    "dusk": ((14, 20, 52), (72, 62, 122), (224, 126, 110)),
    "night": ((3, 6, 18), (10, 18, 44), (30, 44, 84)),
}
_NEON_NIGHT = ((4, 3, 16), (22, 10, 48), (96, 26, 100))


@dataclass
class Sky:
    horizon_color: RGB
    mid_color: RGB
    light: tuple[float, float] | None  # sun or moon centre in pixels, if visible
    light_color: RGB
    is_night: bool


def sky_colors(spec: SceneSpec) -> tuple[RGB, RGB, RGB]:
    top, mid, hor = _NEON_NIGHT if spec.neon and spec.time == "night" else _SKIES[spec.time]
    if spec.colors:
        # A colour word tints the middle and horizon of the sky: "a purple sky", "pink clouds".
        c = spec.colors[0]
        strength = 0.25 if spec.time == "night" else 0.45
        mid, hor = mix(mid, c, strength), mix(hor, c, strength * 0.7)
        top = mix(top, c, strength * 0.3)
    if "rain" in spec.weather or "snow" in spec.weather:
        grey = (150, 156, 166) if spec.time == "day" else (60, 64, 78)
        top, mid, hor = mix(top, grey, 0.6), mix(mid, grey, 0.6), mix(hor, grey, 0.5)
    return top, mid, hor


def paint_sky(canvas: FArray, emission: FArray, horizon: int, spec: SceneSpec, rng: np.random.Generator) -> Sky:
    h, w = canvas.shape[:2]
    top, mid, hor = sky_colors(spec)
    fh = horizon / h
    canvas[:] = vertical_gradient(h, 1, [(0.0, top), (fh * 0.55, mid), (fh, hor), (1.0, hor)])  # broadcasts
    night = spec.time == "night"
    overcast = "rain" in spec.weather or "snow" in spec.weather
    side = 0.28 + 0.44 * ((spec.variant >> 3) % 100) / 100.0
    light: tuple[float, float] | None = None
    light_col: RGB = (255, 244, 220)
    if spec.time in ("sunset", "sunrise"):
        light, light_col = (side * w, horizon - 0.07 * h), (255, 196, 110)
    elif spec.time == "day":
        light = (side * w, 0.16 * h)
    elif night and not spec.neon:  # city light pollution hides the moon in a neon scene
        light, light_col = (side * w, 0.2 * h), (236, 236, 226)
    if spec.time != "night":
        _horizon_glow(canvas, horizon, light, (255, 190, 120) if spec.time != "day" else (255, 250, 235))
    if night and not overcast:
        paint_stars(canvas, emission, horizon, rng, 0.35 if spec.neon else 1.0)
    if spec.aurora and night:
        paint_aurora(canvas, emission, horizon, rng)
    if light and not overcast:
        if night:
            paint_moon(canvas, emission, light, 0.036 * w, rng)
        else:
            paint_sun(canvas, emission, light, 0.045 * w, light_col, spec.time == "day")
    return Sky(
        horizon_color=hor,
        mid_color=mid,
        light=None if overcast else light,
        light_color=light_col,
        is_night=night,
    )


def _low_res(h: int, w: int, fn: object, factor: int = 4) -> FArray:
    """Evaluate a smooth full-frame field at 1/factor size and enlarge it: halos have no fine detail."""
    small = fn(max(1, h // factor), max(1, w // factor), factor)  # type: ignore[operator]
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _horizon_glow(canvas: FArray, horizon: int, light: tuple[float, float] | None, color: RGB) -> None:
    w = canvas.shape[1]
    cx = light[0] if light else w / 2

    def field(sh: int, sw: int, f: int) -> FArray:
        return np.exp(-(radial(sh, sw, cx / f, horizon / f, 0.7 * w / f) ** 2) * 2.2) * 0.28

    glow = _low_res(horizon, w, field)[..., None]
    diff = np.array(rgb01(color), np.float32) - canvas[:horizon]
    diff *= glow
    canvas[:horizon] += diff


def paint_sun(canvas: FArray, emission: FArray, c: tuple[float, float], r: float, col: RGB, high: bool) -> None:
    """A sun is an over-exposed core in a wide glow; a hard-edged disc would read as a moon."""
    h, w = canvas.shape[:2]
    r = r * (0.7 if high else 1.0)
    colv = np.array(rgb01(col), np.float32)

    def field(sh: int, sw: int, f: int) -> FArray:
        d = radial(sh, sw, c[0] / f, c[1] / f, r / f)
        return np.exp(-d * 0.6) * 0.7 + np.exp(-d * 0.15) * (0.2 if high else 0.3)

    canvas += colv * _low_res(h, w, field)[..., None]
    # The core is small: draw it in its own box at full resolution.
    x0, x1 = max(0, int(c[0] - r - 3)), min(w, int(c[0] + r + 4))
    y0, y1 = max(0, int(c[1] - r - 3)), min(h, int(c[1] + r + 4))
    if x1 > x0 and y1 > y0:
        d = radial(y1 - y0, x1 - x0, c[0] - x0, c[1] - y0, r)
        core = np.clip((1.0 - d) * r * 0.5, 0.0, 1.0)[..., None]
        emission[y0:y1, x0:x1] += (colv * 0.4 + 0.6) * core * 1.2


def paint_moon(canvas: FArray, emission: FArray, c: tuple[float, float], r: float, rng: np.random.Generator) -> None:
    h, w = canvas.shape[:2]
    size = int(r * 2 + 4)
    x0, y0 = int(c[0] - size / 2), int(c[1] - size / 2)
    d = radial(size, size, c[0] - x0, c[1] - y0, r)
    disc = np.clip((1.0 - d) * r, 0.0, 1.0)
    # Maria: a little low-frequency darkening, and limb darkening towards the edge.
    maria = fbm2d(rng, size, size, 3, octaves=3)
    tone = (0.82 + 0.18 * smoothstep(0.35, 0.75, maria)) * (1.0 - 0.18 * d**4)
    moon = np.array(rgb01((246, 242, 226)), np.float32) * (tone * disc)[..., None]
    ys, xs = slice(max(0, y0), min(h, y0 + size)), slice(max(0, x0), min(w, x0 + size))
    sub = (slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0))
    canvas[ys, xs] *= (1.0 - disc[sub])[..., None]
    emission[ys, xs] += moon[sub]

    def field(sh: int, sw: int, f: int) -> FArray:
        return np.exp(-radial(sh, sw, c[0] / f, c[1] / f, r / f) * 0.45) * 0.12

    canvas += np.array(rgb01((150, 170, 220)), np.float32) * _low_res(h, w, field)[..., None]


def paint_stars(canvas: FArray, emission: FArray, horizon: int, rng: np.random.Generator, density: float) -> None:
    h, w = canvas.shape[:2]
    n = int(w * horizon / 900 * density)
    ys = (rng.random(n) ** 1.6 * horizon * 0.95).astype(np.int32)  # denser high up, away from the glow
    xs = rng.integers(0, w, n)
    mag = rng.random(n) ** 6
    tint = np.stack([0.9 + 0.1 * rng.random(n), np.full(n, 0.95), 0.9 + 0.1 * rng.random(n)], axis=1)
    fade = 1.0 - smoothstep(0.45, 1.0, ys / max(horizon, 1))
    layer = np.zeros((h, w, 3), np.float32)
    np.add.at(layer, (ys, xs), (tint * (0.25 + 1.6 * mag)[:, None] * fade[:, None]).astype(np.float32))
    layer = cv2.GaussianBlur(layer, (0, 0), 0.6 * max(1.0, w / 1024))
    emission += layer * 2.2


def paint_clouds(canvas: FArray, horizon: int, rng: np.random.Generator, amount: float, sky: Sky, time: str) -> None:
    """Soft cumulus/stratus built from stretched fractal noise, lit from above or from the sun side."""
    h, w = canvas.shape[:2]
    sh, sw = max(8, horizon // 4), max(8, w // 4)
    # Generated half as wide then stretched: clouds are wider than they are tall.
    n = cv2.resize(fbm2d(rng, sh, max(4, sw // 2), 2, octaves=5), (sw, sh), interpolation=cv2.INTER_LINEAR)
    yy = np.linspace(0, 1, sh, dtype=np.float32)[:, None]
    thr = 1.0 - amount
    dens = smoothstep(thr - 0.02, thr + 0.3, n) * smoothstep(0.0, 0.3, yy) * (1.0 - smoothstep(0.8, 1.0, yy))
    below_n = np.roll(n, -max(1, sh // 30), axis=0)
    lit = np.clip((n - below_n) * 10.0 + 0.55, 0.0, 1.0)  # tops facing the light are brighter
    if time == "night":
        dark, bright = (22, 26, 44), (66, 74, 98)
    elif time in ("sunset", "sunrise", "dusk"):
        dark, bright = mix(sky.mid_color, (70, 50, 90), 0.35), mix((255, 186, 130), sky.light_color, 0.4)
    else:
        dark, bright = (178, 186, 200), (255, 255, 255)
    col = np.array(rgb01(dark), np.float32) + (np.array(rgb01(bright), np.float32) - rgb01(dark)) * lit[..., None]
    col = cv2.resize(col, (w, horizon), interpolation=cv2.INTER_CUBIC)
    alpha = cv2.resize(dens, (w, horizon), interpolation=cv2.INTER_CUBIC) * 0.85
    paint(canvas[:horizon], col, np.clip(alpha, 0.0, 1.0))


def paint_aurora(canvas: FArray, emission: FArray, horizon: int, rng: np.random.Generator) -> None:
    """Curtains of light: a sharp green lower hem along a wavy line, rays fading upwards into violet.
    Worked at half size (the light is soft) and enlarged."""
    w = canvas.shape[1]
    sw, sh = max(8, w // 2), max(8, horizon // 2)
    x = np.linspace(0, 1, sw, dtype=np.float32)
    yy = np.arange(sh, dtype=np.float32)[:, None] / sh
    layer = np.zeros((sh, sw, 3), np.float32)
    green, violet = np.array(rgb01((70, 255, 150)), np.float32), np.array(rgb01((150, 80, 255)), np.float32)
    for k in range(2):
        phase = float(rng.uniform(0, 6.28))
        hem = 0.52 + 0.1 * k + 0.09 * np.sin(x * (4 + 2 * k) + phase) + 0.03 * np.sin(x * 13 + 2 * phase)
        rays = 0.35 + 0.65 * (fbm1d(rng, sw, 60, octaves=3) * 0.5 + 0.5) ** 2
        envelope = 0.5 + 0.5 * np.sin(x * 3.0 + phase * 1.7)  # brighter and fainter stretches
        above = np.maximum(hem[None, :] - yy, 0.0)
        intensity = np.exp(-above / 0.16) * smoothstep(-0.015, 0.005, hem[None, :] - yy)
        intensity *= (rays * envelope)[None, :] * (0.7 - 0.2 * k)
        mix_t = np.clip(above / 0.25, 0.0, 1.0)[..., None]
        layer += intensity[..., None] * (green + (violet - green) * mix_t)
    layer = cv2.GaussianBlur(layer, (0, 0), 0.75 * max(1.0, w / 1024))
    emission[:horizon] += cv2.resize(layer, (w, horizon), interpolation=cv2.INTER_LINEAR) * 0.8
