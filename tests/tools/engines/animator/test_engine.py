"""The offline animator: real MP4s (H.264, yuv420p, index first) with the frames asked for, motion that the
knobs control, the same bytes for the same seed, and notes that say what it did and could not do."""

from __future__ import annotations

import asyncio
import io

import av
import numpy as np
import pytest
from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.animator import OfflineAnimator, VideoJob
from easel.tools.engines.base import ImageJob
from easel.tools.engines.offline import OfflineEngine


def painted(prompt: str, size: tuple[int, int] = (480, 270)) -> bytes:
    job = ImageJob(operation="generate", prompt=prompt, width=size[0], height=size[1], seed=5)
    return asyncio.run(OfflineEngine().generate(job)).images[0].data


def decoded(video: bytes) -> tuple[list[np.ndarray], av.video.stream.VideoStream]:
    container = av.open(io.BytesIO(video))
    stream = container.streams.video[0]
    frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    return frames, stream


def animate(**kw: object) -> object:
    return OfflineAnimator().animate_sync(VideoJob(**kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def city() -> bytes:
    return painted("A futuristic cityscape at night with neon lights")


def test_a_clip_is_browser_playable_h264_with_the_frames_asked_for(city: bytes) -> None:
    result = animate(prompt="slow zoom", still=city, seconds=2, seed=1)
    frames, stream = decoded(result.video)
    assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
    assert len(frames) == 48 == result.frames and (result.fps, result.seconds) == (24, 2.0)
    assert frames[0].shape == (270, 480, 3) and (result.width, result.height) == (480, 270)
    assert result.video.index(b"moov") < result.video.index(b"mdat")  # +faststart: playable while loading
    poster = Image.open(io.BytesIO(result.poster))
    assert (poster.format, poster.size) == ("PNG", (480, 270))


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(city: bytes) -> None:
    a = animate(prompt="pan", still=city, seconds=2, seed=3)
    b = animate(prompt="pan", still=city, seconds=2, seed=3)
    c = animate(prompt="pan", still=city, seconds=2, seed=4, motion_bucket_id=200)
    assert a.video == b.video and a.video != c.video


def travel(result: object) -> float:
    frames, _ = decoded(result.video)  # type: ignore[attr-defined]
    return float(np.abs(frames[0].astype(np.int16) - frames[-1].astype(np.int16)).mean())


def test_cfg_scale_keeps_the_clip_close_to_the_still_and_motion_bucket_moves_it() -> None:
    photo = painted("A mountain lake at sunrise")
    loose = animate(prompt="zoom in", still=photo, seconds=2, cfg_scale=0.0, motion_bucket_id=255)
    tight = animate(prompt="zoom in", still=photo, seconds=2, cfg_scale=10.0, motion_bucket_id=255)
    calm = animate(prompt="zoom in", still=photo, seconds=2, cfg_scale=0.0, motion_bucket_id=1)
    assert travel(loose) > 2 * travel(tight) and travel(loose) > travel(calm)


def test_snow_falls_over_a_still_camera() -> None:
    photo = painted("A quiet village street")
    result = animate(prompt="static camera, snow falling", still=photo, seconds=2, seed=2)
    frames, _ = decoded(result.video)
    moving = np.abs(frames[10].astype(np.int16) - frames[11].astype(np.int16)).max(axis=2) > 60
    assert moving.mean() > 0.002  # flakes move between two frames while the camera barely does
    assert "falling snow" in result.notes[0]


def test_the_notes_say_what_it_cannot_animate(city: bytes) -> None:
    result = animate(prompt="the people walk across the street", still=city, seconds=2)
    assert any("not the subjects" in n for n in result.notes)
    assert result.notes[0].startswith("Offline animation (camera and weather, not generated motion)")


@pytest.mark.parametrize(("job", "code"), [
    ({"prompt": "x", "still": b"not an image"}, "invalid_image"),
    ({"prompt": "x", "still": b"", "seconds": 9}, "invalid_request"),
])
def test_bad_jobs_are_refused_by_name(job: dict[str, object], code: str) -> None:
    with pytest.raises(EaselError) as caught:
        animate(**job)
    assert caught.value.code == code
