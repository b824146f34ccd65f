"""The playground at `/`, driven in a real Chromium by Playwright against a real server on loopback.

Skipped, with the reason, where Chromium or Playwright is missing; under CI=true a missing browser fails
instead, so CI can never pass with these tests unseen.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Running, png_bytes, start_with_two_tenants
from tests.serverproc import EaselServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 60_000
XSS = '<img src=x onerror="document.title=\'pwned\'">'


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if (reason := _missing()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_with_two_tenants(tmp_path_factory.mktemp("playground"))
    yield running
    running.server.stop()


def new_workspace(served: Running, name: str) -> str:
    with served.client(served.alice) as c:
        made: str = c.post("/v1/workspaces", json={"name": name}).json()["id"]
    return made


# The page watches the moments images and finished replies appear.
WATCH = """
window.__order = [];
new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === 'childList') {
      for (const n of r.addedNodes) {
        if (n.nodeType === 1 && n.matches('.msg.assistant .images .thumb')) window.__order.push('image');
      }
    } else if (r.type === 'attributes' && r.target.matches('.msg.assistant') && !r.target.hasAttribute('aria-busy')) {
      window.__order.push('done');
    }
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-busy']});
"""


def open_page(browser: Any, served: Running, workspace: str, *, width: int = 1280, height: int = 800,
              key: str | None = None, path: str = "/") -> Any:
    # The page's Content-Security-Policy is set aside here (test_the_page_is_served_with_a_strict_policy
    # checks it), so that escaping alone is what the hostile-input test proves, and Playwright may evaluate.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.add_init_script(f"localStorage.setItem('easel.key', {(key or served.alice.key)!r});"
                            f"localStorage.setItem('easel.workspace', {workspace!r});" + WATCH)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(served.url + path)
    page.wait_for_selector("body[data-ready]", state="attached")
    return page


def send(page: Any, text: str) -> Any:
    """Types a message, sends it with Enter, and waits for the reply to finish; returns the reply."""
    before = page.locator(".msg.assistant").count()
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")
    reply = page.locator(".msg.assistant").nth(before)
    reply.wait_for()
    page.wait_for_function("(n) => { const r = document.querySelectorAll('.msg.assistant')[n];"
                           " return r && !r.hasAttribute('aria-busy'); }", arg=before)
    return reply


def loaded_images(reply: Any) -> list[str]:
    """The file ids of the reply's images, once each has really been decoded by the browser."""
    reply.page.wait_for_function("(el) => [...el.querySelectorAll('.images img')].every(i => i.complete"
                                 " && i.naturalWidth > 0)", arg=reply.element_handle())
    return [img.get_attribute("src").split("/files/")[1].split("/")[0]
            for img in reply.locator(".images img").all()]


def conversation(served: Running, workspace: str, conv_id: str) -> dict[str, Any]:
    with served.client(served.alice) as c:
        got: dict[str, Any] = c.get(f"/v1/conversations/{conv_id}", params={"workspace_id": workspace}).json()
    return got


def current_conversation(page: Any) -> str:
    return str(page.evaluate("location.hash.slice(1)"))


def test_a_prompt_streams_text_and_an_image_appears(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "stream")
    page = open_page(browser, served, ws)
    reply = send(page, "Create an image of a futuristic cityscape at night with neon lights")
    ids = loaded_images(reply)
    assert len(ids) == 1
    assert "futuristic-cityscape" in reply.locator(".images .name").inner_text()
    assert reply.locator(".tool[data-status=completed] .label").inner_text() == "Made"
    assert re.fullmatch(r"\d+\.\d s", reply.locator(".tool .time").inner_text())
    # The image was on the page before the turn's final event closed the reply.
    order = page.evaluate("window.__order")
    assert order.index("image") < order.index("done")
    stored = conversation(served, ws, current_conversation(page))
    assert reply.locator(".body").inner_text().strip() == stored["messages"][1]["content"].strip()
    assert [m["file_id"] for m in stored["messages"][1]["media"]] == ids


