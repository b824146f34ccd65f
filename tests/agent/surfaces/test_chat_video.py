"""Videos through `/v1/chat` over real HTTP, on the offline defaults (the offline router calls video_gen, the
offline animator makes the clip): the whole streamed event sequence for "animate this photo", the MP4 decoded
with PyAV, a client that leaves mid-job (the clip still lands in the Space), a non-streamed chat that answers
with the job's id when its wait runs out, and the budget checked before a job starts."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from tests.conftest import Running, Tenant, start_with_two_tenants
from tests.serverproc import parse_fields, run_cli

WAIT_S = 120


def new_tenant(running: Running, name: str) -> Tenant:
    fields = parse_fields(run_cli(running.server.data_dir, "accounts", "create", name))
    return Tenant(fields["api key"], fields["workspace"], fields["account"])


def photo_bytes(size: tuple[int, int] = (640, 360)) -> bytes:
    """A landscape-like photo: a blue sky over a darker, textured land."""
    w, h = size
    img = Image.new("RGB", size, (90, 140, 210))
    land = Image.effect_noise((w, h - h // 2), 40).convert("RGB")
    img.paste(Image.blend(land, Image.new("RGB", land.size, (50, 100, 40)), 0.6), (0, h // 2))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def upload(running: Running, tenant: Tenant, data: bytes, name: str = "photo.png") -> str:
    r = httpx.post(running.url + "/v1/storage/files", headers=tenant.headers,
                   files={"file": (name, data, "image/png")}, timeout=60)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["fileId"])


def parse_stream(raw: bytes) -> list[dict[str, Any]]:
    assert raw.endswith(b"\n\n") and b"\r" not in raw
    events = []
    for block in raw.decode().split("\n\n")[:-1]:
        assert block.startswith("data: ") and "\n" not in block, block
        events.append(json.loads(block.removeprefix("data: ")))
    return events


def chat_body(tenant: Tenant, text: str, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], "workspace_id": tenant.workspace_id, **extra}


def stream(running: Running, tenant: Tenant, body: dict[str, Any]) -> list[dict[str, Any]]:
    raw = b""
    with httpx.stream("POST", running.url + "/v1/chat", json={"stream": True, **body}, headers=tenant.headers,
                      timeout=WAIT_S) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        for chunk in r.iter_raw():
            raw += chunk
    return parse_stream(raw)


def shape(events: list[dict[str, Any]]) -> list[str]:
    """The sequence with runs of text and of progress each drawn once: what the contract fixes."""
    out: list[str] = []
    for e in events:
        if e["type"] == "ping":
            continue
        token = e["type"] if e["type"] != "tool_status" else f"tool_status:{e['status']}"
        if not out or out[-1] != token or token not in ("ai_chunk", "tool_status:generating"):
            out.append(token)
    return out


def frames_of(url: str) -> tuple[int, tuple[int, int], float]:
    data = httpx.get(url, timeout=60).content
    with av.open(io.BytesIO(data)) as container:
        stream_ = container.streams.video[0]
        frames = list(container.decode(video=0))
        return len(frames), (frames[0].width, frames[0].height), float(stream_.average_rate or 0)


def space_files(running: Running, tenant: Tenant) -> list[dict[str, Any]]:
    r = httpx.get(running.url + "/v1/storage/files", headers=tenant.headers, params={"limit": 100}, timeout=60)
    assert r.status_code == 200, r.text
    files: list[dict[str, Any]] = r.json()["files"]
    return files


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "chat-video")


def test_a_streamed_chat_animates_an_upload_with_progress_then_the_video(easel: Running, tenant: Tenant) -> None:
    photo = upload(easel, tenant, photo_bytes())
    events = stream(easel, tenant, chat_body(tenant, "Animate this photo for 3 seconds", file_ids=[photo]))

    assert shape(events) == ["ai_chunk", "tool_status:in_progress", "tool_status:generating", "media_item",
                             "tool_status:completed", "ai_chunk", "ai_complete"], shape(events)
    started = next(e for e in events if e["type"] == "tool_status")
    assert started["tool"] == "video_gen" and started["arguments"] == {
        "prompt": "Animate this photo", "source_file_id": photo, "seconds": 3}
    progress = [e for e in events if e["type"] == "tool_status" and e["status"] == "generating"]
    percents = [e["progress"] for e in progress]
    assert percents[0] == 0 and percents == sorted(set(percents)) and len(percents) >= 2, percents
    assert all(0 <= p <= 99 for p in percents) and len({e["job_id"] for e in progress}) == 1
    job_id = progress[0]["job_id"]

    media = next(e for e in events if e["type"] == "media_item")
    assert media["mime_type"] == "video/mp4" and media["name"] == "photo.mp4"
    assert (media["width"], media["height"]) == (640, 360)
    meta = media["metadata"]
    assert meta["fps"] == 24 and meta["duration_s"] == 3.0 and meta["frames"] == 72 and meta["job_id"] == job_id
    assert meta["source_file_ids"] == [photo] and meta["model"] == "builtin/animator-1"
    assert frames_of(media["url"]) == (72, (640, 360), 24.0)  # decoded, every frame asked for
    poster = httpx.get(media["poster_url"], timeout=60)
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/png"

    done = events[-1]
    assert done["media"] == [{k: v for k, v in media.items() if k != "type"}]
    call = done["tool_calls"][0]
    assert call["tool"] == "video_gen" and call["status"] == "completed" and call["job_id"] == job_id
    assert call["file_ids"] == [media["file_id"]]
    text = "".join(e["content"] for e in events if e["type"] == "ai_chunk")
    assert text == done["response"]
    assert text.startswith("Animating photo.png into a 3-second video…\n\nI animated photo.png into photo.mp4 "
                           "(640x360, 3 s at 24 fps, 72 frames). Offline animation (camera and weather, not "
                           "generated motion):"), text

    # The job is the same one the videos API reads, and the generation is in the history, from the chat.
    job = httpx.get(f"{easel.url}/v1/videos/{job_id}", headers=tenant.headers, timeout=60).json()
    assert job["status"] == "completed" and job["progress"] == 100
    history = httpx.get(easel.url + "/v1/generations", headers=tenant.headers, timeout=60).json()
    video_gen = [g for g in history["data"]["generations"] if media["file_id"] in g["file_ids"]]
    assert len(video_gen) == 1 and video_gen[0]["api"] == "chat"


def test_a_prompt_alone_is_painted_first_then_animated(easel: Running, tenant: Tenant) -> None:
    r = httpx.post(easel.url + "/v1/chat", headers=tenant.headers, timeout=WAIT_S,
                   json=chat_body(tenant, "make a 2-second video of waves at sunset"))
    assert r.status_code == 200, r.text
    body = r.json()
    (media,) = body["media"]
    assert media["mime_type"] == "video/mp4" and media["metadata"]["prompt"] == "waves at sunset"
    still = media["metadata"]["source_file_ids"][0]
    listed = {f["fileId"]: f for f in space_files(easel, tenant)}
    assert listed[still]["mimeType"] == "image/png"  # the painted still is a Space file of its own
    assert frames_of(media["url"])[0] == 48
    assert body["response"].startswith("Painting waves at sunset first, then animating it into a 2-second video…")
    assert "I painted a still and animated it into" in body["response"]


def test_a_client_that_leaves_mid_job_still_gets_the_video_in_its_space(easel: Running, tenant: Tenant) -> None:
    photo = upload(easel, tenant, photo_bytes((1280, 720)), "harbour.png")
    job_id = None
    with httpx.stream("POST", easel.url + "/v1/chat", headers=tenant.headers, timeout=WAIT_S,
                      json={"stream": True, **chat_body(tenant, "animate this photo for 8 seconds",
                                                       file_ids=[photo])}) as r:
        for line in r.iter_lines():
            if line.startswith("data: ") and '"generating"' in line:
                job_id = json.loads(line.removeprefix("data: "))["job_id"]
                break  # leave while the clip is being made
    assert job_id is not None
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # the event waited on: the clip listed in the Space
        made = [f for f in space_files(easel, tenant) if f.get("metadata", {}).get("job_id") == job_id
                and f["mimeType"] == "video/mp4"]
        if made:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the video of a client that left never reached the Space")
    assert made[0]["name"] == "harbour.mp4" and made[0]["metadata"]["frames"] == 8 * 24
    job = httpx.get(f"{easel.url}/v1/videos/{job_id}", headers=tenant.headers, timeout=60).json()
    assert job["status"] == "completed"
    content = httpx.get(f"{easel.url}/v1/videos/{job_id}/content", headers=tenant.headers, timeout=60)
    assert content.status_code == 200 and content.content[4:8] == b"ftyp"


def test_no_credit_left_fails_the_call_with_the_reason_and_starts_nothing(easel: Running) -> None:
    broke = new_tenant(easel, "chat-video-broke")
    run_cli(easel.server.data_dir, "accounts", "budget", broke.account_id, "0")
    photo = upload(easel, broke, photo_bytes((320, 180)))
    events = stream(easel, broke, chat_body(broke, "animate this photo", file_ids=[photo]))
    assert shape(events) == ["ai_chunk", "tool_status:in_progress", "tool_status:failed", "ai_chunk",
                             "ai_complete"], shape(events)
    failed = next(e for e in events if e["type"] == "tool_status" and e["status"] == "failed")
    assert failed["code"] == "insufficient_credits" and failed["error"].startswith("Not enough credits")
    assert events[-1]["tool_calls"][0]["code"] == "insufficient_credits"
    assert "I couldn't make the video: Not enough credits" in events[-1]["response"]
    jobs = httpx.get(easel.url + "/v1/videos", headers=broke.headers, timeout=60).json()["data"]
    assert jobs == [] and [f["mimeType"] for f in space_files(easel, broke)] == ["image/png"]


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server whose non-streamed chats wait no time at all for a video."""
    running = start_with_two_tenants(tmp_path_factory.mktemp("impatient"), env={"EASEL_VIDEO_WAIT_S": "0"})
    yield running
    running.server.stop()


