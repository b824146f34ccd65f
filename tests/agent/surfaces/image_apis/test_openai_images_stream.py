"""OpenAI's image streams through the `openai` SDK, unchanged, over real HTTP: `images.generate(stream=True,
partial_images=N)` and `images.edit(stream=True, ...)`. The partial images are the painter's own intermediate
states, so they differ from each other and from the final image, and differ from it most where the painter
had not yet painted (the ground, below a landscape's sky)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import openai
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import decode, new_tenant, space_files
from tests.conftest import Running, Tenant

SCENE = "A mountain lake at sunset with a sailboat"


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "openai-stream")


@pytest.fixture(scope="module")
def client(easel: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0, timeout=120) as c:
        yield c


def pixels(b64: str) -> np.ndarray:
    image = decode(base64.b64decode(b64))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"), np.float32)


def events_of(stream: Any) -> list[Any]:
    return list(stream)


@pytest.mark.parametrize("partials", [0, 1, 2, 3])
def test_generation_streams_partial_images_then_the_completed_image(
        easel: Running, tenant: Tenant, client: openai.OpenAI, partials: int) -> None:
    events = events_of(client.images.generate(model="gpt-image-1", prompt=SCENE, size="512x384", stream=True,
                                              partial_images=partials, extra_body={"seed": 7}))  # type: ignore[call-overload]
    kinds = [e.type for e in events]
    assert kinds == ["image_generation.partial_image"] * partials + ["image_generation.completed"]
    assert [e.partial_image_index for e in events[:-1]] == list(range(partials))
    for e in events[:-1]:
        assert (e.size, e.quality, e.background, e.output_format) == ("512x384", "auto", "auto", "png")
        assert e.created_at > 0
    done = events[-1]
    assert (done.size, done.output_format, done.background) == ("512x384", "png", "opaque")  # as made
    assert done.usage.input_tokens == done.usage.input_tokens_details.text_tokens > 0
    final = pixels(done.b64_json)
    assert final.shape == (384, 512, 3)
    states = [pixels(e.b64_json) for e in events[:-1]]
    for i, state in enumerate(states):
        assert state.shape == final.shape
        assert np.abs(state - final).mean() > 2.0, f"partial {i} is the final image"
        for other in states[i + 1:]:
            assert np.abs(state - other).mean() > 1.0, "two partial images are the same"
    # The completed image is the one kept in the Space, byte for byte.
    file_id = done.file_id  # type: ignore[attr-defined]
    assert file_id in {f["fileId"] for f in space_files(easel, tenant)}
    stored = httpx.get(f"{easel.url}/v1/storage/files/{file_id}/content", headers=tenant.headers)
    assert stored.content == base64.b64decode(done.b64_json)


def test_partials_are_the_painters_own_states_not_a_blur_of_the_final_image(client: openai.OpenAI) -> None:
    """The first state of a landscape is its sky: near the final image at the top, nothing like it below the
    horizon, where the land is not painted yet. A blurred or reduced copy of the final image would be about
    as far from it everywhere."""
    events = events_of(client.images.generate(model="gpt-image-1", prompt=SCENE, size="512x512", stream=True,
                                              partial_images=3, extra_body={"seed": 11}))  # type: ignore[call-overload]
    final = pixels(events[-1].b64_json)
    sky_only = pixels(events[0].b64_json)
    top = np.abs(sky_only[:120] - final[:120]).mean()
    bottom = np.abs(sky_only[-120:] - final[-120:]).mean()
    assert bottom > 4 * top and bottom > 20, (top, bottom)
    # Each later state has more of the picture: it is closer to the final image than the one before.
    gaps = [np.abs(pixels(e.b64_json) - final).mean() for e in events[:-1]]
    assert gaps == sorted(gaps, reverse=True), gaps


def test_a_logo_streams_its_ground_then_its_emblem_with_transparency(client: openai.OpenAI) -> None:
    events = events_of(client.images.generate(model="gpt-image-1", prompt="A logo for a coffee shop called Bean There",
                                              size="512x512", stream=True, partial_images=2,
                                              background="transparent",
                                              extra_body={"seed": 5}))  # type: ignore[call-overload]
    assert [e.type for e in events] == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    images = [decode(base64.b64decode(e.b64_json)) for e in events]
    assert all(i.mode == "RGBA" for i in images)
    alphas = [np.asarray(i)[..., 3] for i in images]
    # The emblem's ground, then the emblem on it (same coverage, new ink), then the lettering around them;
    # the corners stay clear throughout.
    opaque = [int((a == 255).sum()) for a in alphas]
    assert 0 < opaque[0] <= opaque[1] < opaque[2], opaque
    rgb = [np.asarray(i, np.float32)[..., :3] for i in images]
    changed = [float((np.abs(a - b).max(axis=-1) > 30).mean()) for a, b in ((rgb[0], rgb[1]), (rgb[1], rgb[2]))]
    assert changed[0] > 0.002 and changed[1] > 0.01, changed  # the emblem's ink, then the lettering
    assert all(a[0, 0] == 0 and a[-1, -1] == 0 for a in alphas)
    assert events[-1].background == "transparent"


def test_edit_streams_partial_images_then_the_completed_image(easel: Running, tenant: Tenant,
                                                              client: openai.OpenAI) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (70, 120, 170)).save(photo, format="PNG")
    photo.seek(0)
    events = events_of(client.images.edit(
        model="gpt-image-1", image=("p.png", photo, "image/png"), stream=True, partial_images=2,
        prompt="Make it warmer, add snow and write 'Hello' at the top"))  # type: ignore[call-overload]
    assert [e.type for e in events] == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    assert [e.partial_image_index for e in events[:-1]] == [0, 1]
    final = pixels(events[-1].b64_json)
    states = [pixels(e.b64_json) for e in events[:-1]]
    assert final.shape == states[0].shape == (240, 320, 3)
    assert np.abs(states[0] - states[1]).mean() > 1.0 and np.abs(states[1] - final).mean() > 0.5
    assert events[-1].usage.total_tokens > 0


def test_an_edit_of_one_change_has_no_intermediate_state_and_sends_the_completed_image(
        client: openai.OpenAI) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (64, 64), (70, 120, 170)).save(photo, format="PNG")
    photo.seek(0)
    events = events_of(client.images.edit(model="gpt-image-1", image=("p.png", photo, "image/png"), stream=True,
                                          partial_images=3, prompt="Make it warmer"))  # type: ignore[call-overload]
    assert [e.type for e in events] == ["image_edit.completed"]


def test_stream_errors_before_painting_are_ordinary_openai_errors(easel: Running, tenant: Tenant,
                                                                   client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.images.generate(prompt="", stream=True, partial_images=2)  # type: ignore[call-overload]
    assert bad.value.code == "invalid_prompt"
    with pytest.raises(openai.BadRequestError) as needs_stream:
        client.images.generate(prompt="a kite", partial_images=2)
    assert needs_stream.value.param == "partial_images"
    with pytest.raises(openai.BadRequestError) as too_many:
        client.images.generate(prompt="a kite", stream=True, partial_images=4)  # type: ignore[call-overload]
    assert too_many.value.param == "partial_images"
    # An edit the painter cannot do fails before the first event: a 422 in OpenAI's shape, not a broken stream.
    r = httpx.post(easel.url + "/v1/images/edits", headers=tenant.headers, timeout=120,
                   data={"prompt": "Turn the cat into a spaceship", "stream": "true", "partial_images": "2"},
                   files={"image": ("a.png", _png(), "image/png")})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == "generation_failed"


def test_the_wire_is_openai_sse_with_event_names(easel: Running, tenant: Tenant) -> None:
    with httpx.stream("POST", easel.url + "/v1/images/generations", headers=tenant.headers, timeout=120,
                      json={"prompt": SCENE, "size": "256x256", "stream": True, "partial_images": 1}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = r.read().decode()
    blocks = [b for b in body.split("\n\n") if b]
    names = [b.split("\n")[0] for b in blocks]
    assert names == ["event: image_generation.partial_image", "event: image_generation.completed"]
    assert all(b.split("\n")[1].startswith("data: {") for b in blocks)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(buf, format="PNG")
    return buf.getvalue()
