"""Idempotency keys in the store: claims, saved responses, leases and expiry (the HTTP side is
agent/surfaces/idempotency.py).

A key is scoped to the account (and the `X-On-Behalf-Of` user, when one is named), the method and the path:
the same key sent to another route, or by another account, is another key. A claim lives 24 h from the moment
it was made; a running claim's holder renews a 60 s lease while the request runs, so a process killed mid-request
frees its keys a minute later instead of a day. Expired rows are ignored at once and deleted by a sweep that
runs on use, at most once every ten minutes per process.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Sequence

from easel.spaces.db import Store
from easel.spaces.db_idempotency import IdempotentResult
from easel.spaces.records import Principal

log = logging.getLogger("easel.idempotency")
TTL_S = 24 * 3600.0
LEASE_S = 60.0
SWEEP_EVERY_S = 600.0

__all__ = ["Claim", "IdempotencyKeys", "IdempotentResult"]


class Claim:
    """This process's hold on a key while its request runs."""

    def __init__(self, row_id: str, owner: str) -> None:
        self.row_id = row_id
        self.owner = owner
        self.keep = True  # False: the request may not be replayed (a stream); the key is let go at the end


class IdempotencyKeys:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time, ttl_s: float = TTL_S,
                 lease_s: float = LEASE_S) -> None:
        self.store = store
        self.clock = clock
        self.ttl_s = ttl_s
        self.lease_s = lease_s
        self._swept_at: float | None = None

    @staticmethod
    def row_id(principal: Principal, method: str, path: str, key: str) -> str:
        scope = "\x00".join([principal.account_id, principal.on_behalf_of or "", method, path, key])
        return hashlib.sha256(scope.encode("utf-8", "surrogateescape")).hexdigest()

    async def claim(self, principal: Principal, method: str, path: str, key: str) -> Claim | IdempotentResult:
        """A Claim when this request may run; else the running claim or the saved result that holds the key."""
        now = self.clock()
        await self._sweep_now_and_then(now)
        row_id, owner = self.row_id(principal, method, path, key), secrets.token_hex(16)
        held = await self.store.claim_idempotency(row_id, account_id=principal.account_id, method=method, path=path,
                                                  key=key, owner=owner, now=now, lease_s=self.lease_s,
                                                  ttl_s=self.ttl_s)
        return Claim(row_id, owner) if held is None else held

    async def finish(self, claim: Claim, *, fingerprint: str, body_size: int, status: int,
                     headers: list[tuple[str, str]], body: bytes | None) -> bool:
        return await self.store.finish_idempotency(claim.row_id, claim.owner, fingerprint=fingerprint,
                                                   body_size=body_size, status=status, headers=headers, body=body)

    async def release(self, claim: Claim) -> None:
        await self.store.release_idempotency(claim.row_id, claim.owner)

    async def renew(self, claims: Sequence[Claim]) -> None:
        await self.store.renew_idempotency([c.owner for c in claims], self.clock() + self.lease_s)

    async def sweep(self) -> int:
        """Deletes expired results and abandoned claims; returns how many."""
        return await self.store.sweep_idempotency(self.clock())

    async def _sweep_now_and_then(self, now: float) -> None:
        if self._swept_at is not None and now - self._swept_at < SWEEP_EVERY_S:
            return
        self._swept_at = now
        if gone := await self.store.sweep_idempotency(now):
            log.info("swept %d expired idempotency keys", gone)
