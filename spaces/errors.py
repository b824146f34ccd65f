"""The one error type. It carries the HTTP status and the contract's machine-readable code.

Everything that can fail for a reason a client should see raises `EaselError`; the HTTP layer maps it
to the right shape once (native `{"error", "code"}` or OpenAI's `{"error": {...}}`).
"""

from __future__ import annotations

from collections.abc import Mapping


class EaselError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"EaselError({self.status}, {self.code!r}, {self.message!r})"


def not_found(what: str = "Not found") -> EaselError:
    return EaselError(404, "not_found", what)


def invalid_request(message: str, *, param: str | None = None) -> EaselError:
    return EaselError(400, "invalid_request", message, param=param)
