"""The offline image engine: a procedural painter that needs no keys, network or model weights.

`OfflineEngine()` generates scenes, logos, icon sets and diagrams from a prompt, restyles and edits
photos with image-processing pipelines, and composes several images into one.
"""

from .engine import OfflineEngine

__all__ = ["OfflineEngine"]
