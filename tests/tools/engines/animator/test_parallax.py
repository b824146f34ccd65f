"""Parallax of the painter's own layers: a still Easel painted (its provenance in the file) is painted again
to learn which layer made each pixel, and as the camera pans, near land moves further than far land and the
sky least. A still changed since, or with no provenance, has no layers and moves as one picture."""

from __future__ import annotations

import asyncio
import io

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from easel.tools import provenance
from easel.tools.engines.animator import OfflineAnimator, VideoJob
from easel.tools.engines.animator.layers import painted_layers
from easel.tools.engines.animator.plan import scene_prompt
from easel.tools.engines.base import ImageJob
from easel.tools.engines.offline import OfflineEngine
from easel.tools.engines.offline.scene import FAR_LAND, NEAR_LAND, SKY, WATER

PROMPT = "Snowy mountains behind green rolling hills under a clear blue sky"
SIZE = (640, 360)


def painted(prompt: str, seed: int = 5, style: str | None = None) -> bytes:
    """As the Space keeps a painting: the engine's PNG with its provenance spliced in."""
    result = asyncio.run(OfflineEngine().generate(ImageJob(operation="generate", prompt=prompt, width=SIZE[0],
                                                           height=SIZE[1], seed=seed, style=style)))
    image = result.images[0]
    meta = {"operation": "generate", "prompt": prompt, "model": result.model, "seed": image.seed,
            "style": result.style}
    return provenance.embed(image.data, image.mime_type, meta)


def rgb_of(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture(scope="module")
def hills() -> bytes:
    return painted(PROMPT)


def test_an_easel_painting_gives_back_its_layers_in_depth_order(hills: bytes) -> None:
    found = painted_layers(hills, rgb_of(hills))
    assert found is not None
    layers = found.labels
    shares = np.bincount(layers.ravel(), minlength=4) / layers.size
    assert shares[SKY] > 0.2 and shares[FAR_LAND] > 0.03 and shares[NEAR_LAND] > 0.2 and shares[WATER] == 0
    rows = [np.bincount(layers[y].ravel(), minlength=4).argmax() for y in (5, SIZE[1] - 5)]
    assert rows == [SKY, NEAR_LAND]  # sky at the top, near land at the bottom
    assert found.names == ("sky", "far land", "near land")
    lake = painted("A mountain lake at sunrise")
    assert painted_layers(lake, rgb_of(lake)).names[:3] == ("sky", "far land", "water")  # type: ignore[union-attr]


def test_a_changed_still_or_one_without_provenance_has_no_layers(hills: bytes) -> None:
    rgb = rgb_of(hills).copy()
    rgb[:, : SIZE[0] // 2] = 255 - rgb[:, : SIZE[0] // 2]  # edited since it was painted
    assert painted_layers(hills, rgb) is None
    plain = io.BytesIO()
    Image.fromarray(rgb_of(hills)).save(plain, "PNG")  # the same pixels, the provenance gone
    assert painted_layers(plain.getvalue(), rgb_of(hills)) is None
    logo = painted('A minimalist logo for a coffee shop called "Brew"')
    assert painted_layers(logo, rgb_of(logo)) is None  # not a landscape: no depth to move apart


def band_shift(a: np.ndarray, b: np.ndarray, rows: slice) -> float:
    """How far the band moved sideways between two frames, in pixels (phase correlation)."""
    ga = cv2.cvtColor(a[rows], cv2.COLOR_RGB2GRAY).astype(np.float32)
    gb = cv2.cvtColor(b[rows], cv2.COLOR_RGB2GRAY).astype(np.float32)
    window = cv2.createHanningWindow((ga.shape[1], ga.shape[0]), cv2.CV_32F)
    (dx, _), _ = cv2.phaseCorrelate(ga, gb, window)
    return float(dx)


def first_and_last(video: bytes) -> tuple[np.ndarray, np.ndarray]:
    with av.open(io.BytesIO(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames[0], frames[-1]


def test_as_the_camera_pans_near_land_moves_further_than_far_land_and_the_sky(hills: bytes) -> None:
    job = {"prompt": "pan right", "seconds": 2, "seed": 3, "cfg_scale": 0.0, "motion_bucket_id": 255}
    layered = OfflineAnimator().animate_sync(VideoJob(still=hills, **job))  # type: ignore[arg-type]
    plain_png = io.BytesIO()
    Image.fromarray(rgb_of(hills)).save(plain_png, "PNG")
    flat = OfflineAnimator().animate_sync(VideoJob(still=plain_png.getvalue(), **job))  # type: ignore[arg-type]
    h = SIZE[1]
    sky, near = slice(0, h // 5), slice(h - h // 5, h)
    a, b = first_and_last(layered.video)
    sky_move, near_move = band_shift(a, b, sky), band_shift(a, b, near)
    fa, fb = first_and_last(flat.video)
    flat_sky, flat_near = band_shift(fa, fb, sky), band_shift(fa, fb, near)
    # Panning right, the picture moves left; near land about twice the camera's move, the sky less than it.
    assert near_move < 0 and sky_move < 0, (sky_move, near_move)
    assert abs(near_move) > 2.5 * abs(sky_move), (sky_move, near_move)
    assert abs(flat_near - flat_sky) < 0.15 * abs(flat_near), (flat_sky, flat_near)  # one picture, one move
    assert "parallax of the painter's layers (sky, far land, near land)" in layered.notes[0]
    assert "parallax" not in flat.notes[0]


@pytest.mark.parametrize(("asked", "painted_prompt"), [
    ("Waves at sunset, slow pan", "Waves at sunset"),
    ("rolling hills under a cloudy sky, static camera", "rolling hills under a cloudy sky"),
    ("A lighthouse in a storm with a zoom out", "A lighthouse in a storm"),
    ("a panda in a pantry, panning to the left", "a panda in a pantry"),
    ("the rising sun over a lake", "the rising sun over a lake"),
])
def test_a_video_painted_first_paints_the_scene_not_the_camera_directions(asked: str, painted_prompt: str) -> None:
    assert scene_prompt(asked) == painted_prompt
