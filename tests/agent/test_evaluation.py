"""`easel eval`: scoring, the shipped labelled set, and whole runs through a real server, with the offline
router and with a litellm model against the fake OpenAI-compatible upstream."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from easel.agent.evaluation import evaluate, load_cases, project_cases, score, shape_of
from tests.fakes.upstream import FakeChatUpstream, FakeToolCall, TextReply, ToolCallReply


def test_the_project_set_has_hundreds_of_labelled_cases_in_every_category() -> None:
    cases = load_cases(project_cases())
    assert len(cases) >= 300 and len({c["id"] for c in cases}) == len(cases)
    counts = Counter(c["category"] for c in cases)
    for category in ("chat", "negation", "typo", "polite", "terse", "style", "shape", "count", "seed", "edit",
                     "style_transfer", "compose", "followup", "generate"):
        assert counts[category] >= 10, category
    assert any("history" in c for c in cases) and any(not c["expect"]["tool"] for c in cases)


def test_scoring_compares_canonical_styles_shapes_and_sources() -> None:
    expect = {"tool": True, "operation": "style_transfer", "style": "pencil-sketch", "shape": "landscape",
              "sources": ["photo.png"]}
    call = {"prompt": "x", "operation": "style_transfer", "style": "pencil sketch", "aspect_ratio": "16:9",
            "source_file_ids": ["photo.png"]}
    assert all(score(expect, call, {}).values())
    wrong = score(expect, {**call, "style": "watercolor", "size": "512x768", "n": 2}, {})
    assert {k for k, ok in wrong.items() if not ok} == {"style", "shape", "n"}
    assert score({"tool": False}, None, {}) == {"tool": True}
    assert score({"tool": False}, call, {}) == {"tool": False}
    assert shape_of({"size": "1024x1024"}) == "square" and shape_of({"aspect_ratio": "2:3"}) == "portrait"
    assert score({"tool": True, "shape": "16:9"}, {"prompt": "x", "size": "1920x1080"}, {})["shape"]


CASES = [
    {"id": "a", "category": "style", "text": "draw a fox in watercolor",
     "expect": {"tool": True, "operation": "generate", "style": "watercolor"}},
    {"id": "b", "category": "chat", "text": "hello", "expect": {"tool": False}},
    {"id": "c", "category": "seed", "text": "seed 4: three cats", "expect": {"tool": True, "seed": 4}},
    {"id": "d", "category": "edit", "text": "make it darker", "attachments": ["photo.png"],
     "expect": {"tool": True, "operation": "edit", "sources": ["photo.png"]}},
]


def test_easel_eval_scores_the_offline_router_and_writes_a_report(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in CASES))
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "easel.agent.cli", "eval", str(cases), "--out", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "builtin/router: 100.0% of 4 cases fully right" in run.stdout
    report = json.loads(out.read_text())
    assert report["accuracy"] == 1.0 and report["categories"]["edit"] == {"correct": 1, "total": 1, "accuracy": 1.0}
    assert [r["call"]["source_file_ids"] if r["call"] else None for r in report["results"]] == [
        [], None, [], ["photo.png"]]


@pytest.fixture
def upstream() -> Iterator[FakeChatUpstream]:
    with FakeChatUpstream() as up:
        yield up


def test_a_litellm_model_is_scored_through_the_real_turn(upstream: FakeChatUpstream,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EASEL_CHAT_API_BASE", upstream.base_url)
    monkeypatch.setenv("EASEL_CHAT_API_KEY", "sk-fake-upstream-secret")
    upstream.queue(
        ToolCallReply((FakeToolCall("image_gen", '{"prompt": "a fox", "style": "watercolour"}'),)),
        TextReply("Here is your fox."),
        TextReply("Hello!"),
        ToolCallReply((FakeToolCall("image_gen", '{"prompt": "three cats"}'),)),  # forgets the seed
        TextReply("Done."),
        TextReply("I can't see images."),  # no call where an edit was wanted
    )
    report = evaluate(CASES, "openai/fake-model")
    summary = report.summary()
    assert summary["model"] == "openai/fake-model" and summary["cases"] == 4
    assert [r["correct"] for r in report.results] == [True, True, False, False]
    assert report.results[2]["marks"]["seed"] is False and report.results[2]["marks"]["tool"] is True
    assert report.results[3]["marks"] == {"tool": False}
    assert summary["fields"]["tool"] == {"correct": 3, "total": 4, "accuracy": 0.75}
    assert upstream.pending == 0
