"""The offline animator's work on a still (`engine.OfflineAnimator`): read the scene, plan the motion, render
and encode the frames. OpenCV, numpy, PyAV and the painter's modules take over half a second to import, so
this module is imported by the first video job (on its worker thread), not when the server starts."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.offline.scene import SKY, WATER

from ..video import Progress, Stopped, VideoJob, VideoResult
from .encode import encode_mp4
from .engine import FPS, output_size
from .frames import depth_map, render
from .layers import painted_layers
from .plan import plan_for
from .scene import describe


def _soft(mask: np.ndarray) -> np.ndarray:
    k = max(3, (mask.shape[1] // 160) | 1)
    return cv2.GaussianBlur(mask.astype(np.float32), (k, k), 0)


def animate(job: VideoJob, progress: Progress | None, model: str) -> VideoResult:
    """The clip and its poster; `job.seconds` and `job.still` are checked by the caller."""
    assert job.still is not None
    try:
        with Image.open(io.BytesIO(job.still)) as img:
            rgb = np.asarray(img.convert("RGB"))
    except Exception as exc:  # Pillow raises many kinds for a bad file; all mean the same here
        raise EaselError(415, "invalid_image", "The still is not a decodable image") from exc
    size = output_size((rgb.shape[1], rgb.shape[0]), job.width, job.height)
    masks = describe(rgb)
    painted = painted_layers(job.still, rgb)
    layers = painted.labels if painted is not None else None
    if painted is not None and layers is not None:  # the painter says what is where: no need to guess
        masks["sky"] = _soft(layers == SKY) if (layers == SKY).mean() > 0.02 else None
        masks["water"] = _soft(layers == WATER) if (layers == WATER).mean() > 0.02 else None
        if "city" not in painted.subjects:  # bright spots in a landscape are the sun and its glints
            masks["city_lights"] = None
    known = {name: masks[name] is not None or name in job.scene for name in masks}
    plan = plan_for(job.prompt, motion_bucket_id=job.motion_bucket_id, cfg_scale=job.cfg_scale,
                    seed=job.seed, scene={**known, "layers": layers is not None})
    # Work on the still at the size the camera needs (the frame plus its travel; with parallax, near land
    # travels twice as far), not at its own.
    margin = plan.travel * (2.0 if plan.parallax else 1.0)
    k = max(size[0] / rgb.shape[1], size[1] / rgb.shape[0]) * (1.0 + margin)
    wsize = (round(rgb.shape[1] * k), round(rgb.shape[0] * k))
    work = cv2.resize(rgb, wsize, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    masks = {n: (cv2.resize(m, wsize) if m is not None else None) for n, m in masks.items()}
    depth = None
    if plan.parallax and layers is not None:
        depth = depth_map(cv2.resize(layers, wsize, interpolation=cv2.INTER_NEAREST))
    frames = job.seconds * FPS
    poster: list[np.ndarray] = []

    def keep_first(stream):  # type: ignore[no-untyped-def]
        for i, frame in enumerate(stream):
            if i == 0:
                poster.append(frame)
            if progress is not None and not progress(i / frames):
                raise Stopped("stopped on request")
            yield frame

    video = encode_mp4(keep_first(render(work, plan, masks, size=size, frames=frames, fps=FPS,
                                         seed=job.seed, depth=depth)), size=size, fps=FPS)
    out = io.BytesIO()
    # zlib level 3: 0.08 s for a 1280x720 poster against 0.19 s at Pillow's default 6, for a quarter more bytes.
    Image.fromarray(poster[0]).save(out, "PNG", compress_level=3)
    notes = list(plan.notes)
    moved = [plan.camera.replace("_", " ")] + [name for name, on in (
        (f"parallax of the painter's layers ({', '.join(painted.names if painted else ())})", plan.parallax),
        ("falling " + (plan.weather or ""), plan.weather),
        ("drifting clouds", plan.clouds and masks["sky"] is not None),
        ("water shimmer", plan.shimmer and masks["water"] is not None),
        ("flickering lights", plan.lights and masks["city_lights"] is not None)) if on]
    notes.insert(0, "Offline animation (camera and weather, not generated motion): " + ", ".join(moved) + ".")
    return VideoResult(video=video, poster=out.getvalue(), width=size[0], height=size[1], fps=FPS,
                       frames=frames, seconds=float(job.seconds), model=model, notes=tuple(notes))