def test_an_upload_is_restyled_into_a_second_image(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "restyle")
    page = open_page(browser, served, ws)
    page.set_input_files("#file-input", files=[{"name": "photo.png", "mimeType": "image/png",
                                                "buffer": png_bytes((160, 120), (40, 120, 200))}])
    chip = page.locator(".chip[data-state=ready]")
    chip.wait_for()
    uploaded = chip.get_attribute("data-file-id")
    reply = send(page, "Render this photo as a pencil sketch")
    (made,) = loaded_images(reply)
    assert page.locator(".msg.user .thumb img").last.get_attribute("src").count(uploaded) == 1
    assert page.locator(".chip").count() == 0  # the tray empties once sent
    # The viewer shows where it came from, and "Edit this" attaches it to the next message.
    reply.locator(".images .thumb").click()
    viewer = page.locator("#viewer")
    viewer.wait_for()
    meta = page.locator("#viewer-meta").inner_text()
    assert "style_transfer" in meta and "pencil" in meta.lower()
    assert page.locator("#viewer-meta .source img").get_attribute("src").count(uploaded) == 1
    assert page.locator("#viewer-download").get_attribute("download").endswith(".png")
    page.click("#viewer-edit")
    assert page.locator(".chip[data-state=ready]").get_attribute("data-file-id") == made
    again = send(page, "Add rain to it")
    (third,) = loaded_images(again)
    with served.client(served.alice) as c:
        meta2 = c.get(f"/v1/storage/files/{third}", params={"workspace_id": ws}).json()["metadata"]
        source = c.get(f"/v1/storage/files/{made}", params={"workspace_id": ws}).json()["metadata"]
    assert meta2["source_file_ids"] == [made] and source["source_file_ids"] == [uploaded]


def test_a_conversation_reopens_after_a_reload_and_is_renamed_and_deleted(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "reopen")
    page = open_page(browser, served, ws)
    reply = send(page, "Create an image of a lighthouse at dawn")
    (image,) = loaded_images(reply)
    conv_id = current_conversation(page)
    text = reply.locator(".body").inner_text()
    page.reload()
    page.locator(".msg.assistant .images img").wait_for()
    users = [m.inner_text() for m in page.locator(".msg.user .body").all()]
    assert users == ["Create an image of a lighthouse at dawn"]
    assert page.locator(".msg.assistant .body").inner_text() == text
    assert loaded_images(page.locator(".msg.assistant")) == [image]
    current = page.locator(".conversation[aria-current=true]")
    assert current.get_attribute("data-id") == conv_id
    # A new chat, then reopening from the list, by keyboard.
    page.click("#new-chat")
    assert page.locator(".msg.intro").count() == 1
    page.locator(f".conversation[data-id='{conv_id}'] .open").focus()
    page.keyboard.press("Enter")
    page.locator(".msg.assistant .images img").wait_for()
    # Rename in place.
    page.locator(f".conversation[data-id='{conv_id}'] button[title^=Rename]").click()
    page.fill(".rename", "Lighthouses")
    page.press(".rename", "Enter")
    page.locator(f".conversation[data-id='{conv_id}'] .title", has_text="Lighthouses").wait_for()
    assert conversation(served, ws, conv_id)["title"] == "Lighthouses"
    # Delete: asked first; the thread closes and the image stays in the Space.
    page.once("dialog", lambda d: d.accept())
    page.locator(f".conversation[data-id='{conv_id}'] button[title^=Delete]").click()
    page.locator(".msg.intro").wait_for()
    assert page.locator(f".conversation[data-id='{conv_id}']").count() == 0
    with served.client(served.alice) as c:
        assert c.get(f"/v1/conversations/{conv_id}", params={"workspace_id": ws}).status_code == 404
        assert c.get(f"/v1/storage/files/{image}", params={"workspace_id": ws}).status_code == 200


