from __future__ import annotations

from pathlib import Path

import pytest

from easel.spaces.errors import EaselError
from easel.spaces.space import Space
from tests.backends import Backend

pytestmark = pytest.mark.anyio


async def test_spend_moves_with_each_record_and_a_budget_refuses_before_spending(tmp_path: Path,
                                                                               backend: Backend) -> None:
    space = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    await space.bootstrap("esk_ledger")
    who = await space.authenticate("esk_ledger", on_behalf_of="user-42")
    ledger = space.ledger
    await ledger.ensure_affordable(who, 100.0)  # no budget: no limit
    await space.set_budget(who.account_id, 0.05)
    await ledger.ensure_affordable(who, 0.04)
    rec = await ledger.record(who, kind="generation", api="openai", model="m", n=1, cost_usd=0.04)
    assert rec.on_behalf_of == "user-42" and rec.key_id == who.key_id
    balance = await ledger.balance(who)
    assert balance == {"balance": 0.01, "budget": 0.05, "total_spent": 0.04, "total_generations": 1}
    with pytest.raises(EaselError) as err:
        await ledger.ensure_affordable(who, 0.02)
    assert (err.value.status, err.value.code) == (402, "insufficient_credits")
    await ledger.record(who, kind="chat", api="chat", cost_usd=0.01)
    with pytest.raises(EaselError):
        await ledger.ensure_affordable(who, None)  # nothing left: even an unknown price is refused
    listed, total = await ledger.generations(who, limit=10, offset=0)
    assert total == 1 and [u.id for u in listed] == [rec.id]
    await space.close()


async def test_what_one_process_changes_every_other_sees_on_its_next_request(tmp_path: Path, backend: Backend) -> None:
    """Two Spaces on one store stand for two processes (or nodes): keys and budgets live only in the store."""
    one = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    other = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    try:
        await one.bootstrap("esk_shared")
        who = await other.authenticate("esk_shared")
        await one.set_budget(who.account_id, 0.10)
        await other.ledger.ensure_affordable(who, 0.10)
        await one.ledger.record(who, kind="generation", api="openai", cost_usd=0.08)
        with pytest.raises(EaselError) as spent:
            await other.ledger.ensure_affordable(who, 0.05)  # spent through one, refused by the other
        assert spent.value.code == "insufficient_credits"
        assert (await other.ledger.balance(who))["total_spent"] == 0.08
        assert await one.revoke_key(who.key_id)
        with pytest.raises(EaselError) as refused:
            await other.authenticate("esk_shared")
        assert (refused.value.status, refused.value.code) == (401, "invalid_api_key")
    finally:
        await one.close()
        await other.close()
