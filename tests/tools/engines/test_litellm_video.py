"""LitellmVideoEngine over real HTTP against the fake OpenAI-compatible videos upstream: the whole exchange
(create, queued, in_progress, completed, content, thumbnail) as it reached the wire, the provider's failure
reason, 429 and 5xx retried then mapped to Easel's codes, a cancel that stops polling, the poster made from the
first frame when there is no thumbnail, and a still cropped to the frame Sora asks for."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import av
import pytest
from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.litellm_video import ANY, SORA, LitellmVideoEngine
from easel.tools.engines.video import Stopped, VideoJob, fit
from tests.fakes.videos_upstream import FPS, FakeVideosUpstream

API_KEY = "sk-video-0123456789abcdef"


@pytest.fixture
def up() -> Iterator[FakeVideosUpstream]:
    with FakeVideosUpstream() as upstream:
        yield upstream


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine(up: FakeVideosUpstream, sleeps: Sleeps | None = None, **kw: Any) -> LitellmVideoEngine:
    return LitellmVideoEngine(model=kw.pop("model", "openai/sora-2"), api_base=up.base_url, api_key=API_KEY,
                              poll_s=0.01, request_timeout_s=60, sleep=sleeps if sleeps is not None else Sleeps(),
                              **kw)


def frames_of(data: bytes) -> list[av.VideoFrame]:
    with av.open(io.BytesIO(data)) as container:
        return list(container.decode(video=0))


def test_create_poll_download_as_the_wire_shows_it(up: FakeVideosUpstream) -> None:
    seen: list[float] = []
    result = asyncio.run(engine(up).animate(VideoJob(prompt="Waves at sunset", seconds=4, width=1280, height=720),
                                            lambda f: seen.append(f) or True))
    paths = up.paths()
    video_id = up.video_id(up.requests[0].form['prompt'][0])
    assert paths == ["POST /v1/videos", *[f"GET /v1/videos/{video_id}"] * 3,
                     f"GET /v1/videos/{video_id}/content", f"GET /v1/videos/{video_id}/content?variant=thumbnail"]
    assert up.timeline(video_id) == ["queued", "in_progress", "completed"]
    create = up.requests[0]
    assert create.authorized and create.form == {"model": ["sora-2"], "prompt": ["Waves at sunset"],
                                                 "seconds": ["4"], "size": ["1280x720"]}
    frames = frames_of(result.video)
    assert len(frames) == result.frames == 4 * FPS and (frames[0].width, frames[0].height) == (1280, 720)
    assert (result.width, result.height, result.fps, result.seconds) == (1280, 720, FPS, 4.0)
    assert result.poster_mime == "image/webp" and Image.open(io.BytesIO(result.poster)).size == (1280, 720)
    assert result.model == "openai/sora-2" and result.cost_usd == pytest.approx(0.4)  # litellm: $0.10 a second
    # The provider's percentages, then the download: never backwards, ending at the download.
    assert seen == sorted(seen) and 0.3 < max(f for f in seen if f < 0.9) and seen[-1] >= 0.95


def test_a_still_is_cropped_to_the_frame_and_sent_as_the_reference(up: FakeVideosUpstream) -> None:
    still = io.BytesIO()
    Image.new("RGB", (600, 800), (10, 120, 200)).save(still, "JPEG")
    result = asyncio.run(engine(up).animate(VideoJob(prompt="Animate this", still=still.getvalue())))
    create = up.requests[0]
    assert create.form["size"] == ["720x1280"]  # a portrait still: Sora's portrait frame
    [ref] = create.files_named("input_reference")
    assert ref.content_type == "image/png" and Image.open(io.BytesIO(ref.data)).size == (720, 1280)
    assert (result.width, result.height) == (720, 1280)
    assert any("cropped and scaled" in n for n in result.notes)


def test_the_providers_failure_reason_is_the_jobs(up: FakeVideosUpstream) -> None:
    up.fail_video("Your request was blocked by our moderation system.")
    with pytest.raises(EaselError) as caught:
        asyncio.run(engine(up).animate(VideoJob(prompt="Something", width=1280, height=720)))
    assert caught.value.code == "generation_failed" and caught.value.status == 422
    assert caught.value.message == ("sora-2 could not make the video: Your request was blocked by our moderation "
                                    "system. (moderation_blocked)")
    video_id = up.video_id(up.requests[0].form['prompt'][0])
    assert up.timeline(video_id) == ["queued", "in_progress", "failed"]
    assert not any("/content" in p for p in up.paths())  # nothing to download


def test_429_is_retried_with_retry_after_then_succeeds(up: FakeVideosUpstream) -> None:
    up.fail_next(429, times=2, retry_after=3)
    sleeps = Sleeps()
    result = asyncio.run(engine(up, sleeps).animate(VideoJob(prompt="Rain", width=720, height=1280)))
    assert sleeps == [3.0, 3.0] and len(frames_of(result.video)) == 4 * FPS
    assert [p for p in up.paths() if p.startswith("POST")] == ["POST /v1/videos"] * 3


@pytest.mark.parametrize(("status", "code", "words"), [
    (429, "rate_limited", "sora-2 is rate limiting video requests (HTTP 429) after 4 attempts"),
    (500, "upstream_error", "sora-2 failed (HTTP 500) after 4 attempts"),
])
def test_an_upstream_that_keeps_failing_fails_the_job_with_easels_code(
        up: FakeVideosUpstream, status: int, code: str, words: str) -> None:
    up.fail_always(status, message=f"Scripted failure {status} for {API_KEY}")
    sleeps = Sleeps()
    with pytest.raises(EaselError) as caught:
        asyncio.run(engine(up, sleeps).animate(VideoJob(prompt="Rain", width=720, height=1280)))
    assert caught.value.code == code and caught.value.message.startswith(words)
    assert API_KEY not in caught.value.message and "***" in caught.value.message  # the key never shows
    assert sleeps == [1.0, 2.0, 4.0] and len(up.requests) == 4


def test_a_refusal_is_not_retried(up: FakeVideosUpstream) -> None:
    with pytest.raises(EaselError) as caught:
        asyncio.run(engine(up).animate(VideoJob(prompt="Rain", seconds=5, width=720, height=1280)))
    assert caught.value.code == "generation_failed" and "Supported values are" in caught.value.message
    assert len(up.requests) == 1


def test_a_cancel_stops_polling_and_downloads_nothing(up: FakeVideosUpstream) -> None:
    up.hold()
    stop = asyncio.Event()

    async def run() -> None:
        task = asyncio.create_task(engine(up).animate(VideoJob(prompt="Slow", width=1280, height=720),
                                                      lambda f: not stop.is_set()))
        await asyncio.to_thread(up.polled_while_held.wait, 60)
        stop.set()
        with pytest.raises(Stopped):
            await asyncio.wait_for(task, 60)

    asyncio.run(run())
    polls = len(up.requests)
    assert not any("/content" in p for p in up.paths()) and polls >= 2


def test_without_a_thumbnail_the_poster_is_the_first_frame() -> None:
    with FakeVideosUpstream(thumbnails=False) as up:
        result = asyncio.run(engine(up).animate(VideoJob(prompt="Clouds", width=1280, height=720)))
    first = frames_of(result.video)[0].to_ndarray(format="rgb24")
    poster = Image.open(io.BytesIO(result.poster))
    assert result.poster_mime == "image/png" and poster.format == "PNG" and poster.size == (1280, 720)
    assert abs(int(poster.getpixel((640, 360))[0]) - int(first[360, 640, 0])) < 8
    assert any("first frame" in n for n in result.notes)


def test_a_chat_models_loose_request_fits_the_lengths_and_frames_a_model_makes() -> None:
    assert fit(SORA, 5, (960, 720)) == (4, (1280, 720))  # the nearest length; the closest shape
    assert fit(SORA, 7, (720, 960)) == (8, (720, 1280))
    assert fit(SORA, 12, (1792, 1024)) == (12, (1792, 1024))
    assert fit(SORA, 2, None) == (4, None)
    assert fit(ANY, 5, (960, 720)) == (5, (960, 720))  # a model of unknown limits gets what was asked
