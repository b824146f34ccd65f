from __future__ import annotations

from pathlib import Path

import pytest

from easel.spaces.errors import EaselError
from easel.spaces.ledger import Ledger
from easel.spaces.space import Space

pytestmark = pytest.mark.anyio


async def test_spend_moves_with_each_record_and_a_budget_refuses_before_spending(tmp_path: Path) -> None:
    space = await Space.open(data_dir=tmp_path)
    await space.bootstrap("esk_ledger")
    who = await space.authenticate("esk_ledger", on_behalf_of="user-42")
    ledger = Ledger(space.store)
    await ledger.ensure_affordable(who, 100.0)  # no budget: no limit
    await space.store.set_budget(who.account_id, 0.05)
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
    listed, total = await space.store.list_usage(who.account_id, kind="generation", limit=10, offset=0)
    assert total == 1 and [u.id for u in listed] == [rec.id]
    await space.close()
