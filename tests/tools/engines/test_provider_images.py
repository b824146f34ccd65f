"""Image generation through litellm on four providers' own wire formats (Azure OpenAI, Gemini API Imagen,
Stability AI, fal), each against a fake of its API on loopback (tests/fakes/provider_images.py), through a
real Easel server: `POST /v1/images/generations` with n, size, quality and seed.

Asserts what each provider received (its own parameter names and values: aspect ratios, sample counts,
seeds, quality only where it has one), that the images saved in the Space are byte for byte the ones the
provider sent (downloaded from fal's URLs, decoded from the others' base64), at the provider's own pixel
sizes, and the price litellm puts on them in the ledger."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import Running, start_with_two_tenants
from tests.fakes.provider_images import FakeImageProviders

AZURE_VERSION = "2025-04-01-preview"


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    base: str  # the api_base under the fake's root
    ask: dict[str, Any]  # the client's request, beside prompt and workspace_id
    size: tuple[int, int]  # what the provider paints for it
    calls: int  # requests the provider gets for it
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("azure", "azure/gpt-image-1", "", {"n": 2, "size": "1536x1024", "quality": "hd", "seed": 42},
         (1536, 1024), 1, {"AZURE_API_VERSION": AZURE_VERSION}),
    Case("gemini-imagen", "gemini/imagen-3.0-generate-001", "/v1beta",
         {"n": 2, "size": "1024x576", "quality": "high", "seed": 42}, (1408, 768), 1),
    Case("stability", "stability/sd3.5-large", "", {"n": 2, "size": "1024x576", "quality": "high", "seed": 42},
         (1344, 768), 2),
    Case("fal", "fal_ai/fal-ai/flux/schnell", "", {"n": 3, "size": "1024x576", "quality": "high", "seed": 42},
         (1024, 576), 1),
]


@pytest.fixture(scope="module")
def providers() -> Iterator[FakeImageProviders]:
    with FakeImageProviders() as fake:
        yield fake


@dataclass
class Served:
    case: Case
    running: Running


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def served(request: pytest.FixtureRequest, providers: FakeImageProviders,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    case: Case = request.param
    running = start_with_two_tenants(tmp_path_factory.mktemp(f"images-{case.name}"), env={
        "EASEL_IMAGE_MODEL": case.model, "EASEL_IMAGE_API_BASE": providers.root + case.base,
        "EASEL_IMAGE_API_KEY": providers.key, **case.env})
    try:
        yield Served(case, running)
    finally:
        running.server.stop()


def _pixels(data: bytes) -> tuple[tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGB").tobytes()


def _price(key: str) -> dict[str, Any]:
    spec = importlib.util.find_spec("litellm")
    assert spec is not None and spec.origin is not None
    prices = json.loads((Path(spec.origin).parent / "model_prices_and_context_window_backup.json").read_text())
    return dict(prices[key])


def test_n_size_quality_and_seed_reach_the_provider_and_its_images_reach_the_space(
        served: Served, providers: FakeImageProviders) -> None:
    case, running = served.case, served.running
    providers.reset()
    body = {"prompt": "a lighthouse on a cliff at dusk", "workspace_id": running.alice.workspace_id,
            "response_format": "b64_json", **case.ask}
    r = httpx.post(running.url + "/v1/images/generations", json=body, headers=running.alice.headers, timeout=180)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    n = case.ask["n"]
    assert len(data) == n

    # What the provider received, in its own terms.
    sent = providers.requests
    assert len([s for s in sent if not s.path.startswith("/files/")]) == case.calls
    CHECKS[case.name](sent, case)

    # The images: the provider's own pixels (Easel adds its provenance to the file), saved in the Space, at
    # the provider's own pixel size.
    produced = {_pixels(data) for data in providers.produced}
    assert len(produced) == n
    saved = []
    for item in data:
        content = httpx.get(f"{running.url}/v1/storage/files/{item['file_id']}/content",
                            params={"workspace_id": running.alice.workspace_id}, headers=running.alice.headers,
                            timeout=60)
        assert content.status_code == 200
        assert base64.b64decode(item["b64_json"]) == content.content
        with Image.open(io.BytesIO(content.content)) as image:
            assert image.size == case.size
            image.load()
        saved.append(_pixels(content.content))
    assert set(saved) == produced  # n different images, each exactly as the provider painted it

    # The price litellm puts on them, in the ledger.
    db = sqlite3.connect(running.server.data_dir / "easel.db")
    try:
        model, cost, count = db.execute("SELECT model, cost_usd, n FROM usage WHERE kind = 'generation' "
                                        "ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        db.close()
    assert count == n and case.model.endswith(model.split("/")[-1])
    if case.name == "azure":
        price = _price("azure/gpt-image-1")  # tokens: 20 text in, 1056 image tokens out per image
        assert cost == pytest.approx(20 * price["input_cost_per_token"]
                                     + 1056 * n * price["output_cost_per_image_token"], rel=0.01)
    else:
        assert cost == pytest.approx(n * _price(case.model)["output_cost_per_image"], abs=1e-6)


def _check_azure(sent: list[Any], case: Case) -> None:
    (call,) = sent
    assert call.path == "/openai/deployments/gpt-image-1/images/generations"
    assert call.query == {"api-version": AZURE_VERSION} and "api-key" in call.headers
    # gpt-image's own words: "hd" is "high"; its sizes; no seed (the API has none and refuses unknown fields).
    assert call.json == {**call.json, "n": 2, "size": "1536x1024", "quality": "high", "output_format": "png"}
    assert "seed" not in call.json and "response_format" not in call.json


def _check_imagen(sent: list[Any], case: Case) -> None:
    (call,) = sent
    assert call.path == "/v1beta/models/imagen-3.0-generate-001:predict" and "x-goog-api-key" in call.headers
    assert call.json["instances"] == [{"prompt": "a lighthouse on a cliff at dusk"}]
    # sampleCount and the nearest aspect ratio; no seed (the Gemini API's Imagen has none), no quality.
    assert call.json["parameters"] == {"sampleCount": 2, "aspectRatio": "16:9"}


def _check_stability(sent: list[Any], case: Case) -> None:
    assert [s.path for s in sent] == ["/v2beta/stable-image/generate/sd3"] * 2
    assert all(s.headers["authorization"].startswith("Bearer ") and s.headers["accept"] == "application/json"
               for s in sent)
    forms = sorted((s.form for s in sent), key=lambda f: int(f["seed"]))
    # One image a request: the seed, then the seed plus one, so the two differ and can be painted again.
    assert [f["seed"] for f in forms] == ["42", "43"]
    assert all(f["aspect_ratio"] == "16:9" and f["output_format"] == "png" and f["prompt"] for f in forms)
    assert all("quality" not in f and "n" not in f for f in forms)


def _check_fal(sent: list[Any], case: Case) -> None:
    posts = [s for s in sent if not s.path.startswith("/files/")]
    (call,) = posts
    assert call.path == "/fal-ai/flux/schnell" and call.headers["authorization"].startswith("Key ")
    assert call.json["num_images"] == 3 and call.json["seed"] == 42
    assert call.json["image_size"] in ({"width": 1024, "height": 576}, "landscape_16_9")
    assert "quality" not in call.json


CHECKS = {"azure": _check_azure, "gemini-imagen": _check_imagen, "stability": _check_stability, "fal": _check_fal}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_what_a_provider_cannot_do_is_said_to_the_model(case: Case) -> None:
    """The engine's notes (read by the chat model) say what was adapted: Imagen's missing seed, the quality
    setting Stability, Imagen and fal do not have."""
    from easel.tools.engines.base import ImageJob
    from easel.tools.engines.litellm_params import PROFILES, model_family, plan_call

    job = ImageJob(operation="generate", prompt="p", width=1000, height=1000, seed=5, quality="high")
    plan = plan_call(job, PROFILES[model_family(case.model)], model=case.model, default_size=(1024, 1024))
    notes = " ".join(plan.notes)
    assert ("Seeds are not passed" in notes) is (case.name in ("azure", "gemini-imagen"))
    assert ("no quality setting" in notes) is (case.name != "azure")
    assert ("aspect ratios" in notes) is False  # 1000x1000 is 1:1, which all of them paint
