from __future__ import annotations

import pytest

from easel.tools.pricing import Price, PriceTable


def test_price_table_per_image_per_megapixel_and_prefixes() -> None:
    table = PriceTable.parse('{"openai/dall-e-3": {"per_image": 0.04}, "fal/*": {"per_megapixel": 0.01}}')
    assert table.estimate("openai/dall-e-3", 1024, 1024, 2) == pytest.approx(0.08)
    assert table.estimate("fal/flux", 1000, 1000, 3) == pytest.approx(0.03)
    assert table.estimate("builtin/painter-1", 1024, 1024, 10) == 0.0
    assert table.actual("fal/flux", 2000, 1000, 1, reported=9.0) == pytest.approx(0.02)  # the table wins
    assert table.actual("openai/gpt-image-1", 1024, 1024, 1, reported=0.011) == 0.011
    assert Price(per_image=1, per_megapixel=1).of(1000, 1000, 2) == 4


def test_unknown_model_has_no_estimate() -> None:
    assert PriceTable().estimate("openai/some-unpriced-model", 1024, 1024, 1) is None
