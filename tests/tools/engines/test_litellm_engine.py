"""LitellmImageEngine over real HTTP against the fake images upstream.

Every test asserts on what reached the wire (`up.requests`), after litellm's own parameter mapping,
not on what the engine meant to send. Backoff sleeps are recorded instead of slept.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.base import ImageJob, SourceImage
from easel.tools.engines.litellm_engine import LitellmImageEngine
from easel.tools.engines.litellm_params import load_litellm
from easel.tools.engines.litellm_results import response_cost
from tests.fakes.images_upstream import FakeImagesUpstream

API_KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def up() -> Iterator[FakeImagesUpstream]:
    with FakeImagesUpstream() as upstream:
        yield upstream


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine(up: FakeImagesUpstream | None, model: str, sleeps: Sleeps | None = None, **kw: Any):
    return LitellmImageEngine(
        model=model,
        api_base=kw.pop("api_base", up.base_url if up else None),
        api_key=API_KEY,
        timeout_s=kw.pop("timeout_s", 10.0),
        sleep=sleeps if sleeps is not None else Sleeps(),
        **kw,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def image_bytes(color: tuple[int, ...], fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    mode = "RGBA" if len(color) == 4 else "RGB"
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def source(color: tuple[int, ...], fmt: str, mime: str, size: tuple[int, int] = (64, 48)) -> SourceImage:
    return SourceImage(file_id=f"f-{color}", data=image_bytes(color, fmt, size), mime_type=mime)


# ---- generation ----------------------------------------------------------------------------------


def test_gpt_image_generates_three_distinct_images_in_one_request(up: FakeImagesUpstream) -> None:
    job = ImageJob(
        operation="generate",
        prompt="a lighthouse at dusk",
        width=1536,
        height=1024,
        n=3,
        quality="high",
        output_format="webp",
        background="opaque",
    )
    result = run(engine(up, "openai/gpt-image-1").generate(job))

    assert len(result.images) == 3
    assert len({image.data for image in result.images}) == 3
    for image in result.images:
        assert image.mime_type == "image/webp"
        real = decoded(image.data)
        assert real.format == "WEBP"
        assert (image.width, image.height) == real.size
    [request] = up.image_requests
    assert request.path == "/v1/images/generations"
    assert request.json == {
        "model": "gpt-image-1",
        "prompt": "a lighthouse at dusk",
        "n": 3,
        "size": "1536x1024",
        "quality": "high",
        "output_format": "webp",
        "background": "opaque",
    }
    assert request.authorized
    assert API_KEY not in repr(request.headers)
    assert result.notes == ()


def test_gpt_image_cost_matches_litellms_price_table(up: FakeImagesUpstream) -> None:
    result = run(engine(up, "openai/gpt-image-1").generate(ImageJob(operation="generate", prompt="x", n=2)))

    # The fake reports 50 text input tokens and 272 image output tokens per image.
    prices = load_litellm().model_cost["gpt-image-1"]
    expected = 50 * prices["input_cost_per_token"] + 2 * 272 * prices["output_cost_per_image_token"]
    assert result.cost_usd > 0
    assert result.cost_usd == pytest.approx(expected)


def test_dall_e_3_takes_one_image_per_request(up: FakeImagesUpstream) -> None:
    job = ImageJob(operation="generate", prompt="a fox", width=1000, height=560, n=3, quality="high")
    result = run(engine(up, "openai/dall-e-3").generate(job))

    assert len(result.images) == 3
    assert len({image.data for image in result.images}) == 3
    assert all(image.mime_type == "image/png" for image in result.images)
    assert all(image.revised_prompt and "a fox" in image.revised_prompt for image in result.images)
    requests = up.image_requests
    assert len(requests) == 3
    for request in requests:
        assert request.json == {
            "model": "dall-e-3",
            "prompt": "a fox",
            "n": 1,
            "size": "1792x1024",
            "quality": "hd",
            "response_format": "b64_json",
        }
    assert any("1792x1024" in note for note in result.notes)


def test_dall_e_3_native_style_and_png_converted_to_jpeg(up: FakeImagesUpstream) -> None:
    job = ImageJob(
        operation="generate", prompt="a fox", style="natural", output_format="jpeg", background="transparent"
    )
    result = run(engine(up, "openai/dall-e-3").generate(job))

    [request] = up.image_requests
    assert request.json is not None and request.json["style"] == "natural"
    assert "background" not in request.json and "output_format" not in request.json
    [image] = result.images
    assert image.mime_type == "image/jpeg" and decoded(image.data).format == "JPEG"
    assert any("transparent" in note for note in result.notes)


def test_url_answers_are_fetched_and_decoded() -> None:
    # An OpenAI-compatible server that answers with URLs whatever the request says.
    with FakeImagesUpstream(response_format="url") as up:
        result = run(engine(up, "openai/dall-e-2").generate(ImageJob(operation="generate", prompt="p", n=2)))

        assert len(result.images) == 2
        assert all(decoded(image.data).format == "PNG" for image in result.images)
        downloads = [r for r in up.requests if r.path.startswith("/files/")]
        assert len(downloads) == 2
        assert not any(r.authorized for r in downloads)  # credentials stay with the API


def test_unknown_model_passes_params_through_and_is_unpriced(up: FakeImagesUpstream) -> None:
    job = ImageJob(
        operation="generate", prompt="p", width=640, height=480, n=2, quality="ultra", negative_prompt="blur"
    )
    result = run(engine(up, "openai/acme-painter-v1").generate(job))

    [request] = up.image_requests
    # litellm maps unknown OpenAI names with its gpt-image config: no response_format, so the fake
    # answers with URLs (OpenAI's default), which the engine fetches.
    assert request.json == {
        "model": "acme-painter-v1",
        "prompt": "p\nAvoid: blur",
        "n": 2,
        "size": "640x480",
        "quality": "ultra",
    }
    assert len(up.requests) == 3
    assert [(image.width, image.height) for image in result.images] == [(256, 192), (256, 192)]
    assert result.cost_usd is None  # litellm has no price for it: unknown, not free


def test_a_provider_that_ignores_n_is_asked_again_for_the_rest() -> None:
    with FakeImagesUpstream(ignore_n=True) as up:
        result = run(
            engine(up, "openai/acme-painter-v1").generate(ImageJob(operation="generate", prompt="p", n=3))
        )

        assert len({image.data for image in result.images}) == 3
        assert [r.json["n"] for r in up.image_requests if r.json] == [3, 2, 1]


# ---- edits ---------------------------------------------------------------------------------------


def test_gpt_image_edit_sends_every_source_and_the_mask(up: FakeImagesUpstream) -> None:
    first = source((200, 10, 10), "PNG", "image/png", size=(96, 64))
    second = source((10, 200, 10), "JPEG", "image/jpeg")
    mask = image_bytes((0, 0, 0, 0), "PNG", size=(96, 64))
    job = ImageJob(
        operation="compose",
        prompt="put both on a table",
        sources=(first, second),
        mask=mask,
        n=2,
        output_format="png",
        background="transparent",
    )
    result = run(engine(up, "openai/gpt-image-1").compose(job))

    assert len(result.images) == 2
    [request] = up.image_requests
    assert request.path == "/v1/images/edits"
    assert request.headers["content-type"].startswith("multipart/form-data")
    images = request.files_named("image[]")
    assert [(f.filename, f.content_type) for f in images] == [
        ("source-1.png", "image/png"),
        ("source-2.jpeg", "image/jpeg"),
    ]
    assert [f.data for f in images] == [first.data, second.data]
    [mask_part] = request.files_named("mask")
    assert (mask_part.content_type, mask_part.data) == ("image/png", mask)
    assert request.params == {
        "model": "gpt-image-1",
        "prompt": "put both on a table",
        "n": "2",
        "size": "1536x1024",
        "output_format": "png",
        "background": "transparent",
    }
    assert result.cost_usd > 0


def test_style_transfer_on_dall_e_2_uses_the_single_image_field(up: FakeImagesUpstream) -> None:
    gif = SourceImage(file_id="g", data=image_bytes((1, 2, 3), "GIF", size=(300, 300)), mime_type="image/gif")
    job = ImageJob(operation="style_transfer", prompt="a harbour", style="watercolor", sources=(gif,))
    result = run(engine(up, "openai/dall-e-2").edit(job))

    [request] = up.image_requests
    [part] = request.files
    assert (part.field, part.filename, part.content_type) == ("image", "source-1.png", "image/png")
    assert decoded(part.data).size == (300, 300)  # converted to png: dall-e-2 takes nothing else
    assert request.params == {
        "model": "dall-e-2",
        "prompt": "Restyle as watercolor: a harbour",
        "n": "1",
        "size": "512x512",
        "response_format": "b64_json",
    }
    assert result.style == "watercolor"


def test_capabilities_follow_the_model() -> None:
    gpt = engine(None, "openai/gpt-image-1").capabilities
    assert (gpt.max_sources, gpt.mask, "compose" in gpt.operations) == (16, True, True)
    dalle2 = engine(None, "openai/dall-e-2").capabilities
    assert (dalle2.max_sources, dalle2.mask, "compose" in dalle2.operations) == (1, True, False)
    dalle3 = engine(None, "openai/dall-e-3").capabilities
    assert dalle3.operations == frozenset({"generate"})


def test_refuses_what_the_model_cannot_do_without_calling_it(up: FakeImagesUpstream) -> None:
    sources = (source((1, 1, 1), "PNG", "image/png"), source((2, 2, 2), "PNG", "image/png"))
    with pytest.raises(EaselError) as too_many:
        run(engine(up, "openai/dall-e-2").edit(ImageJob(operation="edit", prompt="p", sources=sources)))
    with pytest.raises(EaselError) as no_edits:
        run(engine(up, "openai/dall-e-3").edit(ImageJob(operation="edit", prompt="p", sources=sources[:1])))

    assert (too_many.value.status, too_many.value.code) == (422, "generation_failed")
    assert "at most 1" in too_many.value.message
    assert no_edits.value.code == "generation_failed"
    assert up.requests == []


# ---- failures and retries ------------------------------------------------------------------------


def test_429_is_retried_after_the_retry_after_delay(up: FakeImagesUpstream) -> None:
    up.fail_next(429, retry_after=1)
    sleeps = Sleeps()
    result = run(
        engine(up, "openai/gpt-image-1", sleeps).generate(ImageJob(operation="generate", prompt="p"))
    )

    assert len(result.images) == 1
    assert len(up.image_requests) == 2  # the SDK's own retries are off: one failure, one success
    assert sleeps == [pytest.approx(1.0)]


def test_a_retry_after_beyond_the_cap_fails_at_once_and_passes_the_wait_on(up: FakeImagesUpstream) -> None:
    up.fail_next(429, retry_after=3600, times=5)
    sleeps = Sleeps()
    eng = engine(up, "openai/gpt-image-1", sleeps, max_retries=2, backoff_cap_s=30.0)
    with pytest.raises(EaselError) as caught:
        run(eng.generate(ImageJob(operation="generate", prompt="p")))

    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    assert caught.value.headers == {"Retry-After": "3600"}
    assert len(up.image_requests) == 1
    assert sleeps == []


def test_a_retry_after_within_the_cap_is_waited_and_exhaustion_is_rate_limited(up: FakeImagesUpstream) -> None:
    up.fail_next(429, retry_after=20, times=5)
    sleeps = Sleeps()
    eng = engine(up, "openai/gpt-image-1", sleeps, max_retries=2, backoff_cap_s=30.0)
    with pytest.raises(EaselError) as caught:
        run(eng.generate(ImageJob(operation="generate", prompt="p")))

    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    assert "429" in caught.value.message and caught.value.headers == {"Retry-After": "20"}
    assert len(up.image_requests) == 3
    assert sleeps == [20.0, 20.0]


@pytest.mark.parametrize("operation", ["generate", "edit"])
def test_persistent_500_gives_up_after_max_retries(up: FakeImagesUpstream, operation: str) -> None:
    up.fail_always(500, message="The server had an error while processing your request.")
    sleeps = Sleeps()
    eng = engine(up, "openai/gpt-image-1", sleeps, max_retries=3, backoff_base_s=0.5)
    with pytest.raises(EaselError) as caught:
        if operation == "generate":
            run(eng.generate(ImageJob(operation="generate", prompt="p")))
        else:
            sources = (source((9, 9, 9), "PNG", "image/png"),)
            run(eng.edit(ImageJob(operation="edit", prompt="p", sources=sources)))

    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    assert "HTTP 500" in caught.value.message and "processing your request" in caught.value.message
    assert len(up.image_requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_content_refusal_is_generation_failed_and_not_retried(up: FakeImagesUpstream) -> None:
    refusal = "Your request was rejected as a result of our safety system."
    up.fail_next(400, message=refusal, code="content_policy_violation")
    with pytest.raises(EaselError) as caught:
        run(engine(up, "openai/gpt-image-1").generate(ImageJob(operation="generate", prompt="p")))

    assert (caught.value.status, caught.value.code, caught.value.message) == (
        422,
        "generation_failed",
        refusal,
    )
    assert len(up.image_requests) == 1


def test_a_timeout_is_upstream_error_and_not_retried(up: FakeImagesUpstream) -> None:
    # Waiting another full timeout rarely helps, and the provider may still be painting (and billing).
    up.delay_next(1.0)
    sleeps = Sleeps()
    eng = engine(up, "openai/gpt-image-1", sleeps, timeout_s=0.2)
    with pytest.raises(EaselError) as caught:
        run(eng.generate(ImageJob(operation="generate", prompt="p")))

    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    assert "in time" in caught.value.message
    assert len(up.image_requests) == 1 and sleeps == []


def test_rejected_key_is_upstream_error_without_the_key(up: FakeImagesUpstream) -> None:
    up.fail_next(401, message=f"Incorrect API key provided: {API_KEY}.", code="invalid_api_key")
    with pytest.raises(EaselError) as caught:
        run(engine(up, "openai/gpt-image-1").generate(ImageJob(operation="generate", prompt="p")))

    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    assert "HTTP 401" in caught.value.message
    assert API_KEY not in caught.value.message and API_KEY not in repr(caught.value)


def test_connection_errors_are_retried_then_upstream_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    eng = engine(
        None,
        "openai/gpt-image-1",
        sleeps,
        api_base=f"http://127.0.0.1:{port}/v1",
        max_retries=2,
        backoff_base_s=0.25,
    )
    with pytest.raises(EaselError) as caught:
        run(eng.generate(ImageJob(operation="generate", prompt="p")))

    assert (caught.value.status, caught.value.code) == (502, "upstream_error")
    # The HTTP client's exception text (aiohttp/httpx internals) is logged, never handed to the client.
    assert caught.value.message.endswith("failed (no HTTP status) after 3 attempts: the connection failed or "
                                         "broke off before the answer was complete"), caught.value.message
    assert sleeps == [0.25, 0.5]


def test_engine_repr_hides_the_key() -> None:
    assert API_KEY not in repr(engine(None, "openai/gpt-image-1"))


# ---- lookups that fail: said, and never silently cheaper or smaller ---------------------------------


@pytest.fixture
def said(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    from easel.tools.engines import litellm_results

    litellm_results._said.clear()
    with caplog.at_level(logging.INFO, logger="easel.tools.engines"):
        yield caplog
    litellm_results._said.clear()


def test_an_unpriced_painting_is_none_and_said_once(said: pytest.LogCaptureFixture) -> None:
    from litellm.types.utils import ImageResponse

    response = ImageResponse(data=[{"b64_json": "aaaa"}])
    for _ in range(2):
        assert response_cost(response, model="openai/acme-painter-v1", call_type="image_generation",
                             size="1024x1024", quality=None) is None
    assert [r.getMessage() for r in said.records] == [
        "litellm has no price for openai/acme-painter-v1 (image_generation, size 1024x1024, quality None): its "
        "paintings are recorded as unpriced unless EASEL_PRICES names it"]


def test_any_other_pricing_failure_is_said_with_its_kind(monkeypatch: pytest.MonkeyPatch,
                                                         said: pytest.LogCaptureFixture) -> None:
    from litellm.types.utils import ImageResponse

    def broken(**_: Any) -> float:
        raise KeyError("usage")

    monkeypatch.setattr(load_litellm(), "completion_cost", broken)
    assert response_cost(ImageResponse(data=[]), model="openai/gpt-image-1", call_type="image_edit",
                         size="1024x1024", quality="low") is None
    odd = ImageResponse(data=[])
    odd._hidden_params = {"response_cost": float("nan")}
    assert response_cost(odd, model="openai/gpt-image-1", call_type="image_edit", size=None, quality=None) is None
    assert [r.getMessage() for r in said.records] == [
        "litellm could not price a painting of openai/gpt-image-1 (image_edit, size 1024x1024, quality low): "
        "KeyError: 'usage'; it is recorded as unpriced",
        "litellm priced a painting of openai/gpt-image-1 as nan; it is recorded as unpriced"]


def test_a_provider_litellm_does_not_know_generates_only_and_says_why(said: pytest.LogCaptureFixture) -> None:
    unknown = engine(None, "notaprovider/painter")
    assert unknown.capabilities.operations == frozenset({"generate"})
    assert unknown._provider is None
    messages = [r.getMessage() for r in said.records]
    assert messages[0].startswith("notaprovider/painter: litellm knows no image edit route for its provider "
                                  "(litellm.BadRequestError: LLM Provider NOT provided.")
    assert messages[0].endswith("so it is used to generate only")
    assert messages[1].startswith("litellm knows no provider for notaprovider/painter: litellm.BadRequestError")
    assert API_KEY not in said.text


def test_an_unexpected_lookup_failure_is_not_taken_for_generate_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError("litellm's provider table failed to load")

    monkeypatch.setattr(load_litellm(), "get_llm_provider", broken)
    with pytest.raises(RuntimeError, match="provider table"):
        engine(None, "notaprovider/painter").capabilities  # noqa: B018


def test_an_error_body_that_is_not_json_is_no_body_and_anything_else_is_loud() -> None:
    import httpx

    from easel.tools.engines.litellm_errors import _response_json

    request = httpx.Request("POST", "http://upstream/v1/images/generations")

    class Failure(Exception):
        def __init__(self, response: Any) -> None:
            super().__init__("failed")
            self.response = response

    assert _response_json(Failure(httpx.Response(502, text="<html>bad gateway</html>", request=request))) is None
    unread = httpx.Response(502, stream=httpx.ByteStream(b"{}"), request=request)
    assert _response_json(Failure(unread)) is None  # a stream never read
    assert _response_json(Failure(object())) is None  # no json() at all
    assert _response_json(Failure(httpx.Response(400, json={"error": {"message": "no"}}, request=request))) == {
        "error": {"message": "no"}}

    class Exploding:
        def json(self) -> Any:
            raise RuntimeError("a bug, not a body")

    with pytest.raises(RuntimeError, match="a bug"):
        _response_json(Failure(Exploding()))
