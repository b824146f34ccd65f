"""`easel eval CASES.jsonl [--model MODEL]`: score a brain on a labelled set of requests.

Each case runs as a real `/v1/chat` turn against a real `easel serve` started for the run (its own
throw-away data folder, a free loopback port), with the chosen brain and the instant fake painter, so
only the brain's judgment is measured. A case is one JSON line:

    {"id": "g-001", "category": "generate", "text": "draw three foxes in watercolor",
     "attachments": ["photo.png"],                       # images sent with the message (optional)
     "history": [{"role": "user", "content": "a lighthouse"},
                 {"role": "assistant", "content": "Made it.", "images": ["lighthouse.png"]}],
     "expect": {"tool": true, "operation": "generate", "style": "watercolor", "shape": "landscape",
                "n": 3, "seed": 7, "sources": ["photo.png"]}}

`expect.tool` is required; the other fields are scored whenever a tool call is expected (an absent
style, shape, seed or source list means none should be sent; an absent n means 1). Styles are compared
by the painter's canonical names; shapes as `landscape`/`portrait`/`square` or an exact ratio `16:9`.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from easel.tools.engines.offline.style_names import resolve
from easel.tools.image_args import ArgumentError, parse_size, ratio_size

FIELDS = ("tool", "operation", "style", "shape", "n", "seed", "sources")
KEY = "esk_eval_key_000000000000000000000000"


def project_cases() -> Path:
    """The labelled set that ships with Easel."""
    return Path(str(resources.files("easel.agent").joinpath("eval_cases.jsonl")))


def load_cases(path: Path) -> list[dict[str, Any]]:
    cases = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            case = json.loads(line)
            if "text" not in case or "tool" not in case.get("expect", {}):
                raise ValueError(f"{path}:{number}: a case needs text and expect.tool")
            cases.append(case)
    return cases


# -- scoring -------------------------------------------------------------------------------------------


def canonical_style(style: Any) -> str | None:
    return resolve(str(style)).name if style else None


def shape_of(arguments: dict[str, Any]) -> str | None:
    """ "landscape", "portrait" or "square" from size or aspect_ratio, with the exact ratio; None if neither."""
    try:
        if arguments.get("size") and str(arguments["size"]).lower() != "auto":
            w, h = parse_size(str(arguments["size"]))
        elif arguments.get("aspect_ratio"):
            w, h = ratio_size(str(arguments["aspect_ratio"]))
        else:
            return None
    except ArgumentError:
        return "invalid"
    return "square" if abs(w - h) <= 0.03 * max(w, h) else ("landscape" if w > h else "portrait")


def _ratio_matches(arguments: dict[str, Any], ratio: str) -> bool:
    a, b = (float(x) for x in ratio.split(":"))
    try:
        if arguments.get("size"):
            w, h = parse_size(str(arguments["size"]))
        elif arguments.get("aspect_ratio"):
            w, h = ratio_size(str(arguments["aspect_ratio"]))
        else:
            return False
    except ArgumentError:
        return False
    return abs(w / h - a / b) < 0.04 * (a / b)


def score(expect: dict[str, Any], call: dict[str, Any] | None, names: dict[str, str]) -> dict[str, bool]:
    """Per field, right or wrong. `call` is the first image_gen call's arguments (None: no call);
    `names` maps file ids back to the case's image names."""
    marks = {"tool": (call is not None) == bool(expect["tool"])}
    if not expect["tool"] or call is None:
        return marks
    operation = call.get("operation") or _inferred_operation(call)
    if "operation" in expect:
        marks["operation"] = operation == expect["operation"]
    marks["style"] = canonical_style(call.get("style")) == canonical_style(expect.get("style"))
    wanted_shape = expect.get("shape")
    if wanted_shape and ":" in wanted_shape:
        marks["shape"] = _ratio_matches(call, wanted_shape)
    else:
        marks["shape"] = shape_of(call) in ((wanted_shape,) if wanted_shape else (None, "square"))
    marks["n"] = int(call.get("n") or 1) == int(expect.get("n", 1))
    marks["seed"] = call.get("seed") == expect.get("seed")
    sources = sorted(names.get(i, i) for i in call.get("source_file_ids") or [])
    marks["sources"] = sources == sorted(expect.get("sources", []))
    return marks


def _inferred_operation(call: dict[str, Any]) -> str:
    sources = call.get("source_file_ids") or []
    if not sources:
        return "generate"
    return "compose" if len(sources) > 1 else ("style_transfer" if call.get("style") else "edit")


