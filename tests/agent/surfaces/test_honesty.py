"""Nothing dropped in silence: a prompt that mixes subjects the offline painter draws with ones it cannot
gets a picture of the first and, on every surface, words saying the others are not in it.

Over real HTTP on the offline defaults. Each reply is read sentence by sentence: a sentence naming an
omitted subject must say it is not there; the file's name must not name it; the metadata lists both."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import Running

MIXED = [  # (prompt, drawn, omitted)
    ("A unicorn and a submarine under a starry sky", ["a unicorn"], ["submarine"]),
    ("Paint a red fox and a zeppelin over a snowy forest", ["a fox"], ["zeppelin"]),
    ("two cats, a dog and a harpsichord on a beach", ["two cats", "a dog"], ["harpsichord"]),
    ("three birds above a lighthouse and a windmill at sunset", ["three birds", "a lighthouse"], ["windmill"]),
]
_DENIES = re.compile(r"\bnot\b|\bno figure\b|\bcould(?:n't| not)\b|\bleft out\b", re.I)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?…])\s+", text) if s.strip()]


def assert_never_claimed(text: str, omitted: list[str], *, asked: str | None = None) -> None:
    """Every sentence naming an omitted subject denies it. `asked` is the brain's echo of the request
    before the painter ran ("Creating …"), which says what was asked, not what was made."""
    for sentence in sentences(text):
        if asked is not None and sentence.startswith(asked):
            continue
        for word in omitted:
            if word in sentence.lower():
                assert _DENIES.search(sentence), f"{sentence!r} names {word!r} without saying it is not drawn"


def assert_said(text: str, omitted: list[str]) -> None:
    for word in omitted:
        assert any(word in s.lower() and _DENIES.search(s) for s in sentences(text)), (text, word)


def _chat(easel: Running, prompt: str) -> dict[str, Any]:
    body = {"messages": [{"role": "user", "content": prompt}], "workspace_id": easel.alice.workspace_id}
    r = httpx.post(easel.url + "/v1/chat", json=body, headers=easel.alice.headers, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(("prompt", "drawn", "omitted"), MIXED)
def test_chat_says_what_it_left_out(easel: Running, prompt: str, drawn: list[str], omitted: list[str]) -> None:
    reply = _chat(easel, prompt)
    [media] = reply["media"]
    meta = media["metadata"]
    assert meta["drawn"] == drawn and meta["omitted"] == omitted
    assert not any(word in media["name"] for word in omitted)
    closing = reply["response"].split("…", 1)[1]  # the words after the tool ran
    assert_said(closing, omitted)
    assert_never_claimed(reply["response"], omitted, asked="Creating")
    assert_said(meta["revised_prompt"], omitted)
    assert_never_claimed(meta["revised_prompt"], omitted)
    for subject in drawn:
        assert subject in closing and subject in meta["revised_prompt"]


def test_every_images_api_says_what_it_left_out(easel: Running) -> None:
    prompt, omitted = "a cat and a submarine by the lake", ["submarine"]
    with easel.client(easel.alice) as c:
        openai = c.post("/v1/images/generations", json={"prompt": prompt}).json()["data"][0]
        aiart = c.post("/api/generate", json={"video_description": prompt}).json()
        zekron = c.post("/v1/generate", json={"prompt": prompt}).json()["data"]
        chuk = c.post("/v1/ai/generate-image", json={"prompt": prompt, "image_size": "square"}).json()
        mka1 = c.post("/api/v1/llm/images/generations", json={"prompt": prompt}).json()["data"][0]
    for text in (openai["revised_prompt"], mka1["revised_prompt"], aiart["message"], zekron["revised_prompt"],
                 " ".join(zekron["notes"]), " ".join(chuk["notes"])):
        assert_said(text, omitted)
        assert_never_claimed(text, omitted)
    assert "a cat" in openai["revised_prompt"]


def test_a_prompt_with_only_drawable_subjects_has_no_omission_note(easel: Running) -> None:
    reply = _chat(easel, "Draw a cat and a dog on a beach")
    meta = reply["media"][0]["metadata"]
    assert meta["drawn"] == ["a cat", "a dog"] and meta["omitted"] == []
    assert "notes" not in meta and "not in the picture" not in reply["response"]
    assert "It shows a cat and a dog." in reply["response"]
