"""Where a server's time goes: py-spy samples it while a benchmark loads it, and the samples are folded
into two short tables, by package (litellm, openai, starlette, easel's own modules, ...) and by function
(self time and time including callees), for docs/benchmarks.md.

    python bench/profile.py FOLDED_FILE     # print the tables of a recorded profile
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EASEL_DIRS = ("agent/", "spaces/", "tools/")


def record(py_spy: Path, pid: int, seconds: float, out: Path, rate: int = 250) -> subprocess.Popen[bytes]:
    """Start sampling `pid` for `seconds` (non-blocking: wait on the returned process). Idle threads are
    left out, so the samples are where the CPU went, not where threads waited."""
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
            "--full-filenames",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _package(frame: str) -> str:
    """`func (path/to/file.py:12)` -> a short owner: site-packages' top folder, easel's module, or stdlib."""
    where = frame[frame.rfind("(") + 1 : frame.rfind(")")] if "(" in frame else frame
    path = where.rsplit(":", 1)[0]
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    for d in EASEL_DIRS:
        if path.startswith(d) or f"/{d}" in path:
            return "easel " + d + path.split(d, 1)[1]
    return "python " + path.rsplit("/", 1)[-1]


def _function(frame: str) -> str:
    name = frame.split(" (")[0]
    where = frame[frame.rfind("(") + 1 : frame.rfind(")")] if "(" in frame else ""
    path = where.rsplit(":", 1)[0]
    short = path.split("site-packages/")[-1] if "site-packages/" in path else path.rsplit("/", 2)[-1]
    return f"{name} ({short})"


def fold(folded: Path, top: int = 40) -> dict[str, Any]:
    """Tables from py-spy's raw output: `thread;frame;frame;... count` per line, outermost frame first."""
    self_pkg: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if " (" in f]
        if not frames:
            continue
        total += count
        self_pkg[_package(frames[-1])] += count
        self_fn[_function(frames[-1])] += count
        for fn in {_function(f) for f in frames}:
            incl_fn[fn] += count

    def share(c: Counter[str]) -> list[dict[str, Any]]:
        return [{"name": k, "share": round(v / total, 3)} for k, v in c.most_common(top)]

    return {
        "samples": total,
        "self_by_package": share(self_pkg),
        "self_by_function": share(self_fn),
        "inclusive_by_function": share(incl_fn),
    }


def print_tables(found: dict[str, Any]) -> None:
    print(f"{found['samples']} samples")
    for table in ("self_by_package", "self_by_function", "inclusive_by_function"):
        print(f"\n{table}")
        for row in found[table]:
            print(f"  {row['share'] * 100:5.1f}%  {row['name']}")


if __name__ == "__main__":
    print_tables(fold(Path(sys.argv[1])))
