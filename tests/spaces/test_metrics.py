"""Metrics across processes: what several workers count adds up in one scrape, and each server start
begins from a clean directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from easel.agent.cli import _metrics_dir
from easel.agent.settings import Settings

COUNT = """
from easel.spaces import metrics
for _ in range({n}):
    metrics.REQUESTS.labels("/v1/workspaces", "GET", "200").inc()
metrics.OPEN_STREAMS.labels("/v1/chat").inc()
"""
SCRAPE = "import sys; from easel.spaces import metrics; sys.stdout.write(metrics.exposition().decode())"


def _python(code: str, metrics_dir: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    return subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout


def test_a_scrape_adds_up_every_worker_process(tmp_path: Path) -> None:
    _python(COUNT.format(n=3), tmp_path)
    _python(COUNT.format(n=4), tmp_path)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(_python(SCRAPE, tmp_path)) for s in f.samples}
    assert samples[("easel_http_requests_total", (("method", "GET"), ("route", "/v1/workspaces"),
                                                  ("status", "200")))] == 7
    assert samples[("easel_open_streams", (("route", "/v1/chat"),))] == 2


def test_each_start_gets_a_fresh_directory_and_dead_servers_leave_none(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # restored after the test
    root = tmp_path / "metrics"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    alive = str(os.getppid())
    for name in (dead, alive, str(os.getpid()), "junk"):
        (root / name).mkdir(parents=True)
        (root / name / "counter_1.db").write_bytes(b"old")
    _metrics_dir(Settings(data_dir=tmp_path))
    assert sorted(p.name for p in root.iterdir()) == sorted([alive, str(os.getpid())])
    mine = root / str(os.getpid())
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(mine) and list(mine.iterdir()) == []
    assert (root / alive / "counter_1.db").read_bytes() == b"old"  # another live server's numbers stay