@dataclass
class Report:
    model: str
    results: list[dict[str, Any]] = field(default_factory=list)

    def add(self, case: dict[str, Any], call: dict[str, Any] | None, marks: dict[str, bool], reply: str) -> None:
        self.results.append({"id": case.get("id"), "category": case.get("category", "other"),
                             "text": case["text"], "expect": case["expect"], "call": call, "marks": marks,
                             "correct": all(marks.values()), "reply": reply})

    def summary(self) -> dict[str, Any]:
        by_field: dict[str, list[bool]] = defaultdict(list)
        by_category: dict[str, list[bool]] = defaultdict(list)
        for r in self.results:
            for name, ok in r["marks"].items():
                by_field[name].append(ok)
            by_category[r["category"]].append(r["correct"])

        def rate(marks: list[bool]) -> dict[str, Any]:
            return {"correct": sum(marks), "total": len(marks), "accuracy": round(sum(marks) / len(marks), 4)}

        all_cases = [r["correct"] for r in self.results]
        accuracy = rate(all_cases)["accuracy"] if all_cases else 0
        return {"model": self.model, "cases": len(all_cases), "accuracy": accuracy,
                "fields": {f: rate(by_field[f]) for f in FIELDS if by_field[f]},
                "categories": {c: rate(m) for c, m in sorted(by_category.items())}}

    def text(self) -> str:
        s = self.summary()
        lines = [f"{s['model']}: {s['accuracy']:.1%} of {s['cases']} cases fully right", "", "by field:"]
        lines += [f"  {name:<10} {v['accuracy']:7.1%}  ({v['correct']}/{v['total']})"
                  for name, v in s["fields"].items()]
        lines += ["", "by category:"]
        lines += [f"  {name:<14} {v['accuracy']:7.1%}  ({v['correct']}/{v['total']})"
                  for name, v in s["categories"].items()]
        misses = [r for r in self.results if not r["correct"]]
        if misses:
            lines += ["", f"misses ({len(misses)}):"]
            for r in misses:
                wrong = ", ".join(k for k, ok in r["marks"].items() if not ok)
                lines.append(f"  [{r['id']}] {r['text'][:70]!r}: {wrong}; sent {json.dumps(r['call'])[:160]}")
        return "\n".join(lines)


# -- running -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    """`easel serve` in a child process: the chosen brain, the fake painter, a throw-away store."""

    def __init__(self, data_dir: str, model: str | None) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        env = {**os.environ, "EASEL_DATA_DIR": data_dir, "EASEL_PORT": self.url.rsplit(":", 1)[1],
               "EASEL_HOST": "127.0.0.1", "EASEL_BOOTSTRAP_KEY": KEY, "EASEL_IMAGE_MODEL": "fake/solid",
               "EASEL_RATE_LIMIT_RPM": "0", "EASEL_MAX_CONCURRENT": "0", "EASEL_LOG_LEVEL": "warning"}
        if model:
            env["EASEL_CHAT_MODEL"] = model
        self.proc = subprocess.Popen([sys.executable, "-m", "easel.agent.cli", "serve"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"easel serve exited: {self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("easel serve did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _png(name: str) -> bytes:
    shade = sum(name.encode()) % 200
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (shade, 120, 200 - shade)).save(out, format="PNG")
    return out.getvalue()


class _Files:
    """Placeholder images uploaded under the case's names, so a brain sees real ids, names and sizes."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.ids: dict[str, str] = {}

    def id(self, name: str) -> str:
        if name not in self.ids:
            r = self.client.post("/v1/storage/files", files={"file": (name, _png(name), "image/png")})
            r.raise_for_status()
            self.ids[name] = r.json()["fileId"]
        return self.ids[name]


def _messages(case: dict[str, Any], files: _Files) -> list[dict[str, Any]]:
    messages = []
    for turn in case.get("history", []):
        message = {"role": turn["role"], "content": turn["content"]}
        if turn.get("images"):
            message["file_ids"] = [files.id(n) for n in turn["images"]]
        messages.append(message)
    return [*messages, {"role": "user", "content": case["text"]}]


def run_case(client: httpx.Client, workspace: str, case: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    files = _Files(client)
    body = {"messages": _messages(case, files), "workspace_id": workspace, "tools": ["image_gen"],
            "file_ids": [files.id(n) for n in case.get("attachments", [])]}
    r = client.post("/v1/chat", json=body)
    if r.status_code != 200:
        return None, f"HTTP {r.status_code}: {r.text[:200]}"
    reply = r.json()
    calls = [c for c in reply.get("tool_calls") or [] if c.get("tool") == "image_gen"]
    call = dict(calls[0]["arguments"]) if calls else None
    if call is not None:
        names = {v: k for k, v in files.ids.items()}
        call["source_file_ids"] = [names.get(i, i) for i in call.get("source_file_ids") or []]
    return call, str(reply.get("response", ""))


def evaluate(cases: list[dict[str, Any]], model: str | None = None) -> Report:
    with tempfile.TemporaryDirectory(prefix="easel-eval-") as data:
        server = _Server(data, model)
        try:
            server.wait()
            with httpx.Client(base_url=server.url, headers={"x-api-key": KEY}, timeout=300) as client:
                workspace = client.get("/v1/workspaces").json()["workspaces"][0]["id"]
                report = Report(model or os.environ.get("EASEL_CHAT_MODEL") or "builtin/router")
                for case in cases:
                    call, reply = run_case(client, workspace, case)
                    names = {n: n for n in call.get("source_file_ids", [])} if call else {}
                    report.add(case, call, score(case["expect"], call, names), reply)
                return report
        finally:
            server.stop()


def main(cases_path: str | None, model: str | None, out: str | None) -> int:
    path = Path(cases_path) if cases_path else project_cases()
    report = evaluate(load_cases(path), model)
    print(report.text())
    target = Path(out or "eval-report.json")
    target.write_text(json.dumps({**report.summary(), "results": report.results}, indent=1))
    print(f"\nreport written to {target}")
    return 0
