"""A video made in chat plays in a real Chromium: the playground, under its own Content-Security-Policy, shows
the clip in a <video> element whose source is Easel's signed link, and its `currentTime` advances.

Skipped, with the reason, where Chromium or Playwright is missing; under CI=true that fails instead (the
browser fixture of test_playground.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from tests.agent.surfaces.test_playground import WAIT_MS, browser, send  # noqa: F401 - browser is a fixture
from tests.conftest import Running, start_with_two_tenants


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("playback"))
    yield running
    running.server.stop()


def photo() -> bytes:
    img = Image.new("RGB", (320, 180), (80, 130, 210))
    img.paste(Image.effect_noise((320, 90), 50).convert("RGB"), (0, 90))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_a_video_made_in_chat_plays_in_a_video_element(browser: Any, served: Running) -> None:  # noqa: F811
    with served.client(served.alice) as c:
        workspace = c.post("/v1/workspaces", json={"name": "playback"}).json()["id"]
    # The page's own policy is kept here: the clip must be allowed to play under it (media-src).
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(f"localStorage.setItem('easel.key', {served.alice.key!r});"
                            f"localStorage.setItem('easel.workspace', {workspace!r});")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(served.url + "/")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.set_input_files("#file-input", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": photo()}])
    page.locator(".chip[data-state=ready]").wait_for()

    reply = send(page, "Animate this photo for 3 seconds")
    assert reply.locator(".tool[data-status=completed] .label").inner_text() == "Made"
    video = reply.locator(".images video").element_handle()
    src = video.get_attribute("src")
    assert src.startswith(served.url + "/v1/storage/files/") and "sig=" in src
    assert "/content?" in (video.get_attribute("poster") or "")
    assert page.evaluate("() => document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')")
    video.evaluate("(v) => v.play()")
    page.wait_for_function("(v) => v.currentTime > 1.0 && !v.error", arg=video)
    played = video.evaluate("(v) => ({w: v.videoWidth, h: v.videoHeight, d: v.duration, t: v.currentTime,"
                            " err: v.error && v.error.code})")
    assert (played["w"], played["h"]) == (320, 180) and abs(played["d"] - 3.0) < 0.1 and played["err"] is None
    later = page.wait_for_function("(args) => args[0].currentTime !== args[1] && args[0].currentTime",
                                   arg=[video, played["t"]]).json_value()
    assert later != played["t"]  # still moving: it plays (and loops), not one decoded frame
    assert blocked == [], blocked
    context.close()
