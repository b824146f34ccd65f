"""The offline animator (`builtin/animator-1`): a still becomes a short MP4 by real image processing.

It moves a camera over the picture (slow zoom or pan) and adds motion the picture suggests: falling rain or
snow, drifting clouds, shimmering water, flickering city lights. It invents nothing that is not in the
still; `VideoResult.notes` says what it did and what it could not.
"""

from ..video import Stopped, VideoJob, VideoResult
from .engine import OfflineAnimator

__all__ = ["OfflineAnimator", "Stopped", "VideoJob", "VideoResult"]
