"""The store's idempotency-key queries (a part of spaces.db.Store).

A claim is one transaction: drop the scope's row if it has expired or its holder's lease ran out, then INSERT
with ON CONFLICT DO NOTHING. The primary key is the lock: of any number of processes claiming one key at the
same moment, exactly one inserts; the others find its row (PostgreSQL makes them wait for the winner's commit;
SQLite's IMMEDIATE transactions queue them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from easel.spaces.tables import idempotency_keys

t = idempotency_keys.c


@dataclass(frozen=True)
class IdempotentResult:
    """A claim someone else holds (`state` running) or a finished request's saved response (`state` done)."""

    state: str
    fingerprint: str | None = None
    body_size: int | None = None
    status: int | None = None
    headers: list[tuple[str, str]] | None = None
    body: bytes | None = None  # None when the response was over the bound kept


def _result(row: sa.Row[Any]) -> IdempotentResult:
    m = row._mapping
    headers = [(str(k), str(v)) for k, v in json.loads(m["headers"])] if m["headers"] else None
    return IdempotentResult(state=m["state"], fingerprint=m["fingerprint"], body_size=m["body_size"],
                            status=m["status"], headers=headers, body=None if m["body"] is None else bytes(m["body"]))


def _gone(now: float) -> sa.ColumnElement[bool]:
    """Rows nobody may be answered from any more: expired, or claims whose holder stopped renewing."""
    return sa.or_(t.expires_at < now, sa.and_(t.state == "running", t.lease_until < now))


class IdempotencyQueries:
    """Mixed into Store, whose plumbing these use."""

    def _tx(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    def _insert(self, table: sa.Table) -> Any:
        raise NotImplementedError

    async def claim_idempotency(self, row_id: str, *, account_id: str, method: str, path: str, key: str, owner: str,
                                now: float, lease_s: float, ttl_s: float) -> IdempotentResult | None:
        """None when this call claimed the key; else what holds it (retried when the holder let go meanwhile)."""
        for _ in range(5):
            async with self._tx() as conn:
                await conn.execute(idempotency_keys.delete().where(t.id == row_id, _gone(now)))
                inserted = await conn.execute(
                    self._insert(idempotency_keys).values(
                        id=row_id, account_id=account_id, method=method, path=path, idem_key=key, state="running",
                        owner=owner, lease_until=now + lease_s, expires_at=now + ttl_s)
                    .on_conflict_do_nothing().returning(t.id))
                if inserted.first() is not None:
                    return None
                row = (await conn.execute(sa.select(idempotency_keys).where(t.id == row_id))).first()
            if row is not None:
                return _result(row)
        raise RuntimeError("an idempotency key was claimed and released five times in a row")  # pragma: no cover

    async def finish_idempotency(self, row_id: str, owner: str, *, fingerprint: str, body_size: int, status: int,
                                 headers: list[tuple[str, str]], body: bytes | None) -> bool:
        async with self._tx() as conn:
            done = await conn.execute(idempotency_keys.update()
                                      .where(t.id == row_id, t.owner == owner, t.state == "running")
                                      .values(state="done", fingerprint=fingerprint, body_size=body_size,
                                              status=status, headers=json.dumps(headers), body=body))
        return bool(done.rowcount)

    async def release_idempotency(self, row_id: str, owner: str) -> None:
        async with self._tx() as conn:
            await conn.execute(idempotency_keys.delete().where(t.id == row_id, t.owner == owner,
                                                               t.state == "running"))

    async def renew_idempotency(self, owners: Sequence[str], until: float) -> None:
        if not owners:
            return
        async with self._tx() as conn:
            await conn.execute(idempotency_keys.update()
                               .where(t.owner.in_(list(owners)), t.state == "running").values(lease_until=until))

    async def sweep_idempotency(self, now: float) -> int:
        async with self._tx() as conn:
            gone = await conn.execute(idempotency_keys.delete().where(_gone(now)))
        return int(gone.rowcount)
