"""Logging for `easel serve`: plain text lines, or with `EASEL_LOG_FORMAT=json` one JSON object a line.

Every record carries the id of the request it was written for (`request_id`, empty outside a request), so
a warning deep in a turn can be joined to its access line. uvicorn's own access log is off: the access
line is Easel's (`agent/surfaces/observe.py`), which knows the route, account and workspace.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from easel.spaces import request_context

LogFormat = Literal["text", "json"]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)  # uvicorn's terminal-coloured copy of the message
        if not hasattr(record, "request_id"):
            info = request_context.current()
            record.request_id = info.request_id if info else ""
        return True


def config(*, fmt: LogFormat, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary, handed to uvicorn as its `log_config`."""
    level = level.upper()
    formatter: dict[str, Any]
    if fmt == "json":
        formatter = {"()": "pythonjsonlogger.json.JsonFormatter",
                     "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                     "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                     "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
    else:
        formatter = {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"}
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "main",
               "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "easel": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": ["main"], "level": "WARNING"},
    }
