"""chuk.chat's image API (seed 003) over real HTTP: its documented request bodies, read the way its Dart
client reads the reply (its `fromJson`, `canGenerateImage` and 402 handling transcribed type-strict); credits
priced per pixel (the offline painter priced per megapixel, as chuk bills) and reported in euros at the
configured rate; its error codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.agent.surfaces.image_apis.conftest import decode, new_tenant, set_budget, space_files
from tests.backends import ServicePool
from tests.conftest import Running, Tenant, start_with_two_tenants

PER_MEGAPIXEL = 0.05  # USD, as the ledger keeps it
EUR_PER_USD = 0.5  # a rate no default has, so the conversion shows
# Seed 003's request bodies, verbatim.
PRESET_BODY = """{
  "prompt": "A serene mountain landscape at sunset with snow-capped peaks",
  "image_size": "landscape_16_9",
  "custom_width": null,
  "custom_height": null
}"""
CUSTOM_BODY = """{
  "prompt": "Abstract geometric art",
  "image_size": "custom",
  "custom_width": 1920,
  "custom_height": 1080
}"""


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
           backend_name: str) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("chuk"), backend=service_pool.backend(backend_name), env={
        "EASEL_PRICES": json.dumps({"builtin/*": {"per_megapixel": PER_MEGAPIXEL}}),
        "EASEL_EUR_PER_USD": str(EUR_PER_USD)})
    yield running
    running.server.stop()


def generate(running: Running, tenant: Tenant, body: str | dict[str, Any]) -> httpx.Response:
    content = body if isinstance(body, str) else json.dumps(body)
    return httpx.post(running.url + "/v1/ai/generate-image", content=content, timeout=60,
                      headers={"Authorization": f"Bearer {tenant.key}", "Content-Type": "application/json"})


def credits(running: Running, tenant: Tenant) -> dict[str, Any]:
    r = httpx.get(running.url + "/v1/user/credits", headers={"Authorization": f"Bearer {tenant.key}"})
    assert r.status_code == 200, r.text
    reply: dict[str, Any] = r.json()
    return reply


def cost(width: int, height: int) -> float:
    """In euros, as chuk's fields say."""
    return PER_MEGAPIXEL * EUR_PER_USD * width * height / 1_000_000


def as_double(value: Any) -> float:
    """Dart's `value as double` on a decoded JSON value: an int (a number without a fraction) or null throws."""
    if type(value) is not float:
        raise TypeError(f"type '{type(value).__name__}' is not a subtype of type 'double' in type cast")
    return value


def as_int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"type '{type(value).__name__}' is not a subtype of type 'int'")
    return value


def as_generated_image(reply: dict[str, Any]) -> dict[str, Any]:
    """The seed's `GeneratedImage.fromJson`, with Dart's types: a double cost, int sizes and seed."""
    assert isinstance(reply["image_url"], str)
    return {"image_url": reply["image_url"], "width": as_int(reply["width"]), "height": as_int(reply["height"]),
            "seed": as_int(reply["seed"]), "cost": as_double(reply["billing"]["cost_eur"])}


def can_generate_image(running: Running, tenant: Tenant, size: str) -> bool:
    """The seed's `canGenerateImage`, transcribed: the balance read `as double`, then compared."""
    balance = as_double(credits(running, tenant)["credits_eur"])
    estimated = {"square": 0.02, "square_hd": 0.05, "portrait_4_3": 0.04, "landscape_4_3": 0.04,
                 "portrait_16_9": 0.03, "landscape_16_9": 0.03}.get(size, 0.05)
    return balance >= estimated


def insufficient_credits(error: dict[str, Any]) -> tuple[float, float]:
    """The seed's 402 handling: `InsufficientCreditsException(required: details['required'] ?? 0.0, ...)`,
    whose fields are doubles."""
    details = error.get("details") or {}
    return as_double(details.get("required", 0.0)), as_double(details.get("available", 0.0))


