"""MP4 that browsers play: H.264, yuv420p, the index at the front (`+faststart`), via PyAV's FFmpeg."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

import av
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
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)
