"""Signed, expiring links to file content, so an `<img>` tag works without a key."""

from __future__ import annotations

import hashlib
import hmac
import time

from easel.spaces.errors import EaselError


class UrlSigner:
    def __init__(self, *, secret: bytes, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def derive(self, label: str) -> bytes:
        """A key of its own for another kind of link, from the same secret."""
        return hmac.new(self._secret, label.encode(), hashlib.sha256).digest()

    def _mac(self, file_id: str, expires: int) -> str:
        msg = f"{file_id}:{expires}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def query(self, file_id: str, *, now: float | None = None) -> str:
        expires = int((now or time.time()) + self.ttl_s)
        return f"expires={expires}&sig={self._mac(file_id, expires)}"

    def verify(self, file_id: str, expires: str, sig: str, *, now: float | None = None) -> None:
        """404 for a link that was never valid (as if the file did not exist), 410 for a stale one."""
        try:
            exp = int(expires)
        except ValueError:
            raise EaselError(404, "not_found", "File not found") from None
        if not hmac.compare_digest(self._mac(file_id, exp), sig):
            raise EaselError(404, "not_found", "File not found")
        if exp < (now or time.time()):
            raise EaselError(410, "expired", "This link has expired; ask the API for a fresh file URL")


class LinkSigner:
    """Lasting links: chat frontends keep the Markdown they were given, so an image link must still work
    when a history is reopened weeks later. Such a link is still a capability: unguessable (an HMAC over the
    file id), dead once the file is deleted (the file's row is looked up on every use) or the workspace's
    link secret is rotated (`easel workspaces rotate-links`); an operator may give links a lifetime too."""

    def __init__(self, *, secret: bytes, workspace_secret: str, ttl_s: int = 0) -> None:
        self._secret = secret
        self._workspace_secret = workspace_secret
        self.ttl_s = ttl_s

    def _mac(self, file_id: str, until: int) -> str:
        msg = f"link:{self._workspace_secret}:{file_id}:{until}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def query(self, file_id: str, *, now: float | None = None) -> str:
        if not self.ttl_s:
            return f"link={self._mac(file_id, 0)}"
        until = int((now or time.time()) + self.ttl_s)
        return f"link={self._mac(file_id, until)}&until={until}"

    def verify(self, file_id: str, mac: str, until: str | None, *, now: float | None = None) -> None:
        """404 for a link that was never valid or was revoked by a rotation, 410 for an expired one."""
        try:
            stamp = int(until) if until else 0
        except ValueError:
            raise EaselError(404, "not_found", "File not found") from None
        if not hmac.compare_digest(self._mac(file_id, stamp), mac):
            raise EaselError(404, "not_found", "File not found")
        if stamp and stamp < (now or time.time()):
            raise EaselError(410, "expired", "This link has expired; ask the API for a fresh file URL")
