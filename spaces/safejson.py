"""JSON from strangers (request bodies, a model's tool arguments), parsed within bounds.

Python's `json` accepts what then breaks the code that reads it: integer literals of thousands of digits
(a ValueError past 4,300, and slow before), nesting deep enough to exhaust the recursion limit,
`1e999` and `NaN` (floats that are not numbers `int()` can take), and lone surrogates (text that cannot
be written back as UTF-8). `loads` refuses each with a plain reason, as `UnsafeJson`.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64  # no request or tool call of ours nests a tenth as deep
MAX_DIGITS = 1000  # far past any number a field takes, far below what makes int() slow


class UnsafeJson(ValueError):
    """Not JSON, or JSON outside the bounds; the message says which, in a sentence a client can act on."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise UnsafeJson(f"a number has more than {MAX_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJson(f"the number {text[:20]}{'…' if len(text) > 20 else ''} is out of range")
    return value


def _constant(name: str) -> float:
    raise UnsafeJson(f"{name} is not a JSON number")


def _check(value: Any) -> None:
    """Depth and text, walked without recursion (the parse already bounded the size)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise UnsafeJson(f"it nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for key, inner in item.items():
                _text(key)
                stack.append((inner, depth + 1))
        else:
            stack.extend((inner, depth + 1) for inner in item)


def _text(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsafeJson("a string holds a lone surrogate (\\ud800-\\udfff), which is not text") from None


def loads(raw: str | bytes) -> Any:
    """Parse `raw`, or raise `UnsafeJson` saying why not."""
    try:
        value = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except UnsafeJson:
        raise
    except RecursionError:
        raise UnsafeJson(f"it nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise UnsafeJson(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (UnicodeDecodeError, ValueError) as exc:  # bytes that are not UTF-8, or an int() refusal
        raise UnsafeJson(str(exc)) from None
    _check(value)
    return value