def test_gallery_pages_filters_by_folder_and_deletes(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "gallery")
    with served.client(served.alice) as c:
        folder = c.post("/v1/storage/folders", json={"name": "Holiday", "workspace_id": ws}).json()["folderId"]
        names = [f"pic-{i:02d}.png" for i in range(14)]
        for i, name in enumerate(names):
            data = {"workspace_id": ws, **({"folder_id": folder} if i < 2 else {})}
            r = c.post("/v1/storage/files", data=data, files={"file": (name, png_bytes((32, 32), (i * 15, 90, 60)),
                                                                       "image/png")})
            assert r.status_code == 200, r.text
    page = open_page(browser, served, ws)
    page.click("#show-gallery")
    tiles = page.locator("#gallery .tile")
    page.wait_for_function("document.querySelectorAll('#gallery .tile').length === 12")
    assert [t.inner_text().strip() for t in tiles.locator(".name").all()] == names[::-1][:12]
    page.click("#gallery-more")
    page.wait_for_function("document.querySelectorAll('#gallery .tile').length === 14")
    assert page.locator("#gallery-more").is_hidden()
    assert [t.inner_text().strip() for t in tiles.locator(".name").all()] == names[::-1]
    page.select_option("#folder", label="Holiday")
    page.wait_for_function("document.querySelectorAll('#gallery .tile').length === 2")
    assert [t.inner_text().strip() for t in tiles.locator(".name").all()] == ["pic-01.png", "pic-00.png"]
    doomed = tiles.first.get_attribute("data-id")
    page.once("dialog", lambda d: d.accept())
    tiles.first.locator(".delete").click()
    page.wait_for_function("document.querySelectorAll('#gallery .tile').length === 1")
    with served.client(served.alice) as c:
        assert c.get(f"/v1/storage/files/{doomed}", params={"workspace_id": ws}).status_code == 404
    # A gallery image opens in the viewer.
    tiles.first.locator(".thumb").click()
    assert page.locator("#viewer-title").inner_text() == "pic-00.png"


def test_a_429_shows_a_countdown_and_holds_the_send_button(browser: Any, tmp_path: Path) -> None:
    key = "esk_playground_limited_000000000000000"
    # Three requests a minute: this test's own look-up and the page's start (workspaces, conversations) use
    # them all, so the chat is refused.
    with EaselServer(tmp_path, key=key, env={"EASEL_RATE_LIMIT_RPM": "3"}) as server:
        ws = httpx.get(server.base_url + "/v1/workspaces", headers={"x-api-key": key}).json()["workspaces"][0]["id"]
        context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        context.add_init_script(f"localStorage.setItem('easel.key', {key!r});"
                                f"localStorage.setItem('easel.workspace', {ws!r});")
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(server.base_url + "/")
        page.wait_for_selector("body[data-ready]", state="attached")
        page.fill("#prompt", "Create an image of a cat")
        page.press("#prompt", "Enter")
        alert = page.locator("#alert.wait")
        alert.wait_for()
        first = int(re.search(r"in (\d+) s", alert.inner_text())[1])  # type: ignore[index]
        assert 1 <= first <= 60 and "Too many requests" in alert.inner_text()
        assert page.locator("#send").is_disabled()
        assert "Not sent" in page.locator(".msg.assistant .state").inner_text()
        page.wait_for_function(f"(() => {{ const m = document.querySelector('#alert-text').textContent"
                               f".match(/in (\\d+) s/); return m && Number(m[1]) < {first}; }})()")
        context.close()


def test_html_in_a_prompt_and_a_file_name_shows_as_text_and_runs_nothing(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "hostile")
    page = open_page(browser, served, ws)
    page.set_input_files("#file-input", files=[{"name": f"{XSS}.png", "mimeType": "image/png",
                                                "buffer": png_bytes()}])
    chip = page.locator(".chip[data-state=ready]")
    chip.wait_for()
    assert chip.locator(".name").inner_text() == f"{XSS}.png"  # the browser's own file name, shown as text
    prompt = f"Create an image of {XSS} a **bold** fox"
    reply = send(page, prompt)
    loaded_images(reply)
    assert page.locator(".msg.user .body").inner_text() == prompt
    title = page.locator(".conversation .title").first.inner_text()
    assert title.startswith("Create an image of <img src=x")
    # Open the viewer too: the prompt sits in its provenance and in every alt text.
    reply.locator(".images .thumb").click()
    page.locator("#viewer").wait_for()
    page.keyboard.press("Escape")
    page.reload()
    page.locator(".msg.assistant .images img").wait_for()
    assert page.locator(".msg.user .body").inner_text() == prompt
    assert page.locator("img[src='x']").count() == 0  # no element was made from the text
    assert page.evaluate("document.title") == "Easel playground"  # the handler never ran


