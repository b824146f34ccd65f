"""`"previews": true` on `/v1/chat`: `media_preview` events (the painter's intermediate states) before each
`media_item`, over real HTTP against the offline brain and painter; and seed 000's own streaming client,
unchanged but for the request's `"previews": True`, still prints its image, text and `Done.`."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from tests.agent.surfaces.test_seed_zarkai import STREAMING, run_seed
from tests.conftest import Running


def chat_events(easel: Running, **body: Any) -> list[dict[str, Any]]:
    request = {"messages": [{"role": "user", "content": "Create an image of a mountain landscape at sunrise"}],
               "workspace_id": easel.alice.workspace_id, "tools": ["image_gen"], "stream": True, **body}
    with httpx.stream("POST", easel.url + "/v1/chat", json=request, headers=easel.alice.headers, timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        raw = r.read().decode()
    blocks = [b for b in raw.split("\n\n") if b]
    assert all(b.startswith("data: {") and "\n" not in b for b in blocks), raw[:500]  # the contract's framing
    return [json.loads(b.removeprefix("data: ")) for b in blocks]


def image_of(data_url: str) -> np.ndarray:
    head, _, payload = data_url.partition(",")
    assert head == "data:image/png;base64"
    img = Image.open(io.BytesIO(base64.b64decode(payload)))
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB"), np.float32)


def test_previews_come_before_the_media_item_and_are_the_painters_states(easel: Running) -> None:
    events = chat_events(easel, previews=True)
    kinds = [e["type"] for e in events if e["type"] != "ping"]
    # The whole sequence: the call starts and paints, its previews come in order, then the saved image.
    tool_part = [k for k in kinds if k != "ai_chunk"]
    assert tool_part == ["tool_status", "tool_status", "media_preview", "media_preview", "media_preview",
                         "tool_status", "media_item", "ai_complete"] or tool_part == [
        "tool_status", "tool_status", "media_preview", "media_preview", "media_preview", "media_item",
        "tool_status", "ai_complete"], kinds
    statuses = [e["status"] for e in events if e["type"] == "tool_status"]
    assert statuses == ["in_progress", "generating", "completed"]
    call_id = next(e["call_id"] for e in events if e["type"] == "tool_status")
    previews = [e for e in events if e["type"] == "media_preview"]
    assert [(p["call_id"], p["index"]) for p in previews] == [(call_id, 0), (call_id, 1), (call_id, 2)]
    assert all(set(p) == {"type", "call_id", "index", "data"} for p in previews)
    item = next(e for e in events if e["type"] == "media_item")
    assert kinds.index("media_item") > max(i for i, k in enumerate(kinds) if k == "media_preview")
    final = np.asarray(Image.open(io.BytesIO(httpx.get(item["url"]).content)).convert("RGB"), np.float32)
    states = [image_of(p["data"]) for p in previews]
    assert all(s.shape == final.shape for s in states)
    gaps = [float(np.abs(s - final).mean()) for s in states]
    assert all(g > 1.0 for g in gaps) and gaps == sorted(gaps, reverse=True), gaps  # nearer the end each time
    assert np.abs(states[0] - states[1]).mean() > 1.0
    done = events[-1]
    assert done["type"] == "ai_complete" and [m["file_id"] for m in done["media"]] == [item["file_id"]]


def test_no_previews_unless_asked(easel: Running) -> None:
    events = chat_events(easel)
    assert "media_preview" not in {e["type"] for e in events}
    assert events[-1]["type"] == "ai_complete" and len(events[-1]["media"]) == 1


def test_seed_000_streaming_client_still_works_with_previews_on(easel: Running, tmp_path: Path) -> None:
    with_previews = STREAMING.replace('"stream": True,', '"stream": True,\n        "previews": True,')
    assert with_previews != STREAMING
    printed = run_seed(with_previews, easel, tmp_path)
    m = re.search(r"Image generated: (file-[0-9a-f-]{36})", printed)
    assert m, printed
    assert printed.count("Image generated:") == 1 and printed.rstrip().endswith("Done.")
    assert "data:image" not in printed  # the client ignored the previews, as it ignores any unknown type
