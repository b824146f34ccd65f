"""Images through `/v1/chat` as users ask for them: seed 000's examples on the offline defaults, and a
real litellm image model (a fake OpenAI-compatible images upstream on loopback) behind the offline router."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from PIL import Image

from easel.tools import provenance
from tests.backends import ServicePool
from tests.conftest import Running, Tenant, start_with_litellm_painter, start_with_two_tenants
from tests.fakes.images_upstream import FakeImagesUpstream


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
            backend_name: str) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("offline"), backend=service_pool.backend(backend_name))
    yield running
    running.server.stop()


def turn(served: Running, text: str, *, who: Tenant | None = None, **extra: Any) -> dict[str, Any]:
    who = who or served.alice
    body = {"messages": [{"role": "user", "content": text}], "workspace_id": who.workspace_id,
            "tools": ["image_gen"], **extra}
    r = httpx.post(served.url + "/v1/chat", json=body, headers=who.headers, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def pixels(served: Running, media: dict[str, Any]) -> np.ndarray:
    data = httpx.get(media["url"], timeout=30).content
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(np.float32)


def upload(served: Running, data: bytes, name: str = "photo.png") -> str:
    with served.client(served.alice) as c:
        return c.post("/v1/storage/files", files={"file": (name, data, "image/png")}).json()["fileId"]


@pytest.fixture(scope="module")
def photo(offline: Running) -> str:
    made = turn(offline, "A photo of mountains above a lake with a forest on a clear day", seed=None)
    data = httpx.get(made["media"][0]["url"]).content
    return upload(offline, data)


def test_neon_cityscape_is_a_night_city(offline: Running) -> None:
    done = turn(offline, "Create an image of a futuristic cityscape at night with neon lights")
    media = done["media"][0]
    assert media["metadata"]["operation"] == "generate" and media["metadata"]["model"] == "builtin/painter-1"
    img = pixels(offline, media)
    top = img[: img.shape[0] // 4].mean()
    assert top < 70  # a dark night sky
    sat = img.max(axis=2) - img.min(axis=2)
    assert (sat > 120).mean() > 0.005  # saturated neon somewhere
    # The reply names the file it made, as it was stored.
    assert f"I created {media['name']} ({media['width']}x{media['height']}, " in done["response"]


def ink(img: np.ndarray) -> np.ndarray:
    """What is drawn: pixels unlike the ground (the commonest colour of the border)."""
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]]).astype(np.int16)
    colours, counts = np.unique(border.reshape(-1, 3), axis=0, return_counts=True)
    ground = colours[counts.argmax()]
    return (np.abs(img.astype(np.int16) - ground).max(axis=2) > 24).astype(np.uint8)


def marks(drawn: np.ndarray) -> list[tuple[float, float, int]]:
    """Separate marks (centre x, centre y as fractions, area): ink closer than 6% of the width is one mark."""
    h, w = drawn.shape
    k = int(0.06 * w) | 1
    count, _, stats, centres = cv2.connectedComponentsWithStats(cv2.dilate(drawn, np.ones((k, k), np.uint8)))
    return [(c[0] / w, c[1] / h, int(s[4])) for s, c in zip(stats[1:], centres[1:], strict=True)
            if s[4] > 0.005 * h * w]


def boxes_joined(drawn: np.ndarray) -> list[int]:
    """How many boxes (rectangular outlines, at least 8% wide) each connected piece of ink holds: a piece
    with two or more is boxes joined by lines."""
    h, w = drawn.shape
    _, labels = cv2.connectedComponents(drawn)
    contours, _ = cv2.findContours(drawn, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    per_piece: dict[int, int] = {}
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        rectangular = cv2.contourArea(contour) > 0.9 * bw * bh
        if bw >= 0.08 * w and bh >= 0.05 * h and rectangular:
            piece = int(labels[contour[0][0][1], contour[0][0][0]])
            per_piece[piece] = per_piece.get(piece, 0) + 1
    return sorted(per_piece.values())


def layout(img: np.ndarray) -> str | None:
    """Which kind of graphic the pixels are: an icon set (four or more separate marks of about one size, in at
    least two rows and two columns, none joined to another), a diagram (boxes joined by lines), or a logo (one
    composition centred in the picture, with plain ground of at least a tenth of the picture on every side)."""
    drawn = ink(img)
    h, w = drawn.shape
    found = marks(drawn)
    joined = boxes_joined(drawn)
    areas = [a for _, _, a in found]
    columns = {round(x * 4) for x, _, _ in found}
    rows = {round(y * 4) for _, y, _ in found}
    if len(found) >= 4 and max(areas) < 1.3 * min(areas) and len(columns) >= 2 and len(rows) >= 2 \
            and max(joined, default=0) <= 1:
        return "icon set"
    if sum(joined) >= 4 and max(joined) >= 2:
        return "diagram"
    ys, xs = np.nonzero(drawn)
    if len(xs) == 0:
        return None
    left, top, right, bottom = xs.min() / w, ys.min() / h, 1 - xs.max() / w, 1 - ys.max() / h
    if min(left, top, right, bottom) >= 0.1 and abs(left - right) < 0.05 and abs(top - bottom) < 0.08 \
            and max(joined, default=0) <= 1:
        return "logo"
    return None


def test_logo_icons_and_diagram_are_what_was_asked(offline: Running) -> None:
    for prompt, expected in [('Generate a minimalist logo for a coffee shop called "Brew"', "logo"),
                             ("Create an icon set for a mobile app — home, search, profile, settings", "icon set"),
                             ("Draw a technical diagram showing a load balancer architecture", "diagram")]:
        media = turn(offline, prompt)["media"][0]
        assert layout(pixels(offline, media).astype(np.uint8)) == expected, prompt


def test_styles_and_edits_of_an_upload_differ_from_each_other(offline: Running, photo: str) -> None:
    asks = ["Render this photo as a pencil sketch", "Apply a watercolor style to my uploaded photo",
            "Render this image as an oil painting", "Make this photo pop art", "Turn this photo into anime",
            "Make this photo pixel art", "Edit this image to add rain", "Add falling snow to this image"]
    results = {}
    for ask in asks:
        done = turn(offline, ask, file_ids=[photo])
        media = done["media"][0]
        assert media["metadata"]["source_file_ids"] == [photo]
        assert media["metadata"]["operation"] in ("style_transfer", "edit")
        results[ask] = pixels(offline, media)
    sketch = results["Render this photo as a pencil sketch"]
    assert np.abs(sketch[..., 0] - sketch[..., 2]).mean() < 4  # grey
    pixel_art = results["Make this photo pixel art"].astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(pixel_art, axis=0)) < 64
    names = list(results)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.abs(results[a] - results[b]).mean() > 4, (a, b)


def test_make_it_darker_edits_the_image_of_the_turn_before(offline: Running) -> None:
    first = turn(offline, "Create an image of a mountain landscape at sunrise")
    made = first["media"][0]
    via_conversation = turn(offline, "make it darker", conversation_id=first["conversation_id"])
    replay = {"messages": [{"role": "user", "content": "Create an image of a mountain landscape at sunrise"},
                           {"role": "assistant", "content": first["response"], "file_ids": [made["file_id"]]},
                           {"role": "user", "content": "make it darker"}],
              "workspace_id": offline.alice.workspace_id}
    via_replay = httpx.post(offline.url + "/v1/chat", json=replay, headers=offline.alice.headers, timeout=60).json()
    before = pixels(offline, made).mean()
    for done in (via_conversation, via_replay):
        edited = done["media"][0]
        assert edited["metadata"]["operation"] == "edit"
        assert edited["metadata"]["source_file_ids"] == [made["file_id"]]
        assert pixels(offline, edited).mean() < before - 10


def test_same_seed_same_bytes_other_seed_other_bytes(offline: Running) -> None:
    def etag(text: str) -> str:
        media = turn(offline, text)["media"][0]
        data = httpx.get(media["url"]).content
        assert provenance.read(data)["seed"] == media["metadata"]["seed"]  # provenance travels with the bytes
        return hashlib.sha256(data).hexdigest()

    a = etag("Paint a quiet lake at sunset with a forest, seed 42")
    b = etag("Paint a quiet lake at sunset with a forest, seed 42")
    c = etag("Paint a quiet lake at sunset with a forest, seed 43")
    assert a == b != c


def test_compose_two_images_side_by_side(offline: Running, photo: str) -> None:
    city = turn(offline, "Create an image of a futuristic cityscape at night with neon lights")["media"][0]
    done = turn(offline, "Combine these two images side by side", file_ids=[photo, city["file_id"]])
    media = done["media"][0]
    assert media["metadata"]["operation"] == "compose" and media["width"] > media["height"]


def test_the_offline_router_says_what_it_is(offline: Running) -> None:
    done = turn(offline, "What model are you?")
    assert done["media"] == [] and "offline" in done["response"].lower()


# -- a litellm image model behind the offline router ---------------------------------------------------
@pytest.fixture(scope="module")
def painter_upstream() -> Iterator[FakeImagesUpstream]:
    with FakeImagesUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def painted(painter_upstream: FakeImagesUpstream, tmp_path_factory: pytest.TempPathFactory,
            service_pool: ServicePool, backend_name: str) -> Iterator[Running]:
    running = start_with_litellm_painter(tmp_path_factory.mktemp("painted"), painter_upstream.base_url,
                                         backend=service_pool.backend(backend_name))
    yield running
    running.server.stop()


def test_n_3_through_a_litellm_model_stores_three_files(painted: Running, painter_upstream: FakeImagesUpstream) -> None:
    painter_upstream.clear_failures()
    done = turn(painted, "Create three variations of a lighthouse at dawn")
    assert len(done["media"]) == 3 and len({m["file_id"] for m in done["media"]}) == 3
    assert all(m["metadata"]["model"] == "openai/gpt-image-1" for m in done["media"])
    sent = painter_upstream.image_requests[-1]
    assert sent.path.endswith("/images/generations") and sent.json["n"] == 3
    assert sent.json["model"] == "gpt-image-1" and "lighthouse" in sent.json["prompt"]
    with painted.client(painted.alice) as c:
        names = [f["name"] for f in c.get("/v1/storage/files", params={"limit": 10}).json()["files"]]
    assert sum("lighthouse" in n for n in names) == 3


def test_a_persistent_500_is_a_failed_tool_and_the_turn_completes(painted: Running,
                                                                   painter_upstream: FakeImagesUpstream) -> None:
    painter_upstream.fail_always(500)
    try:
        raw = b""
        with httpx.stream("POST", painted.url + "/v1/chat", headers=painted.alice.headers, timeout=120, json={
                "messages": [{"role": "user", "content": "Create an image of a red kite"}],
                "workspace_id": painted.alice.workspace_id, "stream": True}) as r:
            for chunk in r.iter_raw():
                raw += chunk
    finally:
        painter_upstream.clear_failures()
    events = [json.loads(b.removeprefix("data: ")) for b in raw.decode().split("\n\n") if b]
    statuses = [e["status"] for e in events if e["type"] == "tool_status"]
    assert statuses == ["in_progress", "generating", "failed"]
    failed = [e for e in events if e.get("status") == "failed"][0]
    assert "500" in failed["error"] and "sk-image-secret" not in raw.decode()
    assert events[-1]["type"] == "ai_complete" and events[-1]["media"] == []
    assert "I couldn't make the image: " in events[-1]["response"]
    assert events[-1]["response"].endswith("You can adjust the request and try again.")
