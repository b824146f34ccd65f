"""What an image costs: the configured price table (per image or per megapixel, as seed 003 prices),
else what litellm's price map knows. The offline engines cost nothing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Price:
    per_image: float = 0.0
    per_megapixel: float = 0.0

    def of(self, width: int, height: int, n: int) -> float:
        return n * (self.per_image + self.per_megapixel * width * height / 1_000_000)


DEFAULT_PRICES: dict[str, Price] = {"builtin/*": Price(), "fake/*": Price()}


class PriceTable:
    def __init__(self, table: dict[str, Price] | None = None) -> None:
        self.table = {**DEFAULT_PRICES, **(table or {})}

    @classmethod
    def parse(cls, text: str | None) -> PriceTable:
        """`{"openai/dall-e-3": {"per_image": 0.04}, "fal/*": {"per_megapixel": 0.01}}`."""
        if not text:
            return cls()
        raw: dict[str, Any] = json.loads(text)
        return cls({model: Price(**spec) for model, spec in raw.items()})

    def lookup(self, model: str) -> Price | None:
        if model in self.table:
            return self.table[model]
        prefixes = [k for k in self.table if k.endswith("*") and model.startswith(k[:-1])]
        return self.table[max(prefixes, key=len)] if prefixes else None

    def estimate(self, model: str, width: int, height: int, n: int) -> float | None:
        """Cost before painting: None when nobody knows (then only an empty balance refuses)."""
        price = self.lookup(model)
        if price is not None:
            return price.of(width, height, n)
        per_image = _litellm_per_image(model)
        return None if per_image is None else per_image * n

    def actual(self, model: str, width: int, height: int, n: int, reported: float) -> float:
        """After painting: the price table wins (it is the operator's word), then the provider's cost."""
        price = self.lookup(model)
        return price.of(width, height, n) if price is not None else reported


def _litellm_per_image(model: str) -> float | None:
    if model.startswith(("builtin/", "fake/")):
        return 0.0
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    name = model.split("/", 1)[-1]
    for key in (model, name):
        info = litellm.model_cost.get(key) or {}
        if info.get("output_cost_per_image"):
            return float(info["output_cost_per_image"])
    return None
