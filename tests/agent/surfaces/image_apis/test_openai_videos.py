"""OpenAI's videos API over real HTTP, through the `openai` SDK unchanged: create_and_poll from a prompt and
from an uploaded still, download_content of the video and its thumbnail (Range for seeking), list, delete;
sizes and lengths the animator cannot make are refused by name; another account's video is not found."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import openai
import pytest
from PIL import Image

from tests.agent.surfaces.image_apis.conftest import new_tenant
from tests.conftest import Running, Tenant


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "openai-videos")


@pytest.fixture(scope="module")
def client(easel: Running, tenant: Tenant) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=easel.url + "/v1", api_key=tenant.key, max_retries=0) as c:
        yield c


def frames_of(data: bytes) -> list[av.VideoFrame]:
    return list(av.open(io.BytesIO(data)).decode(video=0))


def test_create_and_poll_from_a_prompt_then_download(client: openai.OpenAI, tmp_path: Path) -> None:
    video = client.videos.create_and_poll(model="sora-2", prompt="Waves at sunset, slow pan", seconds="4",
                                          size="1280x720")
    assert (video.status, video.progress, video.model, video.seconds, video.size) == (
        "completed", 100, "sora-2", "4", "1280x720")
    content = client.videos.download_content(video.id)
    content.write_to_file(tmp_path / "video.mp4")
    frames = frames_of((tmp_path / "video.mp4").read_bytes())
    assert len(frames) == 96 and (frames[0].width, frames[0].height) == (1280, 720)
    thumb = client.videos.download_content(video.id, variant="thumbnail")
    assert Image.open(io.BytesIO(thumb.read())).size == (1280, 720)


def test_an_uploaded_still_is_animated(client: openai.OpenAI, easel: Running, tenant: Tenant) -> None:
    still = io.BytesIO()
    Image.new("RGB", (720, 1280), (30, 90, 160)).save(still, "PNG")
    video = client.videos.create_and_poll(prompt="Gentle zoom", seconds="2",
                                          input_reference=("still.png", still.getvalue(), "image/png"))
    assert video.status == "completed" and video.size == "720x1280"
    url = f"{easel.url}/v1/videos/{video.id}/content"
    part = httpx.get(url, headers={**tenant.headers, "Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100 and part.headers["content-type"] == "video/mp4"
    assert len(frames_of(httpx.get(url, headers=tenant.headers).content)) == 48


def test_list_and_delete(client: openai.OpenAI) -> None:
    made = client.videos.create_and_poll(prompt="Rain on a window", seconds="2", size="1280x720")
    ids = [v.id for v in client.videos.list(limit=100)]
    assert made.id in ids
    gone = client.videos.delete(made.id)
    assert gone.deleted and gone.object == "video.deleted"
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(made.id)


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"seconds": "12"}, "seconds"), ({"size": "1792x1024"}, "size"), ({"model": "veo-3"}, "model")])
def test_what_the_animator_cannot_make_is_refused_by_name(client: openai.OpenAI, kwargs: dict[str, str],
                                                         param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt="A city at night", **kwargs)  # type: ignore[arg-type]
    assert caught.value.body["param"] == param  # type: ignore[index]


def test_another_accounts_video_is_not_found(client: openai.OpenAI, easel: Running) -> None:
    made = client.videos.create(prompt="Clouds drifting", seconds="2", size="1280x720")
    other = {"Authorization": f"Bearer {easel.alice.key}"}
    for path in (f"/v1/videos/{made.id}", f"/v1/videos/{made.id}/content"):
        r = httpx.get(easel.url + path, headers=other)
        assert r.status_code == 404 and set(r.json()["error"]) == {"message", "type", "param", "code"}
    assert httpx.delete(f"{easel.url}/v1/videos/{made.id}", headers=other).status_code == 404
    client.videos.poll(made.id)
