"""The video jobs with litellm's video engine (`EASEL_VIDEO_MODEL=openai/sora-2`) against a fake OpenAI-compatible
videos upstream on loopback, through both APIs unchanged: the `openai` SDK's `videos.create_and_poll` and
`download_content`, and AiArt's img2video with the seed's polling client. The upstream's whole exchange is checked
(create, queued, in_progress, completed, content), its progress shows through Easel, its failure reason becomes the
job's, an upstream that keeps answering 429 or 500 fails the job with Easel's code, a cancel stops the polling,
and the provider's price per second lands in the history."""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import openai
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import new_tenant, run_client, set_budget, space_files
from tests.agent.surfaces.image_apis.test_aiart_video import CLIENT
from tests.backends import ServicePool
from tests.conftest import Running, Tenant, start_with_two_tenants
from tests.fakes.videos_upstream import FPS, FakeVideosUpstream

VIDEO_KEY = "sk-video-secret-0123456789"


@pytest.fixture(scope="module")
def up(backend_name: str) -> Iterator[FakeVideosUpstream]:
    with FakeVideosUpstream() as upstream:  # one for each backend's server, so their videos never mix
        yield upstream


@pytest.fixture(scope="module")
def sora(up: FakeVideosUpstream, tmp_path_factory: pytest.TempPathFactory, service_pool: ServicePool,
         backend_name: str) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("sora"), env={
        "EASEL_VIDEO_MODEL": "openai/sora-2", "EASEL_VIDEO_API_BASE": up.base_url,
        "EASEL_VIDEO_API_KEY": VIDEO_KEY, "EASEL_VIDEO_POLL_S": "0.05", "EASEL_VIDEO_CONCURRENCY": "1"},
        backend=service_pool.backend(backend_name))
    yield running
    running.server.stop()


_names = itertools.count(1)


@pytest.fixture
def tenant(sora: Running, up: FakeVideosUpstream) -> Tenant:
    up.clear_failures()
    up.release()
    return new_tenant(sora, f"sora-{next(_names)}")


@pytest.fixture
def client(sora: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=sora.url + "/v1", api_key=tenant.key, max_retries=0, timeout=120) as c:
        yield c


def frames_of(data: bytes) -> list[av.VideoFrame]:
    with av.open(io.BytesIO(data)) as container:
        return list(container.decode(video=0))


def upstream_id(up: FakeVideosUpstream, prompt: str) -> str:
    found = up.video_id(prompt)
    assert found is not None, f"the upstream has no video for {prompt!r}"
    return found


def wait_for(check, what: str, timeout: float = 120):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def test_the_sdk_makes_a_video_through_the_upstream(client: openai.OpenAI, up: FakeVideosUpstream, sora: Running,
                                                    tenant: Tenant, tmp_path: Path) -> None:
    set_budget(sora, tenant, "5.00")
    video = client.videos.create_and_poll(model="sora-2", prompt="Waves at sunset, seen from a cliff",
                                          seconds="4", size="1280x720", poll_interval_ms=100)
    assert (video.status, video.progress, video.model, video.seconds, video.size, video.error) == (
        "completed", 100, "sora-2", "4", "1280x720", None)
    vid = upstream_id(up, "Waves at sunset, seen from a cliff")
    assert up.timeline(vid) == ["queued", "in_progress", "completed"]
    mine = [p for p in up.paths() if vid in p or p == "POST /v1/videos"]
    assert mine[-2:] == [f"GET /v1/videos/{vid}/content", f"GET /v1/videos/{vid}/content?variant=thumbnail"]
    create = next(r for r in up.requests if r.method == "POST" and r.form["prompt"] == [video.prompt])
    assert create.authorized and (create.form["model"], create.form["seconds"], create.form["size"]) == (
        ["sora-2"], ["4"], ["1280x720"])
    client.videos.download_content(video.id).write_to_file(tmp_path / "v.mp4")
    frames = frames_of((tmp_path / "v.mp4").read_bytes())
    assert len(frames) == 4 * FPS and (frames[0].width, frames[0].height) == (1280, 720)
    thumb = Image.open(io.BytesIO(client.videos.download_content(video.id, variant="thumbnail").read()))
    assert thumb.format == "WEBP" and thumb.size == (1280, 720)
    files = space_files(sora, tenant)
    mp4 = next(f for f in files if f["mimeType"] == "video/mp4")
    meta = mp4["metadata"]
    assert (meta["model"], meta["fps"], meta["frames"], meta["duration_s"]) == ("openai/sora-2", FPS, 32, 4.0)
    assert meta["poster_file_id"] in {f["fileId"] for f in files if f["mimeType"] == "image/webp"}
    [made] = httpx.get(sora.url + "/v1/generations", headers=tenant.headers).json()["data"]["generations"]
    assert made["api"] == "openai" and float(made["cost"]) == pytest.approx(0.4)  # litellm's $0.10 a second
    assert float(httpx.get(sora.url + "/v1/balance", headers=tenant.headers).json()["data"]["balance"]) == (
        pytest.approx(4.6))


