"""MP4 that browsers play: H.264, yuv420p, the index at the front (`+faststart`), via PyAV's FFmpeg."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

import av
import cv2
import numpy as np


def encode_mp4(frames: Iterable[np.ndarray], *, size: tuple[int, int], fps: int, crf: int = 23) -> bytes:
    """Frames are uint8 RGB (h, w, 3) of `size`. Two encoder threads, fixed: x264's output then depends only
    on the frames, so the same frames give the same bytes."""
    w, h = size
    fd, path = tempfile.mkstemp(suffix=".mp4")  # +faststart rewrites the file, so it needs a real one
    os.close(fd)
    try:
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.options = {"crf": str(crf), "preset": "veryfast", "threads": "2", "tune": "film"}
            for rgb in frames:
                # RGB to I420 (BT.601, limited range, as the stream is tagged by default) with OpenCV: a sixth
                # of the CPU of letting FFmpeg's swscale convert rgb24 inside the encoder (0.06 s against 0.42 s
                # for 96 frames at 1280x720).
                yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(yuv, format="yuv420p")))
            container.mux(stream.encode(None))
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)
