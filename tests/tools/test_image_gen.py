from __future__ import annotations

import pytest

from easel.tools.engines.base import ImageJob, SourceImage
from easel.tools.image_gen import file_stem, slug


def _src(name: str) -> SourceImage:
    return SourceImage(file_id="file-1", data=b"", mime_type="image/png", name=name)


@pytest.mark.parametrize(("job", "style", "stem"), [
    (ImageJob("generate", "Create an image of a futuristic cityscape at night"), None, "futuristic-cityscape-night"),
    (ImageJob("style_transfer", "Render it as a pencil sketch", sources=(_src("beach.png"),)), "pencil sketch",
     "beach-pencil-sketch"),
    (ImageJob("edit", "Edit this image to add rain", sources=(_src("beach.jpg"),)), None, "beach-rain"),
    (ImageJob("edit", "make it darker", sources=(_src("city.png"),)), None, "city-darker"),
    (ImageJob("compose", "Combine these two side by side", sources=(_src("a.png"), _src("b.png"))), None,
     "a-combined"),
])
def test_names_say_what_the_image_is(job: ImageJob, style: str | None, stem: str) -> None:
    assert file_stem(job, style) == stem


def test_slug_never_empty() -> None:
    assert slug("make this image") == "image"
