"""What the log line of the request being served should say: its id, and who it turned out to be for.

A leaf module. The HTTP middleware opens a `RequestInfo` per request; code deeper down (authentication,
the Space resolving a workspace, the surfaces reading a prompt) fills it in with `note`. Outside a request
`note` does nothing. A context variable holds the same object for the request's task and the tasks it
starts, so what any of them notes reaches the one line the middleware writes at the end.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestInfo:
    request_id: str
    account_id: str | None = None
    workspace_id: str | None = None
    prompt: str | None = None


_current: ContextVar[RequestInfo | None] = ContextVar("easel_request", default=None)


def begin(request_id: str) -> RequestInfo:
    info = RequestInfo(request_id)
    _current.set(info)
    return info


def current() -> RequestInfo | None:
    return _current.get()


def note(*, account_id: str | None = None, workspace_id: str | None = None, prompt: str | None = None) -> None:
    info = _current.get()
    if info is None:
        return
    if account_id is not None:
        info.account_id = account_id
    if workspace_id is not None:
        info.workspace_id = workspace_id
    if prompt is not None:
        info.prompt = prompt