def test_a_wrong_key_is_said_in_plain_words_and_a_new_one_is_asked_for(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "keys")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.add_init_script("localStorage.setItem('easel.key', 'esk_not_a_key')")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(served.url + "/")
    page.locator("#key-dialog[open]").wait_for()
    assert page.locator("#alert-text").inner_text() == ("Easel did not accept the API key: Invalid API key. "
                                                        "Enter a valid key.")
    page.fill("#key-input", served.alice.key)
    page.press("#key-input", "Enter")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.locator("#alert").is_hidden() and page.locator("#key-dialog[open]").count() == 0
    assert page.evaluate("localStorage.getItem('easel.key')") == served.alice.key
    assert ws in page.locator("#workspace option").evaluate_all("(os) => os.map((o) => o.value)")
    context.close()


def test_the_page_is_served_with_a_strict_policy(served: Running) -> None:
    page = httpx.get(served.url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
    script = httpx.get(served.url + "/playground/main.js")
    assert script.headers["content-type"].startswith("text/javascript") and b"chatStream" in script.content
    for licence in ("marked.LICENSE", "purify.LICENSE"):
        assert httpx.get(served.url + f"/playground/vendor/{licence}").status_code == 200
    assert httpx.get(served.url + "/playground/../../app.py").status_code == 404


def test_phone_width_and_keyboard(browser: Any, served: Running) -> None:
    ws = new_workspace(served, "phone")
    page = open_page(browser, served, ws, width=390, height=844)
    assert page.locator("#sidebar").is_hidden() and page.locator("#menu").is_visible()
    assert page.evaluate("document.activeElement.id") == "prompt"  # ready to type at once
    widths = page.evaluate("[document.documentElement.scrollWidth, document.querySelector('.top').scrollWidth]")
    assert widths == [390, 390]  # nothing runs off the side
    reply = send(page, "Create an image of a red bicycle")
    loaded_images(reply)
    box = reply.locator(".images img").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.click("#menu")
    page.locator(".conversation").first.wait_for(state="visible")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.body.classList.contains('sidebar-open')")
    # The keyboard starts in the message box; Tab goes on to Send, Shift+Tab back to the attach button.
    page.focus("#prompt")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "send"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "file-input"


def test_screenshots(browser: Any, served: Running) -> None:
    """Desktop and phone pictures of a real session; written to SCREENSHOTS_DIR (`make screenshots`)."""
    ws = new_workspace(served, "posters")
    page = open_page(browser, served, ws)
    first = send(page, "Create an image of a futuristic cityscape at night with neon lights")
    loaded_images(first)
    second = send(page, "Render it as a watercolor painting")
    loaded_images(second)
    out = Path(os.environ.get("SCREENSHOTS_DIR") or served.server.data_dir)
    shots = {"playground-desktop.png": page.screenshot()}
    second.locator(".images .thumb").click()
    page.locator("#viewer-meta dd").first.wait_for()
    page.wait_for_function("document.getElementById('viewer-image').complete"
                           " && document.getElementById('viewer-image').naturalWidth > 0")
    shots["playground-viewer.png"] = page.screenshot()
    phone = open_page(browser, served, ws, width=390, height=844, path="/#" + current_conversation(page))
    phone.locator(".msg.assistant .images img").last.wait_for()
    loaded_images(phone.locator(".msg.assistant").last)
    phone.evaluate("document.getElementById('chat-view').scrollTop = 1e6")
    shots["playground-phone.png"] = phone.screenshot()
    from PIL import Image

    for name, data in shots.items():
        with Image.open(io.BytesIO(data)) as img:
            assert img.size in ((1280, 800), (390, 844))
            assert len(img.convert("L").getcolors(1 << 16) or []) > 50  # a real page, not a blank one
        (out / name).write_bytes(data)
