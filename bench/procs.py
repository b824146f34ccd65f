"""The processes a benchmark runs: the fake upstream, Easel, litellm's proxy; and what /proc says of them.

Every server listens on 127.0.0.1 only, on a free port, and is stopped by the harness (SIGINT, then
SIGKILL after a grace period). Each process gets the hard limit as its soft limit on open files, since
2,000 streams need about 4,000 descriptors in the server alone.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".venv-bench"
KEY = "esk_bench_key_000000000000000000000000"
# The proxy refuses to start without a master key; with one (and no database) it checks it per request,
# as Easel checks its key: both sides authenticate every call.
PROXY_KEY = "sk-" + "7e3a" * 16
TICK = os.sysconf("SC_CLK_TCK")


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int, path: str = "/healthz") -> bool:
    """One raw GET; True on a 200. Raw sockets so that polling costs microseconds, not an HTTP client."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n".encode())
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EASEL_") and not k.endswith("_API_KEY")}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONDONTWRITEBYTECODE="1")
    return env


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    name: str
    port: int = 0
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tree(self) -> list[int]:
        """This process and its descendants (uvicorn's workers, when `easel serve --workers N`)."""
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        found, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [child for child, parent in parents.items() if parent in frontier]
            found += frontier
        return found

    def _each(self, read: Callable[[int], float]) -> float:
        total = 0.0
        for pid in self.tree():
            try:
                total += read(pid)
            except (OSError, TypeError, IndexError, ValueError):
                continue  # a worker that just exited
        return total

    def status(self, field_name: str) -> int:
        """A /proc/<pid>/status figure, summed over the process and its workers."""
        def one(pid: int) -> float:
            text = Path(f"/proc/{pid}/status").read_text()
            return int(re.search(rf"{field_name}:\s+(\d+)", text)[1])  # type: ignore[index]

        return int(self._each(one))

    def rss_kb(self) -> int:
        return self.status("VmRSS")

    def threads(self) -> int:
        return self.status("Threads")

    def fds(self) -> int:
        return int(self._each(lambda pid: len(os.listdir(f"/proc/{pid}/fd"))))

    def cpu_s(self) -> float:
        """User + system CPU seconds so far (fields 14 and 15 of /proc/<pid>/stat), all threads, summed over
        the process and its workers."""
        def one(pid: int) -> float:
            fields_after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields_after_name[11]) + int(fields_after_name[12])) / TICK

        return self._each(one)

    def stop(self, grace_s: float = 10.0) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def tail(self, lines: int = 20) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


_LOGGED = re.compile(r"\b(?:ERROR|CRITICAL)\s+(\S+)\s+(?:\[[0-9a-f]+\]\s+)?(.*)")
_RAISED = re.compile(r"^((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Timeout|Exit)\w*)(:.*)?$")


def log_errors(log: Path | None, top: int = 8) -> dict[str, int]:
    """What a server logged as going wrong: each ERROR line's message and each traceback's last line, with
    how often it came (numbers and ids blurred so repeats count together), the most frequent first."""
    if log is None or not log.exists():
        return {}
    counts: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        found = _LOGGED.search(line)
        text = f"{found[1]}: {found[2]}" if found else (line.strip() if _RAISED.match(line.strip()) else "")
        if text:
            text = re.sub(r"\b[0-9a-f]{12,}\b|\b\d+(\.\d+)?\b", "#", text)[:200]
            counts[text] = counts.get(text, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:top])


def _popen(cmd: list[str], env: dict[str, str], log: Path, **kw: object) -> subprocess.Popen[bytes]:
    out = open(log, "wb")  # noqa: SIM115 - the child owns it; closed when the harness exits
    raise_fd_limit()  # children inherit it
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, **kw)  # type: ignore[call-overload]


def start_upstream(work: Path, *, chunks: int = 100, delay_ms: int = 0) -> Proc:
    log = work / "upstream.log"
    raise_fd_limit()
    popen = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "upstream.py"),
            "--chunks",
            str(chunks),
            "--delay-ms",
            str(delay_ms),
        ],
        cwd=ROOT,
        env=base_env(),
        stdout=subprocess.PIPE,
        stderr=open(log, "wb"),
    )  # noqa: SIM115
    assert popen.stdout is not None
    line = popen.stdout.readline().decode()
    if not line.startswith("PORT "):
        raise RuntimeError(f"the fake upstream did not start: {line!r} {log.read_text()}")
    return Proc(popen, "upstream", int(line.split()[1]), log)