def test_the_documented_bodies_are_priced_by_pixel_count(priced: Running) -> None:
    payer = new_tenant(priced, "chuk-payer")
    set_budget(priced, payer, "1.00")
    assert credits(priced, payer) == {"credits_eur": 0.5, "spent_eur": 0.0, "unlimited": False, "currency": "EUR"}
    assert can_generate_image(priced, payer, "landscape_16_9")
    spent = 0.0
    for body, size in ((PRESET_BODY, (1024, 576)), (CUSTOM_BODY, (1920, 1080))):
        r = generate(priced, payer, body)
        assert r.status_code == 200, r.text
        made = as_generated_image(r.json())
        assert (made["width"], made["height"]) == size and made["cost"] == pytest.approx(cost(*size))
        assert decode(httpx.get(made["image_url"]).content).size == size
        spent += made["cost"]
        assert credits(priced, payer)["credits_eur"] == pytest.approx(0.5 - spent, abs=1e-6)
    assert r.json()["file_id"] in {f["fileId"] for f in space_files(priced, payer)}


def test_a_seed_given_is_the_seed_returned(priced: Running) -> None:
    r = generate(priced, priced.alice, {"prompt": "A red barn", "image_size": "square", "seed": 1234})
    assert r.status_code == 200 and r.json()["seed"] == 1234


def test_short_of_credits_is_402_with_the_details_its_client_reads(priced: Running) -> None:
    payer = new_tenant(priced, "chuk-short")
    set_budget(priced, payer, "0.02")
    assert generate(priced, payer, {"prompt": "A small icon", "image_size": "square"}).status_code == 200
    left = 0.02 * EUR_PER_USD - cost(512, 512)
    assert not can_generate_image(priced, payer, "square_hd")
    before = [f["fileId"] for f in space_files(priced, payer)]
    r = generate(priced, payer, {"prompt": "A large poster", "image_size": "square_hd"})
    assert r.status_code == 402
    error = r.json()["error"]
    assert r.json()["success"] is False and error["code"] == "INSUFFICIENT_CREDITS"
    required, available = insufficient_credits(error)
    assert required == pytest.approx(cost(1024, 1024)) and available == pytest.approx(left, abs=1e-6)
    assert [f["fileId"] for f in space_files(priced, payer)] == before


def test_an_account_without_a_budget_has_unlimited_credits(easel: Running) -> None:
    tenant = new_tenant(easel, "chuk-unlimited")
    assert credits(easel, tenant) == {"credits_eur": 1_000_000.0, "spent_eur": 0.0, "unlimited": True,
                                      "currency": "EUR"}
    assert can_generate_image(easel, tenant, "square_hd")
    r = generate(easel, tenant, {"prompt": "A kite", "image_size": "square"})
    assert r.status_code == 200 and r.json()["billing"] == {"cost_eur": 0.0, "currency": "EUR"}
    assert as_generated_image(r.json())["cost"] == 0.0


@pytest.mark.parametrize(("body", "code"), [
    ({"prompt": "", "image_size": "square"}, "INVALID_PROMPT"),
    ({"image_size": "square"}, "INVALID_PROMPT"),
    ({"prompt": "x" * 1001, "image_size": "square"}, "INVALID_PROMPT"),
    ({"prompt": "a cat", "image_size": "custom", "custom_width": 64, "custom_height": 4000}, "INVALID_DIMENSIONS"),
    ({"prompt": "a cat", "image_size": "custom", "custom_width": 63, "custom_height": 512}, "INVALID_DIMENSIONS"),
    ({"prompt": "a cat", "image_size": "custom", "custom_width": 512}, "INVALID_DIMENSIONS"),
    ({"prompt": "a cat", "image_size": "square", "custom_width": 512, "custom_height": 512}, "INVALID_DIMENSIONS"),
    ({"prompt": "a cat", "image_size": "huge"}, "INVALID_SIZE"),
    ({"prompt": "a cat"}, "INVALID_SIZE"),
    ({"prompt": "a cat", "image_size": "square", "seed": "lucky"}, "INVALID_REQUEST"),
])
def test_bad_requests_get_chuks_error_codes(easel: Running, body: dict[str, Any], code: str) -> None:
    r = generate(easel, easel.alice, body)
    assert r.status_code == 400
    assert r.json()["success"] is False and r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_keys_are_checked(easel: Running) -> None:
    r = generate(easel, Tenant("esk_wrong", ""), {"prompt": "a cat", "image_size": "square"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_API_KEY"
    r = httpx.get(easel.url + "/v1/user/credits")
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
