"""The landscape painter: pictures must show what the prompt asks for."""

from __future__ import annotations

import cv2
import numpy as np

from easel.tools.engines.offline.intent import describe_scene, parse_scene
from easel.tools.engines.offline.scene import paint_scene


def paint(prompt: str, size: int = 256, seed: int = 3) -> np.ndarray:
    return paint_scene(parse_scene(prompt), size, size, np.random.default_rng(seed))


def test_neon_city_is_dark_above_with_bright_saturated_neon() -> None:
    img = paint("futuristic cityscape at night with neon lights")
    top = img[: img.shape[0] // 6].astype(np.float32).mean()
    assert top < 40, "the sky above a neon city is dark"
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    vivid = (hsv[..., 1] > 150) & (hsv[..., 2] > 170)
    assert vivid.mean() > 0.002, "there are glowing, saturated neon pixels"
    hues = hsv[..., 0][vivid].astype(int) * 2  # degrees
    magenta, cyan = ((hues > 270) & (hues < 340)).sum(), ((hues > 170) & (hues < 200)).sum()
    assert magenta > 20 and cyan > 20, "both magenta and cyan neon glow in it"


def test_sunset_sky_is_warm_and_day_sky_is_blue() -> None:
    sunset, day = paint("mountains at sunset"), paint("mountains on a sunny day")
    band = slice(int(256 * 0.35), int(256 * 0.45))
    s, d = sunset[band].reshape(-1, 3).mean(0), day[: 256 // 5].reshape(-1, 3).mean(0)
    assert s[0] > s[2], "sunset light is warm near the horizon"
    assert d[2] > d[0], "a day sky is blue"


def test_night_sky_has_points_of_light() -> None:
    img = paint("a starry night over the desert", size=320).astype(np.float32)
    sky = img[: 320 // 3].mean(axis=2)
    assert sky.mean() < 60 and (sky > 150).sum() >= 5


def test_snow_whitens_the_picture() -> None:
    plain, snowy = paint("a pine forest on the hills"), paint("a pine forest on the hills in falling snow")
    assert snowy.mean() > plain.mean() + 10


def test_same_seed_same_pixels_and_seed_changes_them() -> None:
    assert np.array_equal(paint("a lake", seed=5), paint("a lake", seed=5))
    assert not np.array_equal(paint("a lake", seed=5), paint("a lake", seed=6))


def test_non_square_sizes() -> None:
    assert paint_scene(parse_scene("a city skyline"), 300, 140, np.random.default_rng(1)).shape == (
        140,
        300,
        3,
    )


def test_description_names_what_was_painted() -> None:
    text = describe_scene(parse_scene("rainy city at night"))
    assert "city" in text and "rain" in text and "night" in text
