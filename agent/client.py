"""A small client of Easel's public HTTP API, for the command line (`easel chat`, `easel files`, ...).

It speaks only what any other client could: the key in `x-api-key`, the native error shape
`{"error", "code"}` turned into `ClientError`, and the chat stream read one `data:` line at a time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


class ClientError(Exception):
    """What went wrong, in the server's own words where it said any."""

    def __init__(self, message: str, *, status: int = 0, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        if self.status:
            return f"{self.message} (HTTP {self.status}, {self.code})"
        return f"{self.message} ({self.code})" if self.code != "error" else self.message


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    response.read()
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # OpenAI's shape
        message, code = str(error.get("message", "")), str(error.get("code") or "error")
    else:
        message, code = str(error or response.reason_phrase), str(body.get("code", "error"))
    if retry := response.headers.get("retry-after"):
        message += f"; retry after {retry} s"
    raise ClientError(message, status=response.status_code, code=code)


class Client:
    def __init__(self, *, base_url: str | None = None, key: str | None = None, timeout: float = 600) -> None:
        self.base_url = (base_url or os.environ.get("EASEL_URL") or DEFAULT_URL).rstrip("/")
        key = key if key is not None else os.environ.get("EASEL_API_KEY", "")
        if not key:
            raise ClientError("no API key: set EASEL_API_KEY (the server printed one on its first start)")
        self._http = httpx.Client(base_url=self.base_url, headers={"x-api-key": key},
                                  timeout=httpx.Timeout(timeout, connect=10))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach Easel at {self.base_url}: {exc}") from None
        _raise_for(response)
        return response

    def _json(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        body: dict[str, Any] = self._send(method, path, **kw).json()
        return body

    # -- workspaces -----------------------------------------------------------------------------------
    def workspace(self, given: str | None) -> str:
        """The workspace asked for, else the key's default (the first one listed)."""
        if given:
            return given
        workspaces = self._json("GET", "/v1/workspaces")["workspaces"]
        return str(workspaces[0]["id"])

    # -- files ----------------------------------------------------------------------------------------
    def upload(self, path: Path, workspace_id: str, *, folder_id: str | None = None) -> dict[str, Any]:
        data = {"workspace_id": workspace_id, **({"folder_id": folder_id} if folder_id else {})}
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise ClientError(f"cannot read {path}: {exc.strerror}") from None
        with handle:
            return self._json("POST", "/v1/storage/files", data=data, files={"file": (path.name, handle)})

    def files(self, workspace_id: str, *, limit: int = 20, cursor: str | None = None,
              folder_id: str | None = None) -> dict[str, Any]:
        params = {"workspace_id": workspace_id, "limit": limit, **({"cursor": cursor} if cursor else {}),
                  **({"folder_id": folder_id} if folder_id else {})}
        return self._json("GET", "/v1/storage/files", params=params)

    def file(self, file_id: str, workspace_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/storage/files/{file_id}", params={"workspace_id": workspace_id})

    def download(self, url_or_path: str, dest: Path, *, workspace_id: str | None = None) -> int:
        """Streams the bytes to `dest` (written whole or not at all); returns how many."""
        params = {"workspace_id": workspace_id} if workspace_id else None
        part = dest.with_name(dest.name + ".part")
        try:
            with self._http.stream("GET", url_or_path, params=params) as response:
                _raise_for(response)
                size = 0
                with part.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        size += len(chunk)
            part.replace(dest)
        except httpx.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise ClientError(f"cannot reach Easel at {self.base_url}: {exc}") from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return size

    def delete_file(self, file_id: str, workspace_id: str) -> None:
        self._send("DELETE", f"/v1/storage/files/{file_id}", params={"workspace_id": workspace_id})

    # -- conversations --------------------------------------------------------------------------------
    def conversations(self, workspace_id: str, *, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
        params = {"workspace_id": workspace_id, "limit": limit, **({"cursor": cursor} if cursor else {})}
        return self._json("GET", "/v1/conversations", params=params)

    def conversation(self, conversation_id: str, workspace_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/conversations/{conversation_id}", params={"workspace_id": workspace_id})

    # -- chat -----------------------------------------------------------------------------------------
    def chat(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The turn's events as they arrive; an `error` event is raised as ClientError."""
        try:
            with self._http.stream("POST", "/v1/chat", json={**body, "stream": True}) as response:
                _raise_for(response)
                for line in response.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    event: dict[str, Any] = json.loads(line[6:])
                    if event.get("type") == "error":
                        raise ClientError(str(event.get("error", "the turn failed")),
                                          code=str(event.get("code", "error")))
                    yield event
        except httpx.HTTPError as exc:
            raise ClientError(f"the stream from {self.base_url} broke: {exc}") from None
