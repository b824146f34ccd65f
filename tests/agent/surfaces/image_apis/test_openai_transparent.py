"""`background="transparent"` through the openai SDK over real HTTP: logos, icon sets, stickers and subjects named
without a landscape come back with real alpha (the ground's pixels 0, the mark's 255); a landscape fills its frame,
so it comes back opaque and the reply's `background` says `opaque`; JPEG cannot be transparent (400)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import numpy as np
import openai
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import new_tenant
from tests.conftest import Running, Tenant


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "openai-transparent")


@pytest.fixture(scope="module")
def client(easel: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0, timeout=120) as c:
        yield c


def made(client: openai.OpenAI, prompt: str, **kw: object) -> tuple[Image.Image, str]:
    res = client.images.generate(model="gpt-image-1", prompt=prompt, size="512x512", **kw)  # type: ignore[arg-type]
    assert res.data and res.data[0].b64_json
    image = Image.open(io.BytesIO(base64.b64decode(res.data[0].b64_json)))
    image.load()
    return image, str(res.background)


@pytest.mark.parametrize(("prompt", "fmt", "clear_at_least", "solid_at_least"), [
    ('A minimalist logo for a coffee shop called "Brew"', "png", 0.5, 0.05),
    ("An icon set for a mobile app: home, search, profile, settings", "png", 0.4, 0.1),
    ("A sticker of a cat", "png", 0.3, 0.15),
    ("A red fox", "webp", 0.3, 0.15),
])
def test_graphics_and_subjects_have_real_alpha(client: openai.OpenAI, prompt: str, fmt: str,
                                               clear_at_least: float, solid_at_least: float) -> None:
    image, background = made(client, prompt, background="transparent", output_format=fmt)
    assert image.format == fmt.upper() and image.mode == "RGBA" and background == "transparent"
    alpha = np.asarray(image)[..., 3]
    clear, solid = float((alpha == 0).mean()), float((alpha == 255).mean())
    assert clear >= clear_at_least and solid >= solid_at_least, (clear, solid)
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0  # the ground is see-through
    ys, xs = np.nonzero(alpha == 255)  # and the mark is solid, in the middle of the picture, not at its edges
    assert 100 < ys.mean() < 412 and 100 < xs.mean() < 412
    # Half-transparent pixels are only soft shadows and antialiased edges, never a veil over the whole picture.
    assert float(((alpha > 0) & (alpha < 255)).mean()) < 0.2


def test_the_same_prompt_without_transparency_is_opaque(client: openai.OpenAI) -> None:
    image, background = made(client, "A sticker of a cat")
    assert background == "opaque"
    assert image.mode == "RGB" or np.asarray(image.convert("RGBA"))[..., 3].min() == 255


def test_a_landscape_cannot_be_transparent_and_the_reply_says_so(client: openai.OpenAI) -> None:
    image, background = made(client, "A mountain lake at sunset", background="transparent")
    assert background == "opaque"  # OpenAI's field for the background the image has
    assert image.mode == "RGB"


def test_jpeg_cannot_be_transparent(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="A logo for Brew", background="transparent",
                               output_format="jpeg")
    assert caught.value.param == "background"  # type: ignore[attr-defined]


def test_a_sticker_streams_its_shadow_then_its_border_then_the_figure(client: openai.OpenAI) -> None:
    events = list(client.images.generate(model="gpt-image-1", prompt="A sticker of an owl", size="512x512",
                                         background="transparent", stream=True,
                                         partial_images=2))  # type: ignore[call-overload]
    assert [e.type for e in events] == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    images = [np.asarray(Image.open(io.BytesIO(base64.b64decode(e.b64_json))).convert("RGBA"), np.float32)
              for e in events]
    solid = [int((i[..., 3] == 255).sum()) for i in images]
    assert solid[0] == 0 < solid[1] <= solid[2], solid  # a soft shadow only, then the opaque white border
    border_rgb = images[1][..., :3][images[1][..., 3] == 255]
    assert border_rgb.min() > 240  # the die-cut border is white before the owl is laid on it
    assert np.abs(images[1][..., :3] - images[2][..., :3]).mean() > 5
