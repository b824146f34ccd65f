"""Composing a landscape from a `SceneSpec`: sky, far land, city, water, near land, weather, light.

Layer order matters: everything above the horizon is painted before the water so the reflection
contains it, and light (emission) is bloomed last so glows spread over everything in front.
"""

from __future__ import annotations

import numpy as np

from .city import CityStyle, city
from .colors import RGB, mix
from .figures import Placed, Stage, place_cast
from .intent import SceneSpec
from .land import dunes, far_hills, forest, hills, mountains, shore
from .raster import bloom, tonemap_u8, vignette
from .sky import Sky, paint_clouds, paint_sky
from .stages import Stages
from .subjects import Cast
from .water import reflect
from .weather import fog, rain, snow

# Per time of day: mountain, meadow, forest, sand, water, city wall.
_LAND: dict[str, tuple[RGB, RGB, RGB, RGB, RGB, RGB]] = {
    "day": ((74, 92, 122), (86, 142, 72), (26, 62, 44), (224, 178, 118), (36, 86, 124), (118, 128, 146)),
    "sunrise": ((92, 82, 124), (98, 128, 78), (38, 44, 52), (226, 164, 120), (86, 84, 120), (96, 92, 118)),
    "sunset": ((82, 58, 98), (96, 92, 56), (36, 26, 40), (214, 132, 90), (72, 48, 78), (70, 58, 84)),
    "dusk": ((44, 42, 74), (40, 52, 48), (16, 16, 28), (120, 92, 100), (30, 30, 56), (40, 38, 62)),
    "night": ((16, 20, 38), (16, 26, 28), (6, 9, 14), (44, 44, 62), (8, 12, 26), (18, 20, 34)),
}


