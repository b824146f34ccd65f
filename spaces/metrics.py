"""What Easel counts, in Prometheus' terms. Every layer records into these; `/metrics` exposes them.

A leaf module: it imports only prometheus-client, so the store, the tools and the surfaces can all count
without importing each other. `easel serve` points prometheus-client at a fresh directory
(`PROMETHEUS_MULTIPROC_DIR`, see `agent/cli.py`) before anything imports this module; each worker process
then writes its numbers to files there, and a scrape of any worker adds up all of them (`exposition()`).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Requests take from a millisecond (a list) to minutes (a chat turn painting several images).
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

REQUESTS = Counter("easel_http_requests_total", "HTTP requests answered, by route template, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("easel_http_request_duration_seconds",
                    "From the request's arrival to the end of its response body (whole streams included)",
                    ["route", "method"], buckets=_LATENCY)
FIRST_EVENT = Histogram("easel_stream_first_event_seconds",
                        "From a streamed request's arrival to the first event written to the client",
                        ["route"], buckets=_LATENCY)
OPEN_STREAMS = Gauge("easel_open_streams", "Event streams being written now", ["route"],
                     multiprocess_mode="livesum")
TOOL_CALLS = Counter("easel_tool_calls_total", "Tool calls the chat model made, by tool, engine and outcome",
                     ["tool", "engine", "outcome"])
IMAGE_SECONDS = Histogram("easel_image_seconds", "Time an engine spent painting one request's images",
                          ["engine", "operation", "outcome"], buckets=_LATENCY)
UPSTREAM_ERRORS = Counter("easel_upstream_errors_total",
                          "Failed calls to a model provider (each attempt, retried or not), by kind",
                          ["upstream", "kind"])
IDEMPOTENCY = Counter("easel_idempotency_total", "Requests sent with an Idempotency-Key, by outcome: saved, "
                      "replayed, in_use (409), reused (422), gone (410), not_kept, invalid", ["outcome"])
LIMIT_REJECTIONS = Counter("easel_limit_rejections_total", "Requests refused by a per-key limit", ["limit"])


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition() -> bytes:
    """The text a scrape gets: every process's numbers when several share the directory."""
    if multiprocess_dir() is None:
        from prometheus_client import REGISTRY

        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)
