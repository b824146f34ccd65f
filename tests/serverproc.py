"""Runs `easel serve` as a real process on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The environment each data dir's server was started with (its database, object store, ...): the CLI run on
# that data dir gets the same, so it manages the same store whatever the backend.
SERVER_ENV: dict[Path, dict[str, str]] = {}


def run_cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **SERVER_ENV.get(data_dir, {}), **(env or {})}
    out = subprocess.run([sys.executable, "-m", "easel.agent.cli", "--data-dir", str(data_dir), *args],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, env=full_env)
    if out.returncode != 0:
        raise RuntimeError(f"easel {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def parse_fields(text: str) -> dict[str, str]:
    return {m[1].strip(): m[2].strip() for m in re.finditer(r"^\s*([\w ]+?):\s+(\S+)\s*$", text, re.M)}


class EaselServer:
    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None, key: str | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.key = key
        self.proc: subprocess.Popen[str] | None = None
        self.output = ""
        self._reader: threading.Thread | None = None
        self._drained: list[str] = []

    def start(self) -> EaselServer:
        return self.launch().wait_ready()

    def launch(self, *args: str) -> EaselServer:
        """Starts the process and returns at once (several may then start at the same moment)."""
        env = {**os.environ, "EASEL_DATA_DIR": str(self.data_dir), "EASEL_PORT": str(self.port),
               "EASEL_HOST": "127.0.0.1", "EASEL_LOG_LEVEL": "warning", **self.extra_env}
        if self.key:
            env["EASEL_BOOTSTRAP_KEY"] = self.key
        SERVER_ENV[self.data_dir] = dict(self.extra_env)
        self.proc = subprocess.Popen([sys.executable, "-m", "easel.agent.cli", "serve", *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return self

    def wait_ready(self, timeout: float = 120) -> EaselServer:
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"easel serve exited: {self.proc.stdout.read() if self.proc.stdout else ''}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"easel serve did not answer /healthz within {timeout:.0f} s")

    def wait_warm(self, timeout: float = 60) -> None:
        """Until the model libraries are loaded: their import moves memory, which some tests measure."""
        deadline = time.monotonic() + timeout
        while not httpx.get(self.base_url + "/healthz", timeout=5).json().get("models_ready"):
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not finish warming up")
            time.sleep(0.1)

    def drain(self) -> EaselServer:
        """Reads the server's output as it is written, kept for `stop()`: a long run whose server logs much
        (a fuzzer's malformed requests) never blocks the server on a full pipe."""
        assert self.proc is not None and self.proc.stdout is not None
        stdout, lines = self.proc.stdout, self._drained

        def read() -> None:
            for line in stdout:
                lines.append(line)

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        return self

    def _collect(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=30)  # ends at the pipe's end, once the process has exited
            self.output += "".join(self._drained)
            self._drained.clear()
        elif self.proc and self.proc.stdout:
            self.output += self.proc.stdout.read() or ""

    def stop(self) -> str:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._collect()
        return self.output

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._collect()

    def rss_kb(self) -> int:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]

    def __enter__(self) -> EaselServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
