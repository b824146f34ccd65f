"""What an image, a clip or a chat model's tokens cost: the configured price table (EASEL_PRICES: per image or
per megapixel, as seed 003 prices, per second of video, and per million input/output tokens for chat models),
else what litellm's price map knows. The offline engines cost nothing. A model neither knows is unpriced: its
usage says so (never free), and accounts with a budget cannot use it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Price:
    per_image: float = 0.0
    per_megapixel: float = 0.0
    per_million_input_tokens: float | None = None
    per_million_output_tokens: float | None = None
    per_second: float = 0.0  # of video

    @property
    def tokens(self) -> tuple[float, float] | None:
        """USD per million (input, output) tokens, when this entry prices tokens at all."""
        if self.per_million_input_tokens is None and self.per_million_output_tokens is None:
            return None
        return (self.per_million_input_tokens or 0.0, self.per_million_output_tokens or 0.0)

    @property
    def paints(self) -> bool:
        """Whether this entry prices images: any entry but one that names only token prices."""
        return self.tokens is None or bool(self.per_image or self.per_megapixel or self.per_second)

    def of(self, width: int, height: int, n: int) -> float:
        return n * (self.per_image + self.per_megapixel * width * height / 1_000_000)

    def of_video(self, seconds: float) -> float:
        """A clip: `per_second` of its length, plus `per_image` once (a price per clip)."""
        return self.per_image + self.per_second * seconds


DEFAULT_PRICES: dict[str, Price] = {"builtin/*": Price(), "fake/*": Price()}


class PriceTable:
    def __init__(self, table: dict[str, Price] | None = None) -> None:
        self.table = {**DEFAULT_PRICES, **(table or {})}

    @classmethod
    def parse(cls, text: str | None) -> PriceTable:
        """`{"openai/dall-e-3": {"per_image": 0.04}, "fal/*": {"per_megapixel": 0.01},
        "hosted_vllm/*": {"per_million_input_tokens": 0.2, "per_million_output_tokens": 0.6}}`."""
        if not text:
            return cls()
        raw: dict[str, Any] = json.loads(text)
        return cls({model: Price(**spec) for model, spec in raw.items()})

    def lookup(self, model: str, *, tokens: bool = False) -> Price | None:
        """The entry for `model` (exact, else the longest matching `prefix*`) among those pricing tokens (with
        `tokens`) or images: an image price for `openai/*` never makes a chat model free, nor the reverse."""
        table = {k: p for k, p in self.table.items() if (p.tokens is not None if tokens else p.paints)}
        if model in table:
            return table[model]
        prefixes = [k for k in table if k.endswith("*") and model.startswith(k[:-1])]
        return table[max(prefixes, key=len)] if prefixes else None

    def token_price(self, model: str) -> tuple[float, float] | None:
        """The operator's price of a chat model's tokens (USD per million input, output), if configured."""
        price = self.lookup(model, tokens=True)
        return price.tokens if price is not None else None

    def priced(self, model: str) -> bool:
        """Whether an image model's paintings have a price: a table entry, or litellm's price map lists it."""
        return self.lookup(model) is not None or _litellm_knows(model)

    def estimate(self, model: str, width: int, height: int, n: int) -> float | None:
        """Cost before painting: None when nobody knows (then only an empty balance refuses)."""
        price = self.lookup(model)
        if price is not None:
            return price.of(width, height, n)
        per_image = _litellm_per_image(model)
        return None if per_image is None else per_image * n

    def video_priced(self, model: str) -> bool:
        """Whether a video model's clips have a price: a table entry, or litellm's price per second of video."""
        return self.lookup(model) is not None or _litellm_per_second(model) is not None

    def estimate_video(self, model: str, seconds: float) -> float | None:
        """A clip's cost before it is made: the table's price, else litellm's price per second of video."""
        price = self.lookup(model)
        if price is not None:
            return price.of_video(seconds)
        per_second = _litellm_per_second(model)
        return None if per_second is None else per_second * seconds

    def actual_video(self, model: str, seconds: float, reported: float | None) -> float | None:
        """After the clip: the table's price, else the engine's (None: unpriced)."""
        price = self.lookup(model)
        return price.of_video(seconds) if price is not None else reported

    def actual(self, model: str, width: int, height: int, n: int, reported: float | None) -> float | None:
        """After painting: the price table wins (it is the operator's word), then the provider's cost (None:
        litellm could not price it)."""
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


def _litellm_knows(model: str) -> bool:
    if model.startswith(("builtin/", "fake/")):
        return True
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    name = model.split("/", 1)[-1]
    return any(litellm.model_cost.get(key) for key in (model, name))


def _litellm_per_second(model: str) -> float | None:
    if model.startswith(("builtin/", "fake/")):
        return 0.0
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    for key in (model, model.split("/", 1)[-1]):
        info = litellm.model_cost.get(key) or {}
        if info.get("output_cost_per_video_per_second"):
            return float(info["output_cost_per_video_per_second"])
    return None
