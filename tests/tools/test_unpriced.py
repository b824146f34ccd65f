"""A model nobody can price is unpriced, never free: its paintings say so, and an account with a budget cannot
use it (402 unpriced_model, before anything is painted)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from easel.spaces.errors import EaselError
from easel.spaces.records import FileRecord
from easel.spaces.space import Space
from easel.tools.base import ToolContext
from easel.tools.engines.base import EngineResult, ImageJob
from easel.tools.engines.fake import FakeEngine
from easel.tools.image_args import parse_args
from easel.tools.image_gen import ImageService
from easel.tools.pricing import PriceTable
from tests.backends import Backend

pytestmark = pytest.mark.anyio


class UnpricedPainter(FakeEngine):
    """Paints like the fake engine, under the name of a model litellm has no price for."""

    model = "openai/acme-painter-v1"

    async def _paint(self, job: ImageJob) -> EngineResult:
        return dataclasses.replace(await super()._paint(job), model=self.model, cost_usd=None)


async def _context(space: Space, key: str) -> tuple[ToolContext, list[FileRecord]]:
    workspace, _ = await space.bootstrap(key) or (None, None)
    assert workspace is not None
    principal = await space.authenticate(key)
    saved: list[FileRecord] = []

    async def nothing() -> None:
        return None

    async def keep(record: FileRecord) -> None:
        saved.append(record)

    return ToolContext(space=space, workspace=workspace, principal=principal, on_generating=nothing,
                       on_file=keep), saved


async def test_an_unpriced_painter_is_refused_to_a_budget_and_unpriced_without_one(tmp_path: Path,
                                                                                   backend: Backend) -> None:
    space = await Space.open(data_dir=tmp_path, database_url=backend.database_url)
    try:
        ctx, saved = await _context(space, "esk_unpriced_painter")
        engine = UnpricedPainter()
        service = ImageService(engine, ledger=space.ledger, prices=PriceTable())
        args = parse_args({"prompt": "a red barn", "size": "64x64"})

        created = await service.create(args, ctx)  # no budget: painted, and its cost is unknown, not 0
        assert (created.priced, created.cost_usd) == (False, 0.0)
        assert [f.metadata["cost_usd"] for f in saved] == [None]
        assert len(engine.jobs) == 1

        await space.set_budget(ctx.principal.account_id, 5.0)
        with pytest.raises(EaselError) as refused:
            await service.create(args, ctx)
        assert (refused.value.status, refused.value.code) == (402, "unpriced_model")
        assert "openai/acme-painter-v1 has no price" in refused.value.message
        assert len(engine.jobs) == 1  # nothing painted for it

        # The operator names a price: the budget holds and is charged.
        priced = ImageService(engine, ledger=space.ledger,
                              prices=PriceTable.parse('{"openai/acme-*": {"per_image": 0.25}}'))
        created = await priced.create(args, ctx)
        assert (created.priced, created.cost_usd, saved[-1].metadata["cost_usd"]) == (True, 0.25, 0.25)
        assert (await space.ledger.balance(ctx.principal))["balance"] == 4.75
    finally:
        await space.close()


def test_token_prices_and_image_prices_never_stand_in_for_each_other() -> None:
    table = PriceTable.parse('{"openai/*": {"per_million_input_tokens": 0.5, "per_million_output_tokens": 2}, '
                             '"hosted_vllm/*": {"per_image": 0.01}}')
    assert table.token_price("openai/my-chat-model") == (0.5, 2.0)
    assert table.token_price("hosted_vllm/llama") is None  # an image price does not price tokens
    assert table.lookup("openai/acme-painter-v1") is None  # a token price does not price paintings
    assert not table.priced("openai/acme-painter-v1")
    assert table.priced("openai/gpt-image-1")  # litellm's price map lists it
    assert table.priced("hosted_vllm/flux") and table.priced("builtin/painter-1") and table.priced("fake/solid")