@dataclass
class Easel(Proc):
    workspace_id: str = ""
    data_dir: Path = Path()
    started_at: float = 0.0
    healthz_s: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": KEY, "content-type": "application/json"}


def easel_env(data_dir: Path, port: int, upstream_port: int, model: str) -> dict[str, str]:
    return {
        **base_env(),
        "EASEL_DATA_DIR": str(data_dir),
        "EASEL_PORT": str(port),
        "EASEL_HOST": "127.0.0.1",
        "EASEL_LOG_LEVEL": "warning",
        "EASEL_BOOTSTRAP_KEY": KEY,
        "EASEL_CHAT_MODEL": f"openai/{model}",
        "EASEL_CHAT_API_BASE": f"http://127.0.0.1:{upstream_port}/v1",
        "EASEL_CHAT_API_KEY": "sk-bench-upstream",
        "EASEL_RATE_LIMIT_RPM": "0",
        "EASEL_MAX_CONCURRENT": "0",
        "EASEL_IMAGE_MODEL": "fake/solid",
        # The 20 MB uploads are random-pixel PNGs of 2,643 x 2,643: over the default cap of 2048 x 2048 pixels.
        "EASEL_MAX_PIXELS": str(3000 * 3000),
    }


def start_easel(
    work: Path,
    upstream_port: int,
    *,
    model: str = "bench-c100-d0",
    probe: bool = False,
    env: dict[str, str] | None = None,
    name: str = "easel",
) -> Easel:
    """`easel serve` (or the same under bench/probe.py), timed from spawn to /healthz answering."""
    data_dir = work / f"{name}-data"
    port = free_port()
    full_env = {**easel_env(data_dir, port, upstream_port, model), **(env or {})}
    cmd = [sys.executable, str(ROOT / "bench" / "probe.py")] if probe else [sys.executable, "-m", "easel.agent.cli"]
    log = work / f"{name}.log"
    started = time.perf_counter()
    popen = _popen([*cmd, "serve"], full_env, log)
    proc = Easel(popen, name, port, log, started_at=started, data_dir=data_dir)
    deadline = started + 180  # a deadline, not a timing: with a load average of 20, starts took over 60 s
    while not answers(port):
        if not proc.alive() or time.perf_counter() > deadline:
            proc.stop()
            raise RuntimeError(f"easel did not start:\n{proc.tail()}")
        time.sleep(0.002)
    proc.healthz_s = time.perf_counter() - started
    return proc


def proxy_config(work: Path, upstream_port: int, models: list[str]) -> Path:
    lines = ["model_list:"]
    for model in models:
        lines += [
            f"  - model_name: {model}",
            "    litellm_params:",
            f"      model: openai/{model}",
            f"      api_base: http://127.0.0.1:{upstream_port}/v1",
            "      api_key: sk-bench-upstream",
        ]
    # The same request options Easel sends (no retries, drop unsupported params); nothing logged or stored.
    lines += [
        "litellm_settings:",
        "  drop_params: true",
        "  num_retries: 0",
        "  request_timeout: 120",
        "  set_verbose: false",
        "  telemetry: false",
        "general_settings:",
        f"  master_key: {PROXY_KEY}",
        "  disable_spend_logs: true",
        "  disable_error_logs: true",
        "  background_health_checks: false",
    ]
    path = work / "proxy.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_proxy(work: Path, upstream_port: int, models: list[str], *, wait: bool = True) -> Proc:
    """litellm's proxy on 127.0.0.1 (its start takes 10-15 s: with wait=False, call `proxy_ready` later)."""
    exe = BENCH_VENV / "bin" / "litellm"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing: run `python bench/run.py` (it builds .venv-bench) first")
    port = free_port()
    env = {
        **base_env(),
        "LITELLM_LOG": "ERROR",
        "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
        "NO_DOCS": "True",
        "DISABLE_ADMIN_UI": "True",
        "LITELLM_MODE": "PRODUCTION",
        "TOKENIZERS_PARALLELISM": "false",
    }
    env.pop("DATABASE_URL", None)
    log = work / "proxy.log"
    popen = _popen(
        [
            str(exe),
            "--config",
            str(proxy_config(work, upstream_port, models)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            "1",
        ],
        env,
        log,
    )
    proc = Proc(popen, "litellm-proxy", port, log)
    return proxy_ready(proc) if wait else proc


def proxy_ready(proc: Proc) -> Proc:
    deadline = time.monotonic() + 120
    while not answers(proc.port, "/health/liveliness"):
        if not proc.alive() or time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"litellm's proxy did not start:\n{proc.tail()}")
        time.sleep(0.1)
    return proc
