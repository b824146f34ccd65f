"""Usage and credits: a record for every generation and chat turn, and budgets checked before spending."""

from __future__ import annotations

from easel.spaces import ids
from easel.spaces.db import Store, now_iso
from easel.spaces.errors import EaselError
from easel.spaces.records import Account, Principal, UsageRecord


class Ledger:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def account(self, principal: Principal) -> Account | None:
        return await self.store.get_account(principal.account_id)

    async def ensure_affordable(self, principal: Principal, estimate_usd: float | None) -> None:
        self.check_affordable(await self.account(principal), estimate_usd)

    async def ensure_priced(self, principal: Principal, model: str) -> None:
        self.check_priced(await self.account(principal), model)

    @staticmethod
    def check_affordable(account: Account | None, estimate_usd: float | None) -> None:
        if account is None or account.budget_usd is None:
            return  # no budget: no limit
        remaining = account.budget_usd - account.spent_usd
        if remaining <= 0 or (estimate_usd is not None and estimate_usd > remaining):
            need = f" (this needs about ${estimate_usd:.4f})" if estimate_usd else ""
            raise EaselError(402, "insufficient_credits",
                             f"Not enough credits: ${max(remaining, 0):.4f} left{need}")

    @staticmethod
    def check_priced(account: Account | None, model: str) -> None:
        """`model`'s use has no price: fine for an account without a budget (its usage says unpriced), refused
        for one with a budget, which could not hold."""
        if account is not None and account.budget_usd is not None:
            raise EaselError(402, "unpriced_model",
                             f"{model} has no price (litellm's price map does not list it and EASEL_PRICES names "
                             "none), so an account with a budget cannot use it")

    async def record(self, principal: Principal, *, kind: str, api: str, status: str = "completed",
                     workspace_id: str | None = None, operation: str | None = None, model: str | None = None,
                     size: str | None = None, n: int = 0, prompt: str | None = None, prompt_tokens: int = 0,
                     completion_tokens: int = 0, cost_usd: float = 0.0,
                     file_ids: list[str] | None = None) -> UsageRecord:
        record = UsageRecord(
            id=ids.short_id("gen" if kind == "generation" else "use"), account_id=principal.account_id,
            kind=kind, api=api, status=status, created_at=now_iso(), workspace_id=workspace_id,
            key_id=principal.key_id, on_behalf_of=principal.on_behalf_of, operation=operation, model=model,
            size=size, n=n, prompt=prompt, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            cost_usd=round(cost_usd, 6), file_ids=file_ids or [])
        await self.store.record_usage(record)
        return record

    async def generation(self, principal: Principal, usage_id: str) -> UsageRecord | None:
        """One of the account's generations, or None (another account's is as absent)."""
        record = await self.store.usage_by_id(usage_id)
        if record is None or record.account_id != principal.account_id or record.kind != "generation":
            return None
        return record

    async def generation_number(self, principal: Principal, record: UsageRecord) -> int:
        """The account's own running number of a generation: 1 for its first, and so on. Usage records are
        never removed, so a generation keeps its number."""
        return await self.store.generation_number(principal.account_id, record.id)

    async def generations(self, principal: Principal, *, limit: int, offset: int) -> tuple[list[UsageRecord], int]:
        return await self.store.list_usage(principal.account_id, kind="generation", limit=limit, offset=offset)

    async def balance(self, principal: Principal) -> dict[str, float | int | None]:
        account = await self.store.get_account(principal.account_id)
        assert account is not None  # the principal was authenticated against it
        _, generations = await self.store.list_usage(principal.account_id, kind="generation", limit=0, offset=0)
        remaining = None if account.budget_usd is None else round(account.budget_usd - account.spent_usd, 6)
        return {"balance": remaining, "budget": account.budget_usd, "total_spent": round(account.spent_usd, 6),
                "total_generations": generations}
