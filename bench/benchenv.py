"""The benchmarks' own environment, `.venv-bench`: litellm's proxy and the profilers, kept out of `.venv`.

`litellm[proxy]` adds about 40 packages (fastapi, orjson, redis, polars, ...). None of them would change
the version of anything Easel uses, but some change what litellm does at run time when present (orjson,
for one), so Easel and the direct litellm calls are measured with exactly the packages `make run` installs,
and only the proxy process runs from `.venv-bench`. Its litellm is pinned to the version in `.venv`, so
all three sides run the same litellm. py-spy (a sampling profiler that attaches to a running process)
lives here too; nothing in `.venv` imports it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-bench"
STAMP = VENV / ".installed.json"


def wanted() -> list[str]:
    # httptools: uvicorn's fast HTTP parser, as Easel's own venv has it, so the proxy is not handicapped.
    return [f"litellm[proxy]=={metadata.version('litellm')}", "py-spy>=0.3.14", "httptools>=0.6"]


def ready() -> bool:
    try:
        return json.loads(STAMP.read_text()).get("requirements") == wanted()
    except (OSError, ValueError):
        return False


def ensure(log: Path | None = None) -> None:
    """Build or update `.venv-bench` when the wanted versions changed (about 4 minutes the first time)."""
    if ready():
        return
    print(f"building {VENV.name} for litellm's proxy and py-spy: {', '.join(wanted())} (once)", flush=True)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, stdout=out, stderr=out)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *wanted()], check=True, stdout=out, stderr=out)
    versions = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "from importlib.metadata import version; print(version('litellm'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if versions != metadata.version("litellm"):
        raise RuntimeError(f"{VENV.name} has litellm {versions}, .venv has {metadata.version('litellm')}")
    STAMP.write_text(json.dumps({"requirements": wanted()}))


def py_spy() -> Path | None:
    exe = VENV / "bin" / "py-spy"
    return exe if exe.exists() else None


if __name__ == "__main__":
    ensure()
    print(f"{VENV} ready")