def paint_scene(spec: SceneSpec, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """Render the scene to a uint8 RGB array."""
    return paint_cast(spec, Cast(), w, h, rng)[0]


# The painter's depth layers, as `layers` labels them (the animator moves them apart: parallax).
SKY, FAR_LAND, WATER, NEAR_LAND = 0, 1, 2, 3


class _Layers:
    """Labels each pixel with the layer that last painted it, by comparing the canvas before and after."""

    def __init__(self, out: np.ndarray | None, canvas: np.ndarray) -> None:
        self.out, self.canvas = out, canvas
        self.before = canvas.copy() if out is not None else None
        if out is not None:
            out[:] = SKY

    def painted(self, label: int) -> None:
        if self.out is None or self.before is None:
            return
        changed = np.abs(self.canvas - self.before).max(axis=2) > 1e-3
        self.out[changed] = label
        self.before[:] = self.canvas


def paint_cast(
    spec: SceneSpec, cast: Cast, w: int, h: int, rng: np.random.Generator, stages: Stages | None = None,
    layers: np.ndarray | None = None,
) -> tuple[np.ndarray, list[Placed]]:
    """Render the scene with the cast's subjects standing in it (before the weather falls on them).
    Returns the pixels and where each subject went. `stages` sees the sky, the far layers (when there are
    any), the ground and the cast (when there is one): the work as it stands, before weather and glow.
    `layers`, a uint8 (h, w) array, is filled with the layer of each pixel (SKY, FAR_LAND, WATER, NEAR_LAND;
    subjects count as near), at a few copies' cost."""
    canvas = np.zeros((h, w, 3), np.float32)
    emission = np.zeros((h, w, 3), np.float32)
    subjects = spec.subjects
    grounded = bool(subjects & {"hills", "desert", "forest"})
    # A city with nothing else to stand on gets a river or, at night, a wet street to reflect it.
    mirror = "water" in subjects or ("city" in subjects and not grounded)
    far_layers = bool(subjects & {"mountains", "city"}) or (mirror and bool(subjects & {"hills", "forest"}))
    stages = stages or Stages(0)
    stages.plan(2 + far_layers + bool(cast.wanted))

    def state() -> np.ndarray:
        return tonemap_u8(canvas)
    wet_street = mirror and "water" not in subjects and (spec.neon or "rain" in spec.weather)
    horizon = int(h * (0.62 if mirror else 0.66))
    sky = paint_sky(canvas, emission, horizon, spec, rng)
    scale = w / 1024
    # Sky lights glow now, so land painted later hides them (a moon must not shine through a hill).
    bloom(canvas, emission, (3 * scale, 12 * scale, 40 * scale), 0.9)
    emission[:] = 0.0
    if spec.cloudiness > 0.05:
        paint_clouds(canvas, horizon, rng, spec.cloudiness, sky, spec.time)
    stages(state)
    labels = _Layers(layers, canvas)  # everything so far is sky
    mountain_c, meadow_c, forest_c, sand_c, water_c, wall_c = _palette(spec)
    haze = sky.horizon_color
    light_x = sky.light[0] if sky.light else w * 0.5
    if "mountains" in subjects:
        snowy = "desert" not in subjects
        # Against a low sun, distant ranges take the sky's middle colour, not the bright horizon.
        far = haze if spec.time in ("day", "night") else mix(sky.horizon_color, sky.mid_color, 0.6)
        mountains(
            canvas,
            rng,
            horizon,
            far,
            mountain_c,
            light_x,
            snowy,
            layers=3 if not grounded else 2,
            glow=sky.light_color,
        )
    if "city" in subjects:
        style = CityStyle(night=sky.is_night or spec.time == "dusk", neon=spec.neon, haze=haze, wall=wall_c)
        city(canvas, emission, rng, horizon, style)
    if "hills" in subjects and mirror:
        far_hills(canvas, rng, horizon, haze, meadow_c)
    if "forest" in subjects and mirror:
        forest(
            canvas,
            rng,
            horizon - 0.004 * h,
            horizon,
            haze,
            forest_c,
            forest_c,
            rows=2,
            tree_h=0.07,
            ground_to=horizon,
        )
    if far_layers:
        stages(state)
    labels.painted(FAR_LAND)
    if mirror:
        reflect(canvas, emission, horizon, rng, water_c, light_x if sky.light else None, wet_street)
        labels.painted(WATER)
        if "beach" in subjects:
            shore(canvas, rng, haze, sand_c)
    else:
        _foreground(canvas, rng, spec, horizon, haze, (meadow_c, forest_c, sand_c), light_x)
    stages(state)
    placed: list[Placed] = []
    if cast.wanted:
        stage = _stage(spec, h, horizon, mirror, sky, haze)
        placed = place_cast(canvas, cast, stage, np.random.default_rng(rng.integers(2**31)))
        stages(state)
    labels.painted(NEAR_LAND)
    _weather(canvas, rng, spec, horizon, haze)
    strength = 1.7 if spec.neon else (1.1 if sky.is_night else 0.6)
    bloom(canvas, emission, (3 * scale, 10 * scale, 32 * scale), strength)
    vignette(canvas, 0.28 if sky.is_night else 0.16)
    return tonemap_u8(canvas), placed


def _stage(spec: SceneSpec, h: int, horizon: int, mirror: bool, sky: Sky, haze: RGB) -> Stage:
    """Where the cast may stand: on the beach in front of water, else on the land below the horizon."""
    hz = horizon / h
    ground = (0.86, 0.97) if mirror else (hz + 0.3 * (1 - hz), 0.97)
    water = (hz + 0.08 * (1 - hz), min(0.8, hz + 0.55 * (1 - hz))) if mirror else None
    light_x = sky.light[0] if sky.light else None
    return Stage(horizon, ground, water, spec.time, light_x, sky.light_color, haze)


def _palette(spec: SceneSpec) -> tuple[RGB, RGB, RGB, RGB, RGB, RGB]:
    mountain_c, meadow_c, forest_c, sand_c, water_c, wall_c = _LAND[spec.time]
    if spec.neon:
        water_c, wall_c = (10, 6, 22), (14, 12, 30)
    for subject, colour in spec.land_colors:
        # A colour word naming a subject colours it ("a red desert", "golden fields", "purple mountains").
        if subject == "mountains":
            mountain_c = mix(mountain_c, colour, 0.55)
        elif subject == "hills":
            meadow_c = mix(meadow_c, colour, 0.6)
        elif subject == "forest":
            forest_c = mix(forest_c, colour, 0.6)
        elif subject == "desert":
            sand_c = mix(sand_c, colour, 0.6)
        elif subject == "water":
            water_c = mix(water_c, colour, 0.6)
        elif subject == "city":
            wall_c = mix(wall_c, colour, 0.5)
    if "snow" in spec.weather:
        meadow_c = mix(meadow_c, (228, 234, 244), 0.75)
        sand_c = mix(sand_c, (228, 234, 244), 0.6)
    return mountain_c, meadow_c, forest_c, sand_c, water_c, wall_c


def _foreground(
    canvas: np.ndarray,
    rng: np.random.Generator,
    spec: SceneSpec,
    horizon: int,
    haze: RGB,
    colours: tuple[RGB, RGB, RGB],
    light_x: float,
) -> None:
    meadow_c, forest_c, sand_c = colours
    subjects = spec.subjects
    if "desert" in subjects:
        dunes(canvas, rng, horizon, haze, sand_c, light_x)
    elif "hills" in subjects or "forest" not in subjects:
        hills(canvas, rng, horizon, haze, meadow_c, layers=3 if "forest" not in subjects else 2)
    if "forest" in subjects:
        h = canvas.shape[0]
        if "hills" in subjects:
            forest(
                canvas,
                rng,
                horizon - 0.01 * h,
                horizon + 0.08 * h,
                haze,
                forest_c,
                meadow_c,
                rows=2,
                tree_h=0.1,
                ground_to=int(horizon + 0.1 * h),
            )
        else:
            forest(canvas, rng, horizon - 0.01 * h, h * 0.93, haze, forest_c, meadow_c, rows=4, tree_h=0.26)


def _weather(canvas: np.ndarray, rng: np.random.Generator, spec: SceneSpec, horizon: int, haze: RGB) -> None:
    if "fog" in spec.weather:
        fog(canvas, rng, horizon, 0.5, mix(haze, (220, 224, 230), 0.4 if spec.time != "night" else 0.1))
    if "rain" in spec.weather:
        rain(canvas, rng, 1.0)
    if "snow" in spec.weather:
        snow(canvas, rng, 1.0)