def test_a_non_streamed_chat_past_its_wait_answers_with_the_job_and_where_the_file_will_be(
        impatient: Running, tmp_path: Path) -> None:
    alice = impatient.alice
    photo = upload(impatient, alice, photo_bytes())
    r = httpx.post(impatient.url + "/v1/chat", headers=alice.headers, timeout=WAIT_S,
                   json=chat_body(alice, "animate this photo", file_ids=[photo]))
    assert r.status_code == 200, r.text
    body = r.json()
    call = body["tool_calls"][0]
    job_id = call["job_id"]
    assert call["tool"] == "video_gen" and call["status"] == "in_progress" and job_id.startswith("video_")
    assert call["status_url"] == f"/v1/videos/{job_id}" and body["media"] == []
    assert job_id in body["response"] and f"/v1/videos/{job_id}" in body["response"]
    deadline = time.monotonic() + WAIT_S
    while (job := httpx.get(f"{impatient.url}/v1/videos/{job_id}", headers=alice.headers,
                            timeout=60).json())["status"] != "completed":
        assert job["status"] in ("queued", "in_progress") and time.monotonic() < deadline, job
        time.sleep(0.2)
    listed = [f for f in space_files(impatient, alice) if f.get("metadata", {}).get("job_id") == job_id]
    assert {f["mimeType"] for f in listed} == {"video/mp4", "image/png"}  # the clip and its poster
