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
