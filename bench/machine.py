"""What the numbers were measured on: CPU, memory, kernel, Python, the versions that matter, the commit."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "litellm",
    "openai",
    "aiohttp",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "pydantic",
    "python-multipart",
)


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _git(*args: str) -> str:
    try:  # read-only queries; the benchmark never changes the repository
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _proxy_litellm() -> str:
    python = ROOT / ".venv-bench" / "bin" / "python"
    if not python.exists():
        return ""
    return subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('litellm'))"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()


def describe() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    changed = _git("status", "--porcelain")
    return {
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "memory_gib": _mem_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": versions,
        "proxy_litellm": _proxy_litellm(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_files": len(changed.splitlines()) if changed else 0,
        "load_average_at_start": os.getloadavg(),
    }