def test_the_upstreams_progress_shows_and_sizes_are_soras(client: openai.OpenAI, up: FakeVideosUpstream) -> None:
    up.hold()
    made = client.videos.create(prompt="A lighthouse in a storm", seconds="12", size="1792x1024")
    seen = wait_for(lambda: (v := client.videos.retrieve(made.id)).status == "in_progress" and v.progress == 47
                    and v, "the upstream's 50 % to show")
    assert seen.progress == 47  # the provider's 50 % of the 95 % before the download
    up.release()
    done = client.videos.poll(made.id, poll_interval_ms=100)
    assert done.status == "completed" and (done.seconds, done.size) == ("12", "1792x1024")
    assert up.timeline(upstream_id(up, "A lighthouse in a storm")) == ["queued", "in_progress", "completed"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt="Too short", seconds="2")  # type: ignore[arg-type]
    assert caught.value.body["param"] == "seconds" and "4, 8, 12" in caught.value.body["message"]  # type: ignore[index]


def test_the_providers_failure_is_the_jobs(client: openai.OpenAI, up: FakeVideosUpstream) -> None:
    up.fail_video("Your request was blocked by our moderation system.")
    video = client.videos.create_and_poll(prompt="Something it refuses", poll_interval_ms=100)
    assert video.status == "failed" and video.error is not None and video.error.code == "generation_failed"
    assert video.error.message == ("sora-2 could not make the video: Your request was blocked by our moderation "
                                   "system. (moderation_blocked)")
    with pytest.raises(openai.ConflictError):
        client.videos.download_content(video.id)


@pytest.mark.parametrize(("status", "code"), [(429, "rate_limited"), (500, "upstream_error")])
def test_an_upstream_that_keeps_failing_fails_the_job_with_easels_code(
        client: openai.OpenAI, up: FakeVideosUpstream, status: int, code: str) -> None:
    up.fail_always(status, retry_after=0)
    video = client.videos.create_and_poll(prompt=f"Rain, upstream {status}", poll_interval_ms=100)
    up.clear_failures()
    assert video.status == "failed" and video.error is not None and video.error.code == code
    assert f"(HTTP {status}) after 4 attempts" in video.error.message and VIDEO_KEY not in video.error.message


def test_a_cancel_stops_the_polling(client: openai.OpenAI, up: FakeVideosUpstream) -> None:
    up.hold()
    made = client.videos.create(prompt="A slow sunrise over hills")
    wait_for(lambda: up.polled_while_held.is_set(), "the upstream to be polled")
    vid = upstream_id(up, "A slow sunrise over hills")
    assert client.videos.retrieve(made.id).status == "in_progress"
    assert client.videos.delete(made.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(made.id)
    # One video at a time on this server: the next one reaches the upstream only once the cancelled one's runner
    # has stopped, and the upstream is held until then, so a runner that kept polling would see it complete.
    after = client.videos.create(prompt="A quick one after the cancel")
    wait_for(lambda: up.video_id(after.prompt), "the next job to start")
    up.release()
    assert client.videos.poll(after.id, poll_interval_ms=100).status == "completed"
    assert up.timeline(vid) == ["queued", "in_progress"]
    assert not any(p.startswith(f"GET /v1/videos/{vid}/content") for p in up.paths())


def test_aiart_img2video_with_the_seeds_client(sora: Running, up: FakeVideosUpstream, tenant: Tenant,
                                               tmp_path: Path) -> None:
    Image.new("RGB", (480, 270), (70, 120, 200)).save(tmp_path / "photo.png")
    code = (CLIENT.replace("BASE_URL", sora.url).replace("time.sleep(5)", "time.sleep(0.2)")
            .replace("import requests\n", f"import requests\nHEADERS = {{'x-api-key': {tenant.key!r}}}\n", 1))
    printed = run_client(code, tmp_path)
    assert "Video generation complete!" in printed and "Finish reason: SUCCESS" in printed, printed
    url = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("Video URL: "))
    frames = frames_of(httpx.get(url).content)
    assert len(frames) == 4 * FPS and (frames[0].width, frames[0].height) == (1280, 720)
    create = next(r for r in reversed(up.requests) if r.method == "POST")
    [ref] = create.files_named("input_reference")
    assert Image.open(io.BytesIO(ref.data)).size == (1280, 720) and create.form["size"] == ["1280x720"]
    assert create.form["prompt"] == ["Animate this image"]


def test_aiart_img2video_reports_the_providers_failure(sora: Running, up: FakeVideosUpstream, tenant: Tenant,
                                                       tmp_path: Path) -> None:
    up.fail_video("The image shows a public figure.", code="input_blocked")
    still = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 80, 60)).save(still, "PNG")
    r = httpx.post(sora.url + "/api/img2video", headers=tenant.headers,
                   files={"image": ("s.png", still.getvalue(), "image/png")})
    job = r.json()["id"]
    result = wait_for(lambda: (p := httpx.get(f"{sora.url}/api/img2video/result/{job}", headers=tenant.headers))
                      .status_code != 202 and p, "the job to end")
    assert result.status_code == 422 and result.json() == {
        "success": False, "code": "generation_failed",
        "error": "sora-2 could not make the video: The image shows a public figure. (input_blocked)"}
