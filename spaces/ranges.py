"""HTTP Range requests on a file's bytes (RFC 9110 §14): one range per request; a request for several ranges
is answered with the whole file, which the RFC allows."""

from __future__ import annotations

import re

from easel.spaces.errors import EaselError

_ONE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The bytes [start, end) that `Range: header` asks for in a file of `size` bytes; None for the whole file.
    A malformed header is a 400 and a range wholly outside the file a 416, both in the API's error shape."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        raise EaselError(400, "invalid_request", "Range must look like 'bytes=START-END'")
    parts = spec.split(",")
    if len(parts) > 1:
        return None
    m = _ONE.match(parts[0])
    if m is None or (not m[1] and not m[2]):
        raise EaselError(400, "invalid_request", "Range must look like 'bytes=START-END'")
    if not m[1]:  # bytes=-N: the last N bytes
        suffix = int(m[2])
        if suffix == 0 or size == 0:
            raise unsatisfiable(size)
        return max(size - suffix, 0), size
    start = int(m[1])
    if m[2] and int(m[2]) < start:
        raise EaselError(400, "invalid_request", "Range's end comes before its start")
    if start >= size:
        raise unsatisfiable(size)
    last = int(m[2]) if m[2] else size - 1
    return start, min(last, size - 1) + 1


def unsatisfiable(size: int) -> EaselError:
    return EaselError(416, "range_not_satisfiable", f"The range is outside the file's {size} bytes",
                      headers={"Content-Range": f"bytes */{size}"})
