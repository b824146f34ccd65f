"""Idempotency keys in the store, on both backends, with the clock injected: claims, the unique constraint as the
lock between processes, leases, expiry after 24 h and the sweep."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from easel.spaces.db_idempotency import IdempotentResult
from easel.spaces.idempotency import Claim, IdempotencyKeys
from easel.spaces.space import Space
from tests.backends import Backend

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _two(tmp_path: Path, backend: Backend) -> tuple[Space, Space, Clock]:
    """Two Spaces on one store stand for two processes."""
    one = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    two = await Space.open(data_dir=tmp_path, database_url=backend.database_url, recover=False)
    clock = Clock()
    one.idempotency = IdempotencyKeys(one.store, clock=clock)
    two.idempotency = IdempotencyKeys(two.store, clock=clock)
    return one, two, clock


async def test_of_many_processes_claiming_one_key_exactly_one_wins(tmp_path: Path, backend: Backend) -> None:
    one, two, _ = await _two(tmp_path, backend)
    try:
        await one.bootstrap("esk_idem")
        who = await one.authenticate("esk_idem")
        tries = [s.idempotency.claim(who, "POST", "/v1/images/generations", "k1") for s in (one, two) * 8]
        held = await asyncio.gather(*tries)
        claims = [h for h in held if isinstance(h, Claim)]
        assert len(claims) == 1
        assert all(isinstance(h, IdempotentResult) and h.state == "running" for h in held if h is not claims[0])
        # Another path, another account's view (on behalf of someone), another key: each its own claim.
        for path, behalf, key in (("/v1/generate", None, "k1"), ("/v1/images/generations", "u-1", "k1"),
                                  ("/v1/images/generations", None, "k2")):
            person = await one.authenticate("esk_idem", on_behalf_of=behalf)
            assert isinstance(await two.idempotency.claim(person, "POST", path, key), Claim)
    finally:
        await one.close()
        await two.close()


async def test_a_finished_claim_is_kept_a_day_then_expires_and_is_swept(tmp_path: Path, backend: Backend) -> None:
    one, two, clock = await _two(tmp_path, backend)
    try:
        await one.bootstrap("esk_idem")
        who = await one.authenticate("esk_idem")
        claim = await one.idempotency.claim(who, "POST", "/v1/chat", "k")
        assert isinstance(claim, Claim)
        body = b'{"response": "done"}'
        assert await one.idempotency.finish(claim, fingerprint="f" * 64, body_size=17, status=200,
                                            headers=[("content-type", "application/json")], body=body)
        clock.now += 24 * 3600 - 1
        saved = await two.idempotency.claim(who, "POST", "/v1/chat", "k")
        assert saved == IdempotentResult(state="done", fingerprint="f" * 64, body_size=17, status=200,
                                         headers=[("content-type", "application/json")], body=body)
        assert await two.idempotency.sweep() == 0
        clock.now += 2  # past 24 h: the key is new again
        assert await two.idempotency.sweep() == 1
        assert isinstance(await two.idempotency.claim(who, "POST", "/v1/chat", "k"), Claim)
    finally:
        await one.close()
        await two.close()


async def test_a_lease_kept_renewed_holds_and_a_lapsed_one_frees_the_key(tmp_path: Path, backend: Backend) -> None:
    one, two, clock = await _two(tmp_path, backend)
    try:
        await one.bootstrap("esk_idem")
        who = await one.authenticate("esk_idem")
        claim = await one.idempotency.claim(who, "POST", "/v1/chat", "k")
        assert isinstance(claim, Claim)
        for _ in range(5):  # renewed every 20 s by its holder: still held after 100 s
            clock.now += 20
            await one.idempotency.renew([claim])
        assert isinstance(await two.idempotency.claim(who, "POST", "/v1/chat", "k"), IdempotentResult)
        clock.now += 61  # the holder died: no renewal for over a minute
        taken = await two.idempotency.claim(who, "POST", "/v1/chat", "k")
        assert isinstance(taken, Claim)
        # The first holder, back from the dead, can neither save over the new claim nor release it.
        assert not await one.idempotency.finish(claim, fingerprint="x", body_size=0, status=200, headers=[],
                                                body=b"")
        await one.idempotency.release(claim)
        still = await one.idempotency.claim(who, "POST", "/v1/chat", "k")
        assert isinstance(still, IdempotentResult) and still.state == "running"
        await two.idempotency.release(taken)
        assert isinstance(await one.idempotency.claim(who, "POST", "/v1/chat", "k"), Claim)
    finally:
        await one.close()
        await two.close()
